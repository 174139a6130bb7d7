/**
 * Workspace `files[].path`: where a file is written inside the checkout, on both runtimes. Only a path that stays
 * inside the repository whatever the filesystem holds is accepted: relative, forward slashes, no `..` segment (not
 * even one that a later segment would undo), no NUL. `./` and repeated or trailing slashes are harmless and are
 * normalised away, as Kelos's own path cleaning does. Pure (no `node:path`): workflows load manifests too.
 */

/** Why the path is refused, or undefined when it is acceptable. */
export function workspaceFilePathProblem(filePath: string): string | undefined {
  if (filePath.trim() === '') return 'must not be empty';
  if (filePath.includes('\0')) return 'must not contain a NUL byte';
  if (filePath.includes('\\')) return 'must use forward slashes';
  if (filePath.startsWith('/')) return 'must be relative to the repository, not absolute';
  if (filePath.split('/').includes('..')) return "must not contain '..' segments";
  if (normalWorkspaceFilePath(filePath) === '') return 'must name a file inside the repository, not the repository itself';
  return undefined;
}

/** `./a//b/` → `a/b`: empty and `.` segments dropped. */
export function normalWorkspaceFilePath(filePath: string): string {
  return filePath
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}
