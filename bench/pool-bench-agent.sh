#!/bin/sh
# The WorkerPool benchmark's agent (KELOS_AGENT_BIN for claude-code under the built-in entrypoint): changes a tracked
# file and leaves an untracked one, as agents do (a pool member must reset both), notes its timing in $BENCH_EVENTS
# and prints a successful Claude Code result line.
start=$(date +%s%3N)
echo "changed by $KELOS_TASK_NAME" >> README.md
echo scratch > scratch.txt
echo "agent $KELOS_TASK_NAME $start $(date +%s%3N) $(pwd)" >> "$BENCH_EVENTS"
echo '{"type":"result","subtype":"success","is_error":false,"result":"done","total_cost_usd":0,"usage":{"input_tokens":1,"output_tokens":1}}'
