#!/usr/bin/env bash
# Installs the real agent CLIs the agent tests run (test/agents/) at pinned versions from npm, each into a prefix of
# its own under a cache that later runs reuse, and prints each CLI's bin directory (one line per agent asked for).
#
#   scripts/agents/install-agent-clis.sh [claude-code|codex|gemini|opencode ...]   (default: all four)
#
# Versions: KELOS_TEST_CLAUDE_CODE_VERSION, KELOS_TEST_CODEX_VERSION, KELOS_TEST_GEMINI_VERSION,
# KELOS_TEST_OPENCODE_VERSION (exact npm versions). Cache: KELOS_AGENT_CLI_CACHE, default
# ${XDG_CACHE_HOME:-~/.cache}/kelos-agent-clis/<agent>-<version>/ (npm's global layout: bin/ next to lib/).
# The agent sandbox hides the worker's home but shows the directories on the worker's PATH read-only with their
# install prefix (…/bin → …), so a prefix under the home stays runnable by the sandboxed agent once its bin/ is on
# the worker's PATH.
set -euo pipefail

declare -A PACKAGE=([claude-code]=@anthropic-ai/claude-code [codex]=@openai/codex [gemini]=@google/gemini-cli [opencode]=opencode-ai)
declare -A EXECUTABLE=([claude-code]=claude [codex]=codex [gemini]=gemini [opencode]=opencode)
declare -A VERSION=(
  [claude-code]="${KELOS_TEST_CLAUDE_CODE_VERSION:-2.1.332}"
  [codex]="${KELOS_TEST_CODEX_VERSION:-0.171.0}"
  [gemini]="${KELOS_TEST_GEMINI_VERSION:-0.61.0}"
  [opencode]="${KELOS_TEST_OPENCODE_VERSION:-1.18.33}"
)
cache="${KELOS_AGENT_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kelos-agent-clis}"

agents=("$@")
[ ${#agents[@]} -gt 0 ] || agents=(claude-code codex gemini opencode)
for agent in "${agents[@]}"; do
  if [ -z "${PACKAGE[$agent]:-}" ]; then
    echo "install-agent-clis: unknown agent '$agent' (claude-code, codex, gemini or opencode)" >&2
    exit 2
  fi
  version="${VERSION[$agent]}"
  prefix="$cache/$agent-$version"
  exe="$prefix/bin/${EXECUTABLE[$agent]}"
  # The marker is written last: a prefix without it is a broken or interrupted install and is made again.
  if [ ! -f "$prefix/.installed" ] || [ ! -x "$exe" ]; then
    echo "install-agent-clis: installing ${PACKAGE[$agent]}@$version into $prefix" >&2
    rm -rf "$prefix"
    mkdir -p "$prefix"
    if ! npm install --global --prefix "$prefix" --no-audit --no-fund --loglevel=error "${PACKAGE[$agent]}@$version" >&2; then
      rm -rf "$prefix"
      echo "install-agent-clis: npm install ${PACKAGE[$agent]}@$version failed" >&2
      exit 1
    fi
    if ! out=$("$exe" --version 2>&1); then
      rm -rf "$prefix"
      echo "install-agent-clis: ${EXECUTABLE[$agent]} --version failed after installing ${PACKAGE[$agent]}@$version: $out" >&2
      exit 1
    fi
    # Readable and runnable by the sandbox's uid when the cache is shared with another user.
    chmod -R a+rX "$prefix"
    touch "$prefix/.installed"
  fi
  echo "$prefix/bin"
done
