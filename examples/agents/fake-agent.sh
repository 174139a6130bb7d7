#!/bin/sh
# A stand-in agent "image" for the local runtime: implements the /kelos_entrypoint.sh contract without any model
# or API key, so the demo can run end to end.
#   kelos run -p "add a greeting file" --image examples/agents/fake-agent.sh -w
# Contract: the prompt is the first argument, KELOS_* variables configure the run, the working directory is the
# checkout; the run ends with a ---KELOS_OUTPUTS_START--- ... ---KELOS_OUTPUTS_END--- block on stdout.
# Optional knobs (set them with --env): FAKE_AGENT_SLEEP (seconds to pretend to work), FAKE_AGENT_EXIT (exit code).
set -u

prompt="${1:?Prompt argument is required}"

# Workspace setupCommand (JSON exec-form array), with the banners Kelos's images print.
if [ -n "${KELOS_SETUP_COMMAND:-}" ]; then
  printf '\n---KELOS_SETUP_COMMAND_START---\n' >&2
  node -e '
const { spawnSync } = require("child_process");
let cmd;
try { cmd = JSON.parse(process.env.KELOS_SETUP_COMMAND); } catch { cmd = undefined; }
if (!Array.isArray(cmd) || cmd.length === 0 || cmd.some((a) => typeof a !== "string")) {
  console.error("KELOS_SETUP_COMMAND must be a non-empty JSON array of strings");
  process.exit(2);
}
const r = spawnSync(cmd[0], cmd.slice(1), { stdio: "inherit" });
if (r.error) { console.error(r.error.message); process.exit(127); }
process.exit(r.status ?? 1);
'
  status=$?
  if [ "$status" -ne 0 ]; then
    printf '\n---KELOS_SETUP_COMMAND_FAILED--- exit=%s\n' "$status" >&2
    exit "$status"
  fi
  printf '\n---KELOS_SETUP_COMMAND_DONE---\n' >&2
fi

echo "fake agent (${KELOS_AGENT_TYPE:-unknown} type, model ${KELOS_MODEL:-default}) received the prompt:"
echo "  $prompt"
echo "working in $(pwd)"
if [ -n "${FAKE_AGENT_SLEEP:-}" ]; then
  echo "pretending to think for ${FAKE_AGENT_SLEEP}s..."
  sleep "$FAKE_AGENT_SLEEP"
fi

in_repo=false
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  in_repo=true
  file="kelos-fake-agent-$(date +%Y%m%d%H%M%S)-$$.md"
  printf '# Written by the Kelos fake agent\n\nPrompt: %s\n' "$prompt" >"$file"
  git add -- "$file"
  git -c user.name="${GIT_AUTHOR_NAME:-Kelos fake agent}" -c user.email="${GIT_AUTHOR_EMAIL:-fake-agent@kelos.invalid}" \
    -c commit.gpgsign=false commit --quiet -m "fake agent: $prompt" -- "$file" && echo "committed $file"
fi

response="Fake agent finished: $prompt"
echo "---KELOS_OUTPUTS_START---"
if [ "$in_repo" = true ]; then
  branch=$(git branch --show-current 2>/dev/null)
  [ -n "$branch" ] && echo "branch: $branch"
  echo "commit: $(git rev-parse HEAD)"
fi
if [ -n "${KELOS_BASE_BRANCH:-}" ]; then
  echo "base-branch: $KELOS_BASE_BRANCH"
elif [ "$in_repo" = true ]; then
  base=$(git symbolic-ref --quiet refs/remotes/origin/HEAD 2>/dev/null | sed 's#^refs/remotes/origin/##')
  [ -n "$base" ] && echo "base-branch: $base"
fi
echo "cost-usd: 0.0123"
echo "input-tokens: 1500"
echo "output-tokens: 250"
echo "response: $(printf '%s' "$response" | base64 | tr -d '\n')"
echo "---KELOS_OUTPUTS_END---"
exit "${FAKE_AGENT_EXIT:-0}"
