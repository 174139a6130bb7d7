/**
 * Custom search attributes every kelos-temporal namespace needs. They make Tasks and spawners findable in
 * the Web UI and with `temporal workflow list --query`, and let the webhook bridge find spawners.
 * Search attributes are plaintext and never pass through codecs: never put secrets or prompts in them.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const KelosKind = defineSearchAttributeKey('KelosKind', SearchAttributeType.KEYWORD);
export const KelosNamespace = defineSearchAttributeKey('KelosNamespace', SearchAttributeType.KEYWORD);
export const KelosSpawner = defineSearchAttributeKey('KelosSpawner', SearchAttributeType.KEYWORD);
export const KelosSourceKind = defineSearchAttributeKey('KelosSourceKind', SearchAttributeType.KEYWORD);
export const KelosPhase = defineSearchAttributeKey('KelosPhase', SearchAttributeType.KEYWORD);
export const KelosAgentType = defineSearchAttributeKey('KelosAgentType', SearchAttributeType.KEYWORD);

/**
 * Webhook spawners: the routing keys the bridge queries to find the spawners a delivery may concern
 * (`webhookRoutingKeys` in src/sources/webhooks/delivery.ts). The spawner still applies every filter itself.
 */
export const KelosWebhookKeys = defineSearchAttributeKey('KelosWebhookKeys', SearchAttributeType.KEYWORD_LIST);

export const ALL_SEARCH_ATTRIBUTES = [KelosKind, KelosNamespace, KelosSpawner, KelosSourceKind, KelosPhase, KelosAgentType, KelosWebhookKeys];

/** The type's name as the `temporal` CLI, tcld and the Web UI write it (`Keyword`, `KeywordList`, …). */
export function searchAttributeTypeName(type: SearchAttributeType): string {
  const names: Record<SearchAttributeType, string> = { KEYWORD: 'Keyword', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };
  return names[type];
}

/** `--search-attribute Name=Type` arguments for `temporal server start-dev` (`kelos setup` registers the same list elsewhere). */
export function devServerSearchAttributeArgs(): string[] {
  return ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${searchAttributeTypeName(key.type)}`]);
}
