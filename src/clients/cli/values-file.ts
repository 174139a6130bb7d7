import * as fs from 'node:fs';
import YAML from 'yaml';
import type { TemplateVars } from '../../sources/template-vars';
import { KelosError } from '../kelos-api';

/** Template values for `kelos render --values` and `kelos run --from -f`: a YAML/JSON object, from a file or `-`. */
export function readValuesFile(file: string): TemplateVars {
  let text: string;
  try {
    text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  } catch {
    throw new KelosError(`cannot read values file ${file}`);
  }
  let values: unknown;
  try {
    values = YAML.parse(text);
  } catch (err) {
    throw new KelosError(`values file ${file} is not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (values === null || values === undefined) return {};
  if (typeof values !== 'object' || Array.isArray(values)) throw new KelosError(`values file ${file} must hold an object of template variables`);
  return values as TemplateVars;
}
