/** The local GitHub REST API of the test harness (see fake-github.ts). */
import { FakeGitHub, type FakeGitHubOptions } from './fake-github';

export type { FakeGitHub, FakeGitHubOptions, RecordedRequest } from './fake-github';
export type { FakeRepo, NewIssue, NewPull } from './fake-repo';

export function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  return FakeGitHub.start(options);
}
