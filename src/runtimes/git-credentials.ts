/**
 * How git authenticates to the workspace repository, shared by the local runtime and the Pod's init containers:
 * an inline credential helper that reads the token at use time (the mounted token file first, so a refreshed
 * token is picked up, else `$GITHUB_TOKEN`) and prints nothing without one; the username GitHub expects.
 */
export const GIT_CREDENTIAL_USERNAME = 'x-access-token';

export const GIT_CREDENTIAL_HELPER =
  '!f() { [ "$1" = get ] || exit 0; ' +
  'if [ -n "$KELOS_GITHUB_TOKEN_FILE" ] && [ -r "$KELOS_GITHUB_TOKEN_FILE" ]; then echo "password=$(cat "$KELOS_GITHUB_TOKEN_FILE")"; ' +
  'elif [ -n "$GITHUB_TOKEN" ]; then echo "password=$GITHUB_TOKEN"; fi; }; f';
