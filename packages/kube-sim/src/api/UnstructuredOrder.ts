/**
 * Custom resources live in a real API server as unstructured JSON (Go maps), which encoding/json writes with
 * their keys sorted at every level: a client reads `{"match":...,"name":...,"route":...}` back whatever order
 * it sent. Built-in kinds keep the order of their Go struct fields instead, which this simulator does not model.
 */
import { isRecord } from '../store/KubeObject';

/** Reorders, in place, the keys of every object inside `v` (arrays keep their order). Returns `v`. */
export function sortKeysInPlace<T>(v: T): T {
  if (Array.isArray(v)) for (const e of v) sortKeysInPlace(e);
  else if (isRecord(v)) {
    const o: Record<string, unknown> = v;
    const keys = Object.keys(o);
    const sorted = [...keys].sort(byUtf8);
    if (keys.some((k, i) => k !== sorted[i])) {
      const entries = sorted.map((k) => [k, o[k]] as const);
      for (const k of keys) delete o[k];
      for (const [k, x] of entries) o[k] = x;
    }
    for (const k of sorted) sortKeysInPlace(o[k]);
  }
  return v;
}

/** Go compares strings byte by byte (UTF-8); code points order the same way. */
function byUtf8(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
