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
  walk(node, value, path, out);
  return out;
}

function walk(node: SchemaNode, u: unknown, path: string, out: ValidationError[]): void {
  if (u === undefined || u === null) return;
  switch (node.type) {
    case 'integer': {
      if (typeof u !== 'number') return; // a type error, which decoding reports
      const problem = integerProblem(u, node.format);
      if (problem !== undefined) out.push({ rule: 'N1', path, type: 'Invalid', value: u, message: problem });
      return;
    }
    case 'int-or-string':
      if (typeof u === 'number' && !(Number.isInteger(u) && u >= INT32_MIN && u <= INT32_MAX)) {
        out.push({ rule: 'N1', path, type: 'Invalid', value: u, message: `must be a 32-bit integer (from ${INT32_MIN} to ${INT32_MAX}) or a string` });
      }
      return;
    case 'array':
      if (Array.isArray(u)) u.forEach((item, i) => walk(node.items, item, childPath(path, i), out));
      return;
    case 'map':
      if (isRecord(u)) for (const [k, v] of Object.entries(u)) walk(node.values, v, childPath(path, k), out);
      return;
    case 'object':
      if (isRecord(u)) for (const [k, p] of Object.entries(node.properties)) walk(p.node, u[k], childPath(path, k), out);
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
