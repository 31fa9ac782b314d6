/**
 * Kubernetes resource quantities (`"500m"`, `"1.5Gi"`, `"2e3"`, `4`) read the way the API server's
 * `resource.ParseQuantity` reads them, with the same three error texts.
 *
 * Grammar: a signed decimal number (`5`, `5.`, `.5`, `-1.25`) followed by at most one suffix, which is a binary
 * multiple (`Ki Mi Gi Ti Pi Ei`), a decimal multiple (`n u m k M G T P E`, or none), or a decimal exponent
 * (`e3`, `E-2`). Surrounding white space is ignored, as when the value comes out of JSON.
 */
import * as E from 'fp-ts/lib/Either';

/** A quantity as a plain number of base units (cores, bytes, ...). */
export interface ParsedQuantity {
  readonly value: number;
}

/** The API server's message for text that is not shaped like a quantity (`"invalid"`, `"1.5.5"`, `"10Kb"`). */
export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** The API server's message for a well-shaped but unknown suffix (`"10K"`, `"1mi"`, `"3e"`). */
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

const DECIMAL_SUFFIX_EXPONENT: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX_EXPONENT: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const SUFFIX_CHARS = 'eEinumkKMGTP';

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/**
 * Parse a quantity. A JSON number is taken as it is; a string must follow the grammar above; anything else (an
 * object or a list where a resource list keeps its values unchecked) is not a quantity.
 */
export function parseQuantity(q: string | number): E.Either<string, ParsedQuantity> {
  if (typeof q === 'number') return Number.isFinite(q) ? quantityOf(q) : E.left(QUANTITY_FORMAT_ERROR);
  if (typeof q !== 'string') return E.left(QUANTITY_FORMAT_ERROR);
  const s = q.trim();
  if (s === '') return E.left(QUANTITY_FORMAT_ERROR);

  let pos = 0;
  let negative = false;
  if (s[0] === '-' || s[0] === '+') {
    negative = s[0] === '-';
    pos = 1;
  }
  const wholeStart = pos;
  while (isDigit(s[pos])) pos++;
  const whole = s.slice(wholeStart, pos);
  let fraction = '';
  if (s[pos] === '.') {
    pos++;
    const fractionStart = pos;
    while (isDigit(s[pos])) pos++;
    fraction = s.slice(fractionStart, pos);
  }

  // The suffix: letters from the suffix alphabet, then an optional sign and digits (for exponents).
  const suffixStart = pos;
  while (pos < s.length && SUFFIX_CHARS.includes(s[pos] ?? '')) pos++;
  if (s[pos] === '-' || s[pos] === '+') pos++;
  while (isDigit(s[pos])) pos++;
  if (pos < s.length) return E.left(QUANTITY_FORMAT_ERROR);
  const suffix = s.slice(suffixStart);

  // Like the API server, a bare sign or dot reads as zero.
  const mantissa = `${negative ? '-' : ''}${whole === '' ? '0' : whole}.${fraction === '' ? '0' : fraction}`;
  const decimal = DECIMAL_SUFFIX_EXPONENT[suffix];
  if (decimal !== undefined) return quantityOf(Number(`${mantissa}e${decimal}`));
  const binary = BINARY_SUFFIX_EXPONENT[suffix];
  if (binary !== undefined) return quantityOf(Number(mantissa) * 2 ** binary);
  const exponent = /^[eE]([+-]?\d+)$/.exec(suffix);
  if (exponent) return quantityOf(Number(`${mantissa}e${exponent[1]}`));
  return E.left(QUANTITY_SUFFIX_ERROR);
}

// `-0` is zero.
const quantityOf = (value: number): E.Either<string, ParsedQuantity> => E.right({ value: value === 0 ? 0 : value });
