/**
 * The numbers of a spec against their declared types, as validation problems: every integer field holds an
 * integer within its format's range (int32, or int64 as far as JavaScript counts exactly), and every
 * IntOrString number is a 32-bit integer. Strict decoding already refuses such values; a controller decodes
 * with `lenientNumbers` so that they reach validation and are reported here, at their field paths, as the
 * Rollout's `InvalidSpec` condition (or the run's `Error` phase) rather than as an object nobody can read.
 *
 * Rule `N1`. Messages name the range: `spec.replicas: Invalid value: 2147483648: must be a 32-bit integer
 * (from -2147483648 to 2147483647)`. Upstream's controller cannot decode such an object at all (Go's
 * `json: cannot unmarshal number … of type int32`) and reports nothing on it.
 */
import { childPath, type SchemaNode } from '../Schema';
import type { ValidationError } from '../Validation';

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

/** Every number in `value` that does not fit the integer type `node` declares for it. */
export function numericFieldProblems(node: SchemaNode, value: unknown, path: string): ValidationError[] {
  const out: ValidationError[] = [];
  walk(node, value, { path, keys: [] }, out);
  return out;
}

/**
 * Where the walk is: the keys below the starting path. The path string is built only for a problem, so a spec
 * without one costs no string work (a Rollout's spec has hundreds of fields).
 */
interface Cursor {
  readonly path: string;
  readonly keys: Array<string | number>;
}

const pathOf = (c: Cursor): string => c.keys.reduce<string>((p, k) => childPath(p, k), c.path);

function walk(node: SchemaNode, u: unknown, at: Cursor, out: ValidationError[]): void {
  if (u === undefined || u === null) return;
  switch (node.type) {
    case 'integer': {
      if (typeof u !== 'number') return; // a type error, which decoding reports
      const problem = integerProblem(u, node.format);
      if (problem !== undefined) out.push({ rule: 'N1', path: pathOf(at), type: 'Invalid', value: u, message: problem });
      return;
    }
    case 'int-or-string':
      if (typeof u === 'number' && !(Number.isInteger(u) && u >= INT32_MIN && u <= INT32_MAX)) {
        out.push({ rule: 'N1', path: pathOf(at), type: 'Invalid', value: u, message: `must be a 32-bit integer (from ${INT32_MIN} to ${INT32_MAX}) or a string` });
      }
      return;
    case 'array':
      if (Array.isArray(u))
        for (let i = 0; i < u.length; i++) {
          at.keys.push(i);
          walk(node.items, u[i], at, out);
          at.keys.pop();
        }
      return;
    case 'map':
      if (isRecord(u))
        for (const k in u) {
          if (!Object.prototype.hasOwnProperty.call(u, k)) continue;
          at.keys.push(k);
          walk(node.values, u[k], at, out);
          at.keys.pop();
        }
      return;
    case 'object':
      if (isRecord(u))
        for (const k in node.properties) {
          const v = u[k];
          if (v === undefined || v === null) continue;
          at.keys.push(k);
          walk(node.properties[k]!.node, v, at, out);
          at.keys.pop();
        }
      return;
    default:
      return;
  }
}

function integerProblem(n: number, format: 'int32' | 'int64'): string | undefined {
  if (format === 'int32') {
    return Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX ? undefined : `must be a 32-bit integer (from ${INT32_MIN} to ${INT32_MAX})`;
  }
  return Number.isSafeInteger(n) ? undefined : `must be an integer from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`;
}
