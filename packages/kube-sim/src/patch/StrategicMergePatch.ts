import { deepCopy, isRecord, jsonEqual } from '../store/KubeObject';
import { listMergeOf } from './ListMergeKeys';
import { PatchError } from './PatchError';

const DELETE_FROM = '$deleteFromPrimitiveList/';
const SET_ORDER = '$setElementOrder/';

/**
 * Strategic merge patch for the built-in types: like a JSON merge patch, except that the lists named in
 * {@link listMergeOf} merge element-wise by their merge key (`containers` by `name`, `conditions` by
 * `type`, ...) and the directives `$patch` (`replace`, `delete`, `merge`), `$retainKeys`,
 * `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` are honoured. Returns a new value.
 */
export function applyStrategicMergePatch(kind: string, original: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) throw new PatchError('strategic merge patch must be a JSON object', true);
  return mergeMap(kind, [], isRecord(original) ? original : {}, patch) ?? {};
}

function mergeMap(kind: string, path: string[], original: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> | undefined {
  const directive = patch['$patch'];
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return stripDirectives(patch) as Record<string, unknown>;
  if (directive !== undefined && directive !== 'merge') throw new PatchError(`Unknown patch type: ${String(directive)} in map`, true);

  const out: Record<string, unknown> = { ...original };
  const orders: Array<[string, unknown[]]> = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith(SET_ORDER)) {
      if (!Array.isArray(v)) throw new PatchError(`invalid ${k}: must be a list`, true);
      orders.push([k.slice(SET_ORDER.length), v]);
      continue;
    }
    if (k.startsWith(DELETE_FROM)) {
      const field = k.slice(DELETE_FROM.length);
      if (!Array.isArray(v)) throw new PatchError(`invalid ${k}: must be a list`, true);
      const cur = out[field];
      if (Array.isArray(cur)) out[field] = cur.filter((x) => !v.some((d) => jsonEqual(d, x)));
      continue;
    }
    const childPath = [...path, k];
    if (v === null) {
      delete out[k];
    } else if (isRecord(v)) {
      const merged = mergeMap(kind, childPath, isRecord(out[k]) ? (out[k] as Record<string, unknown>) : {}, v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else if (Array.isArray(v)) {
      out[k] = mergeList(kind, childPath, Array.isArray(out[k]) ? (out[k] as unknown[]) : [], v);
    } else {
      out[k] = v;
    }
  }
  for (const [field, order] of orders) {
    const cur = out[field];
    if (Array.isArray(cur)) out[field] = reorder(kind, [...path, field], cur, order);
  }
  const retain = patch['$retainKeys'];
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new PatchError('$retainKeys must be a list of strings', true);
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function mergeList(kind: string, path: string[], original: unknown[], patch: unknown[]): unknown[] {
  const rule = listMergeOf(kind, path);
  if (patch.some((e) => isRecord(e) && e['$patch'] === 'replace')) {
    return patch.filter((e) => !(isRecord(e) && e['$patch'] === 'replace')).map(stripDirectives);
  }
  if (rule.kind === 'atomic') return patch.map(stripDirectives);
  if (rule.kind === 'set') {
    const out = [...original];
    for (const v of patch) if (!out.some((x) => jsonEqual(x, v))) out.push(v);
    return out;
  }
  const key = rule.key;
  const out = original.map((e) => e);
  for (const p of patch) {
    if (!isRecord(p)) throw new PatchError(`the list ${path.join('.')} must hold objects with a "${key}"`, false);
    if (!(key in p)) {
      if (p['$patch'] === 'delete') continue;
      throw new PatchError(`map: ${JSON.stringify(p)} does not contain declared merge key: ${key}`, false);
    }
    const idx = out.findIndex((e) => isRecord(e) && jsonEqual(e[key], p[key]));
    if (p['$patch'] === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(kind, path, out[idx] as Record<string, unknown>, p);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      out.push(stripDirectives(p));
    }
  }
  return out;
}

function reorder(kind: string, path: string[], list: unknown[], order: unknown[]): unknown[] {
  const rule = listMergeOf(kind, path);
  const keyOf = (e: unknown): unknown => (rule.kind === 'map' && isRecord(e) ? e[rule.key] : e);
  const pos = (e: unknown): number => order.findIndex((o) => jsonEqual(keyOf(o), keyOf(e)));
  const mentioned = list.filter((e) => pos(e) >= 0).sort((a, b) => pos(a) - pos(b));
  const others = list.filter((e) => pos(e) < 0);
  return [...mentioned, ...others];
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isRecord(v)) return deepCopy(v);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith(SET_ORDER) || k.startsWith(DELETE_FROM)) continue;
    if (x === null) continue;
    out[k] = stripDirectives(x);
  }
  return out;
}
