/** Byte and count settings of the bridge from the environment: whole positive numbers, refused by name otherwise. */

/** The variable's value as a positive integer; undefined when unset or empty. */
export function positiveIntegerVar(env: Record<string, string | undefined>, name: string): number | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name}="${text}" is not a whole positive number`);
  return value;
}

/** Refuses anything but a whole positive number, naming the setting. */
export function requirePositiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${what} must be a whole positive number, not ${value}`);
  return value;
}
