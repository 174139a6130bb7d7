/**
 * Go `fmt.Sprintf("%v", v)` of a value decoded by encoding/json into `interface{}`: numbers are float64
 * (1234567 → `1.234567e+06`), null is `<nil>`, objects print as `map[k:v]` with sorted keys, arrays as `[a b]`.
 * Kelos stringifies generic-webhook fieldMapping values and filter operands this way; the template engine's
 * printer already implements `%v`, so this only marks JSON numbers as float64 first.
 */
import { goSprint } from './template/go-format';
import { jsonNumbersAsFloat64 } from './template/values';

export function goJsonValueString(value: unknown): string {
  return goSprint([jsonNumbersAsFloat64(value)]);
}
