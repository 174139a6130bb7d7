/**
 * The Kelos resource model: parse, validate and normalise Kelos manifests (kelos.dev/v1alpha1 and v1alpha2, plus
 * v1 Secrets) into one internal model. Pure: safe to import from workflow code.
 */
export * from './types';
export {
  ManifestError,
  UnsupportedResource,
  formatManifestError,
  formatUnsupported,
  formatPath,
  type ManifestErrorInit,
  type UnsupportedInit,
} from './manifest-error';
export {
  parseManifests,
  normalizeResource,
  normalizeTask,
  normalizeTaskSpawner,
  normalizeWorkspace,
  normalizeAgentConfig,
  normalizeSecret,
  type ParseResult,
  type ParsedManifests,
  type NormalizeResult,
} from './parse-manifests';
export { toKelosObject, type KelosObject } from './to-kelos-object';
