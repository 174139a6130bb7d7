#!/bin/sh
# `kelos <args>` (the compose file's worker) after putting the agent API keys of its environment into its own secret
# store as the Secret `agent-credentials` (one key per variable that is set), so Tasks can name it with
# `--secret agent-credentials`. Each worker container has a data directory (and secret store) of its own, hence
# this step at every start.
set -eu
node -e '
const names = ["ANTHROPIC_API_KEY", "CLAUDE_CODE_OAUTH_TOKEN", "CODEX_API_KEY", "CODEX_AUTH_JSON", "OPENAI_API_KEY", "GEMINI_API_KEY", "OPENCODE_API_KEY"];
const data = Object.fromEntries(names.filter((n) => process.env[n]).map((n) => [n, process.env[n]]));
process.stdout.write(JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "agent-credentials" }, stringData: data }));
' | kelos apply -f - >/dev/null
exec kelos "$@"
