/**
 * Which per-item GitHub calls a configuration needs, so activities skip the rest (Kelos fetches comments,
 * reviews and review comments for every item). `usage` says which template variables the spawner's templates
 * reference; leave it out to fetch everything Kelos would (parity: all variables are always filled).
 */
import type { GitHubIssuesSource, GitHubPullRequestsSource } from '../../model/types';
import { commentPolicyEnabled } from './comment-policy';
import { hasFilePatterns } from '../file-patterns';

export interface TemplateVarUsage {
  Comments?: boolean;
  ReviewState?: boolean;
  ReviewComments?: boolean;
}

const ALL_VARS: Required<TemplateVarUsage> = { Comments: true, ReviewState: true, ReviewComments: true };

export interface IssueFetchNeeds {
  /** `GET /issues/{n}/comments` */
  comments: boolean;
}

export interface PullRequestFetchNeeds {
  /** `GET /pulls/{n}/files`, only for filePatterns (never otherwise, as in Kelos). */
  files: boolean;
  /** `GET /pulls/{n}/reviews`: review-state filter or variable, review bodies for the comment policy. */
  reviews: boolean;
  /** `GET /issues/{n}/comments`: `{{.Comments}}` or the comment policy. */
  comments: boolean;
  /** `GET /pulls/{n}/comments`: `{{.ReviewComments}}` or the comment policy. */
  reviewComments: boolean;
}

export function issueFetchNeeds(source: Pick<GitHubIssuesSource, 'commentPolicy'>, usage: TemplateVarUsage = ALL_VARS): IssueFetchNeeds {
  return { comments: commentPolicyEnabled(source.commentPolicy) || usage.Comments !== false };
}

export function pullRequestFetchNeeds(
  source: Pick<GitHubPullRequestsSource, 'commentPolicy' | 'reviewState' | 'filePatterns'>,
  usage: TemplateVarUsage = ALL_VARS,
): PullRequestFetchNeeds {
  const policy = commentPolicyEnabled(source.commentPolicy);
  return {
    files: hasFilePatterns(source.filePatterns),
    reviews: policy || source.reviewState !== 'any' || usage.ReviewState !== false,
    comments: policy || usage.Comments !== false,
    reviewComments: policy || usage.ReviewComments !== false,
  };
}
