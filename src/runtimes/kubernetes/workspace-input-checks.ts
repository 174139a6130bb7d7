/**
 * Task and Workspace values that become git arguments or file paths in the Pod's init containers, checked before
 * the Pod is built (a Temporal client can send values the manifest schema never saw). The scripts also pass them
 * safely (`--`, `refs/heads/…`, no writes through symlinks); these checks make a bad value a clear Task failure
 * that names the field instead of an init container that fails or, worse, does something else.
 */
import { PodSpecError } from './pod-overrides';

/** git's rules for a branch name (`git check-ref-format --branch`), plus no leading '-'. */
export function checkBranchName(branch: string, field = 'branch'): void {
  const why = branchProblem(branch);
  if (why) throw new PodSpecError(`${field}: ${JSON.stringify(branch)} is not a valid branch name (${why})`);
}

function branchProblem(branch: string): string | undefined {
  if (branch === '') return 'empty';
  if (branch.startsWith('-')) return "must not start with '-'";
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(branch)) return 'no spaces, control characters or any of ~^:?*[\\';
  if (branch.includes('..')) return "must not contain '..'";
  if (branch.includes('@{') || branch === '@') return "must not contain '@{' or be '@'";
  if (branch.startsWith('/') || branch.endsWith('/') || branch.includes('//')) return "no empty parts between '/'";
  if (branch.endsWith('.')) return "must not end with '.'";
  if (branch.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) return "no part may start with '.' or end with '.lock'";
  return undefined;
}

/**
 * A Workspace `files[].path`: relative, forward slashes, no `..`; `.` and empty parts are dropped. Returns the
 * cleaned path, which stays inside the checkout as long as nothing on the way is a symlink (the script checks that).
 */
export function checkWorkspaceFilePath(filePath: string, field: string): string {
  const fail = (why: string) => {
    throw new PodSpecError(`${field}: ${JSON.stringify(filePath)} ${why}`);
  };
  if (typeof filePath !== 'string' || filePath.trim() === '') fail('is empty');
  if (filePath.includes('\0')) fail('contains a NUL byte');
  if (filePath.includes('\\')) fail('must use forward slashes');
  if (filePath.startsWith('/')) fail('must be relative to the repository');
  const parts = filePath.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) fail("must not contain '..'");
  if (parts.length === 0) fail('names the repository itself');
  return parts.join('/');
}
