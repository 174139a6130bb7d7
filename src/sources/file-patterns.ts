/**
 * `filePatterns{include, exclude}` (kelos-behaviour §2.9), shared by githubPullRequests polling and GitHub
 * webhook filters: doublestar globs (`**` crosses directories). Files matching any exclude are removed first;
 * nothing left fails; no include passes; else any remaining file must match an include.
 */
import picomatch from 'picomatch';
import type { FilePatterns } from '../model/types';

const GLOB_OPTIONS = { dot: true } as const;

export function hasFilePatterns(patterns: FilePatterns | undefined): boolean {
  return Boolean(patterns && ((patterns.include?.length ?? 0) > 0 || (patterns.exclude?.length ?? 0) > 0));
}

export function matchesFilePatterns(patterns: FilePatterns | undefined, files: readonly string[]): boolean {
  if (!hasFilePatterns(patterns)) return true;
  if (!files.length) return false;
  const exclude = (patterns!.exclude ?? []).map((p) => picomatch(p, GLOB_OPTIONS));
  const remaining = files.filter((file) => !exclude.some((isMatch) => isMatch(file)));
  if (!remaining.length) return false;
  const include = (patterns!.include ?? []).map((p) => picomatch(p, GLOB_OPTIONS));
  if (!include.length) return true;
  return remaining.some((file) => include.some((isMatch) => isMatch(file)));
}
