/**
 * What `kelos init` writes: every field of the config file (src/clients/cli/config-file.ts), commented out, with what it
 * does. As written it sets nothing; a test parses it so it stays a valid file.
 */
export const CONFIG_TEMPLATE = `# kelos config file: defaults for \`kelos run\` (a flag on the command line wins over the value here).
# Uncomment what you need. Another file: kelos --config PATH ...

# Agent credential. Set one of the two; kelos stores it as the Secret "kelos-credentials" under the key the
# agent type reads (ANTHROPIC_API_KEY, CODEX_API_KEY, CLAUDE_CODE_OAUTH_TOKEN, ...) and the Task uses it.
# "@PATH" reads the value from a file (~ is your home directory), e.g. Codex's login: "@~/.codex/auth.json".
# apiKey: ""
# oauthToken: ""
#
# Where the credential comes from:
#   claude-code  API key: https://console.anthropic.com/settings/keys; OAuth token: \`claude setup-token\`
#   codex        API key: https://platform.openai.com/api-keys; OAuth: \`codex login\`, then "@~/.codex/auth.json"
#   gemini       API key: https://aistudio.google.com/app/apikey
#   opencode     the API key of the model provider it uses
#   cursor       API key: https://cursor.com/dashboard (Integrations)

# Or name a Secret you created yourself (kelos apply -f secret.yaml), with its credential type
# (api-key, oauth, or none for an agent that needs no credential).
# secret: my-agent-secret
# credentialType: api-key

# Agent type: claude-code (the default), codex, gemini, opencode or cursor.
# type: claude-code

# Model and reasoning effort handed to the agent (KELOS_MODEL, KELOS_EFFORT).
# model: ""
# effort: ""

# Namespace of the objects for every kelos command (-n overrides it; default: default).
# namespace: default

# The repository the agent works in. Either an existing Workspace by name:
# workspace:
#   name: my-workspace
# or the repository itself: kelos creates the Workspace "kelos-workspace" (and, for a token or a GitHub App, the
# Secret "kelos-workspace-credentials") and asks before replacing a different one (-y replaces it).
# workspace:
#   repo: https://github.com/org/repo.git
#   ref: main
#   token: ""                # GitHub token for git and gh (optional)
# or, instead of a token, a GitHub App:
#   githubApp:
#     appID: "123456"
#     installationID: "7890123"
#     privateKeyPath: ~/keys/app.pem   # the App's PEM private key

# An AgentConfig (instructions, skills, MCP servers) every Task gets.
# agentConfig: my-agent-config

# Extra environment variables for the agent; --env NAME=VALUE adds to them and wins on the same name.
# secretKeyRef / configMapKeyRef are read in the Task's namespace.
# env:
#   - name: CLAUDE_CODE_USE_BEDROCK
#     value: "1"
#   - name: MY_TOKEN
#     valueFrom:
#       secretKeyRef:
#         name: my-secret
#         key: token
`;
