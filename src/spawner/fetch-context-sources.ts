/**
 * `fetchContextSources`: one HTTP request per context source of a spawner's template, in parallel, for one item
 * (kelos-behaviour §9): URL, headers and body are templates over the item's variables; `headersFrom` reads secrets
 * and `githubAppAuth` mints an installation token (only here, in the activity); https unless `allowInsecure`;
 * `timeoutSeconds`; a body over `maxResponseBytes` is an error; a JSONPath `responseFilter` picks a value.
 * A source that fails is "" with `failurePolicy: Ignore`, and fails the fetch (naming the source) with `Fail`.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { contextValue } from './context-sources';
import type { ContextSource } from '../model/types';
import { renderTemplate } from '../go';
import type { TemplateVars } from '../sources/template-vars';
import { mintInstallationToken } from '../sources/github/github-app-token';
import { githubCredentialsFromSecret } from '../sources/github/github-credentials';
import { SecretNotFoundError, type SecretSource } from '../host/secret-source';
import { githubApiBaseUrl } from '../sources/github/repo-target';

export interface FetchContextInput {
  namespace: string;
  sources: ContextSource[];
  vars: TemplateVars;
}

export interface ContextSourceDeps {
  secrets: SecretSource;
  /** `GITHUB_API_URL` overrides where App tokens are minted when a source names no `apiBaseURL` (tests, proxies). */
  env?: Record<string, string | undefined>;
}

/** A mistake in the configuration: retrying cannot fix it. */
class ConfigError extends Error {}

export function createContextSourceActivities(deps: ContextSourceDeps) {
  const env = deps.env ?? process.env;

  async function fetchContextSources(input: FetchContextInput): Promise<Record<string, string>> {
    const values = await Promise.all(
      input.sources.map(async (source) => {
        try {
          return [source.name, await fetchOne(input.namespace, source, input.vars)] as const;
        } catch (err) {
          if (source.failurePolicy === 'Ignore') return [source.name, ''] as const;
          const message = `context source "${source.name}": ${(err as Error).message}`;
          throw err instanceof ConfigError ? ApplicationFailure.nonRetryable(message, 'InvalidContextSource') : ApplicationFailure.retryable(message, 'ContextSourceFailed');
        }
      }),
    );
    return Object.fromEntries(values);
  }

  async function fetchOne(namespace: string, source: ContextSource, vars: TemplateVars): Promise<string> {
    const http = source.http;
    const render = (name: string, text: string) => {
      try {
        return renderTemplate(text, vars, { name, missingKey: 'error' });
      } catch (err) {
        throw new ConfigError(`rendering ${name}: ${(err as Error).message}`);
      }
    };
    const url = render('url', http.url);
    checkScheme(url, http.allowInsecure);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(http.headers ?? {})) headers[name] = render(`header ${name}`, value);
    for (const from of http.headersFrom ?? []) {
      const data = await readSecret(namespace, from.secretName);
      if (!(from.secretKey in data)) throw new ConfigError(`secret "${from.secretName}" has no key ${from.secretKey} (header ${from.header})`);
      headers[from.header] = data[from.secretKey];
    }
    if (http.githubAppAuth && !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization')) {
      headers.Authorization = `token ${await appToken(namespace, http.githubAppAuth)}`;
    }
    const body = http.body ? render('body', http.body) : undefined;
    if (http.method === 'POST' && body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';

    let response: Response;
    try {
      response = await fetch(url, { method: http.method, headers, ...(body !== undefined ? { body } : {}), signal: AbortSignal.timeout(http.timeoutSeconds * 1000), redirect: 'follow' });
    } catch (err) {
      const cause = (err as Error).name === 'TimeoutError' ? `no answer within ${http.timeoutSeconds}s` : ((err as { cause?: Error }).cause?.message ?? (err as Error).message);
      throw new Error(`HTTP request to ${url} failed: ${cause}`);
    }
    if (response.status < 200 || response.status >= 300) throw new Error(`HTTP ${response.status} from ${url}`);
    const text = await readAtMost(response, http.maxResponseBytes);
    try {
      return contextValue(text, http.responseFilter);
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
  }

  async function readSecret(namespace: string, name: string): Promise<Record<string, string>> {
    try {
      return await deps.secrets.read(namespace, name);
    } catch (err) {
      if (err instanceof SecretNotFoundError) throw new ConfigError(err.message);
      throw err;
    }
  }

  async function appToken(namespace: string, auth: NonNullable<ContextSource['http']['githubAppAuth']>): Promise<string> {
    const name = auth.secretRef.name;
    let credentials;
    try {
      credentials = githubCredentialsFromSecret(name, await readSecret(namespace, name));
    } catch (err) {
      throw new ConfigError((err as Error).message);
    }
    if (credentials.kind !== 'app') throw new ConfigError(`githubAppAuth: secret "${name}" holds no GitHub App (appID, installationID, privateKey)`);
    const baseUrl = auth.apiBaseURL || githubApiBaseUrl(env.GITHUB_API_URL);
    return (await mintInstallationToken(baseUrl, credentials)).token;
  }

  return { fetchContextSources };
}

function checkScheme(url: string, allowInsecure: boolean): void {
  let scheme: string;
  try {
    scheme = new URL(url).protocol;
  } catch {
    throw new ConfigError(`invalid URL "${url}"`);
  }
  if (scheme === 'https:') return;
  if (scheme === 'http:') {
    if (allowInsecure) return;
    throw new ConfigError(`HTTP URLs are not allowed without allowInsecure: ${url}`);
  }
  throw new ConfigError(`unsupported URL scheme "${scheme.replace(/:$/, '')}" (only http and https)`);
}

/** The body as text, or an error once it passes `limit` bytes (read no further than that). */
async function readAtMost(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`response body exceeds maxResponseBytes (${limit})`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
