/**
 * The init containers that prepare `/workspace/repo` before the agent starts (kelos-behaviour §5.2): `git-clone`,
 * `remote-setup`, `branch-setup`, `workspace-files`, each as UID 61100 on the shared `workspace` volume. With a
 * token, git authenticates through the helper that reads the mounted token file at use time (so a refreshed
 * GitHub App token is picked up), and the helper stays in the checkout's config for the agent's own git.
 */
import type { V1Container, V1EnvVar } from '@kubernetes/client-node';
import { GIT_CREDENTIAL_HELPER, GIT_CREDENTIAL_USERNAME } from '../git-credentials';
import type { TaskRun } from '../../task/task-run';
import type { WorkspaceSource } from '../../task/task-runtime';
import { shellQuote } from '../../common/shell-quote';
import { checkBranchName, checkWorkspaceFilePath } from './workspace-input-checks';

export const GIT_IMAGE = 'alpine/git:v2.47.2';
export const KELOS_UID = 61100;
export const TOKEN_VOLUME = 'kelos-github-token';
export const TOKEN_DIR = '/kelos/github-token';
export const TOKEN_FILE = `${TOKEN_DIR}/GITHUB_TOKEN`;

/** `tokenSecret`: the Secret mounted at {@link TOKEN_DIR} (the Workspace's, or the per-Task GitHub App token). */
export function workspaceInitContainers(run: TaskRun, workspace: WorkspaceSource, tokenSecret: string | undefined): V1Container[] {
  if (run.branch) checkBranchName(run.branch);
  const files = workspace.files.map((file, i) => ({ path: checkWorkspaceFilePath(file.path, `Workspace "${workspace.name}" files[${i}].path`), content: file.content }));
  const common = (name: string, script: string, env: V1EnvVar[] = []): V1Container => ({
    name,
    image: GIT_IMAGE,
    command: ['sh', '-c', script],
    env: [{ name: 'HOME', value: '/workspace' }, ...(tokenSecret ? [{ name: 'KELOS_GITHUB_TOKEN_FILE', value: TOKEN_FILE }] : []), ...env],
    volumeMounts: [{ name: 'workspace', mountPath: '/workspace' }, ...(tokenSecret ? [{ name: TOKEN_VOLUME, mountPath: TOKEN_DIR, readOnly: true }] : [])],
    securityContext: { runAsUser: KELOS_UID, runAsGroup: KELOS_UID },
  });
  const auth = tokenSecret ? `-c credential.helper= -c credential.helper=${shellQuote(GIT_CREDENTIAL_HELPER)} -c credential.username=${GIT_CREDENTIAL_USERNAME}` : '';
  const persistAuth = tokenSecret
    ? `git -C /workspace/repo config --replace-all credential.helper '' && git -C /workspace/repo config --add credential.helper ${shellQuote(GIT_CREDENTIAL_HELPER)} && git -C /workspace/repo config credential.username ${GIT_CREDENTIAL_USERNAME}`
    : 'true';
  const ref = workspace.ref;
  const clone =
    ref && /^[0-9a-fA-F]{40}$/.test(ref)
      ? `git init -q /workspace/repo && git -C /workspace/repo remote add origin "$KELOS_REPO" && git ${auth} -C /workspace/repo fetch --depth 1 origin "$KELOS_REF" && git -C /workspace/repo checkout -q --detach FETCH_HEAD`
      : `git ${auth} clone ${ref ? '--branch "$KELOS_REF" ' : ''}--no-single-branch --depth 1 -- "$KELOS_REPO" /workspace/repo`;
  const containers = [common('git-clone', `set -e; ${clone}; ${persistAuth}`, [{ name: 'KELOS_REPO', value: workspace.repo }, ...(ref ? [{ name: 'KELOS_REF', value: ref }] : [])])];
  if (workspace.remotes.length) {
    const script = workspace.remotes.map((r) => `git -C /workspace/repo remote add -- ${shellQuote(r.name)} ${shellQuote(r.url)} 2>/dev/null || git -C /workspace/repo remote set-url -- ${shellQuote(r.name)} ${shellQuote(r.url)}`).join(' && ');
    containers.push(common('remote-setup', `set -e; ${script}`));
  }
  if (run.branch) {
    containers.push(
      common(
        'branch-setup',
        'set -e; cd /workspace/repo; set +e; git ls-remote --exit-code --heads origin "refs/heads/$KELOS_BRANCH" >/dev/null; found=$?; set -e; ' +
          'if [ $found -eq 0 ]; then git fetch -q origin -- "refs/heads/$KELOS_BRANCH"; if git show-ref -q --verify "refs/heads/$KELOS_BRANCH"; then git checkout -q "$KELOS_BRANCH" -- && git merge -q --ff-only FETCH_HEAD; else git checkout -q -b "$KELOS_BRANCH" FETCH_HEAD --; fi; ' +
          'elif [ $found -eq 2 ]; then git checkout -q -b "$KELOS_BRANCH"; else exit $found; fi',
        [{ name: 'KELOS_BRANCH', value: run.branch }],
      ),
    );
  }
  if (files.length) containers.push(common('workspace-files', workspaceFilesScript(files)));
  return containers;
}

/**
 * Writes each file under `root` one directory at a time, refusing any part that is a symlink (a committed link must
 * not carry a write out of the checkout) and never following one. Paths were cleaned by checkWorkspaceFilePath.
 */
export function workspaceFilesScript(files: { path: string; content: string }[], root = '/workspace/repo'): string {
  const lines = [
    'set -eu',
    'kelos_write_file() {',
    `  dir=${shellQuote(root)}; rest=$1`,
    '  while [ "${rest#*/}" != "$rest" ]; do',
    '    dir="$dir/${rest%%/*}"; rest=${rest#*/}',
    '    if [ -L "$dir" ]; then echo "workspace-files: $dir is a symbolic link; not writing through it" >&2; exit 1; fi',
    '    [ -d "$dir" ] || mkdir "$dir" || exit 1',
    '  done',
    '  if [ -L "$dir/$rest" ]; then echo "workspace-files: $dir/$rest is a symbolic link; not writing through it" >&2; exit 1; fi',
    `  printf '%s' "$2" > "$dir/$rest" || exit 1`,
    '}',
    ...files.map((file) => `kelos_write_file ${shellQuote(file.path)} ${shellQuote(file.content)}`),
  ];
  return lines.join('\n');
}
