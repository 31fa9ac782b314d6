/**
 * Guards for the plain numbers the arithmetic takes. Callers pass validated API objects, so a negative,
 * fractional or non-finite count is a programmer error: we throw a `RangeError` that names the field.
 */

/** Throw a `RangeError` unless `value` is a non-negative safe integer; returns `value`. */
export function requireWholeNumber(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${field} must be a non-negative integer, got ${describe(value)}`);
  }
  return value;
}

/** Throw a `RangeError` unless `value` is a positive safe integer; returns `value`. */
export function requirePositiveWholeNumber(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${field} must be a positive integer, got ${describe(value)}`);
  }
  return value;
}

/** Throw a `RangeError` unless `value` is a safe integer (any sign); returns `value`. */
export function requireInteger(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new RangeError(`${field} must be an integer, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
