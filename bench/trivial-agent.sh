#!/bin/sh
# The cheapest agent that honours the entrypoint contract: prints an output block and exits.
echo "---KELOS_OUTPUTS_START---"
echo "branch: ${KELOS_BRANCH:-main}"
echo "---KELOS_OUTPUTS_END---"
