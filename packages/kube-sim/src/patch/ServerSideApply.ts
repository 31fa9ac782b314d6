/**
 * Field ownership (`metadata.managedFields`) and server-side apply.
 *
 * Every write records which manager set which fields: an Update takes ownership of the fields it changed
 * away from everyone else; an Apply owns exactly the fields of its configuration. Applying checks the
 * configuration against fields other managers own with a different value (409 with one cause per field
 * unless `force=true`), merges it into the live object (list-maps by key, sets as a union, other lists
 * replaced), and removes the fields this manager applied before but no longer does, unless someone else
 * owns them too. Paths use the FieldsV1 notation (`f:spec`, `k:{"name":"app"}`, `v:"x"`, `.`).
 */
import { ApiError } from '../api/ApiError';
import { deepCopy, isRecord, jsonEqual, KubeObject } from '../store/KubeObject';
import { ResourceType } from '../registry/ResourceType';
import { JsonSchemaProps } from '../schema/StructuralSchema';
import { ListMerge, listMergeOf } from './ListMergeKeys';

/** One `metadata.managedFields` entry. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** A field path, e.g. `['f:spec', 'f:containers', 'k:{"name":"app"}', 'f:image']`. */
type FieldPath = readonly string[];

/** Where list and map types come from: the built-in merge keys or a CRD schema. */
interface TypeContext {
  field(name: string): TypeContext;
  items(): TypeContext;
  list(): ListMerge;
  atomicMap(): boolean;
}

class BuiltinContext implements TypeContext {
  constructor(
    private readonly kind: string,
    private readonly names: readonly string[],
  ) {}
  field(name: string): TypeContext {
    return new BuiltinContext(this.kind, [...this.names, name]);
  }
  items(): TypeContext {
    return this;
  }
  list(): ListMerge {
    return listMergeOf(this.kind, this.names);
  }
  atomicMap(): boolean {
    return false;
  }
}

class SchemaContext implements TypeContext {
  constructor(private readonly s: JsonSchemaProps | undefined) {}
  field(name: string): TypeContext {
    const props = this.s?.properties;
    const add = this.s?.additionalProperties;
    return new SchemaContext(props?.[name] ?? (isRecord(add) ? (add as JsonSchemaProps) : undefined));
  }
  items(): TypeContext {
    return new SchemaContext(this.s?.items);
  }
  list(): ListMerge {
    const lt = this.s?.['x-kubernetes-list-type'];
    if (lt === 'set') return { kind: 'set' };
    const keys = this.s?.['x-kubernetes-list-map-keys'];
    if (lt === 'map' && Array.isArray(keys) && keys.length > 0) return { kind: 'map', key: keys[0]! };
    return { kind: 'atomic' };
  }
  atomicMap(): boolean {
    return this.s?.['x-kubernetes-map-type'] === 'atomic';
  }
}

/** Metadata fields that take part in field ownership; the rest of metadata is the server's. */
const OWNED_METADATA = ['labels', 'annotations', 'finalizers', 'ownerReferences'];

function contextFor(t: ResourceType, version: string): TypeContext {
  if (t.custom) {
    const v = version.includes('/') ? version.slice(version.indexOf('/') + 1) : version;
    return new SchemaContext(t.schemas?.[v] ?? t.schemas?.[t.versions[0]!]);
  }
  return new BuiltinContext(t.kind, []);
}

const enc = (p: FieldPath): string => JSON.stringify(p);
const dec = (s: string): FieldPath => JSON.parse(s) as FieldPath;

/** The owned leaf paths of an object (or an apply configuration), optionally only its status or all but status. */
function leafPaths(obj: KubeObject, ctx: TypeContext, part: 'main' | 'status' | 'all', statusSeparate: boolean): Set<string> {
  const out = new Set<string>();
  const o = obj as Record<string, unknown>;
  for (const [k, v] of Object.entries(o)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (k === 'metadata') {
      if (part === 'status' || !isRecord(v)) continue;
      for (const mk of OWNED_METADATA) if (v[mk] !== undefined && v[mk] !== null) walk(v[mk], ['f:metadata', `f:${mk}`], new BuiltinContext('', [mk]), false, out);
      continue;
    }
    if (statusSeparate && part === 'main' && k === 'status') continue;
    if (statusSeparate && part === 'status' && k !== 'status') continue;
    walk(v, [`f:${k}`], ctx.field(k), false, out);
  }
  return out;
}

function elementKey(e: unknown, key: string): string {
  return `k:${JSON.stringify({ [key]: isRecord(e) ? e[key] : undefined })}`;
}

function walk(v: unknown, path: string[], ctx: TypeContext, element: boolean, out: Set<string>): void {
  if (element) out.add(enc([...path, '.']));
  if (isRecord(v) && !ctx.atomicMap()) {
    const keys = Object.keys(v);
    if (keys.length === 0 && !element) out.add(enc(path));
    for (const k of keys) walk(v[k], [...path, `f:${k}`], ctx.field(k), false, out);
    return;
  }
  if (Array.isArray(v)) {
    const rule = ctx.list();
    if (rule.kind === 'map') {
      for (const e of v) walk(e, [...path, elementKey(e, rule.key)], ctx.items(), true, out);
      return;
    }
    if (rule.kind === 'set') {
      for (const e of v) out.add(enc([...path, `v:${JSON.stringify(e)}`]));
      return;
    }
  }
  if (!element) out.add(enc(path));
}

/** The value at a field path, or `undefined`. */
function valueAt(obj: unknown, path: FieldPath): unknown {
  let cur: unknown = obj;
  for (const el of path) {
    if (el === '.') return cur;
    if (el.startsWith('f:')) {
      if (!isRecord(cur)) return undefined;
      cur = cur[el.slice(2)];
    } else if (el.startsWith('k:')) {
      if (!Array.isArray(cur)) return undefined;
      const want = JSON.parse(el.slice(2)) as Record<string, unknown>;
      cur = cur.find((e) => isRecord(e) && Object.entries(want).every(([k, x]) => jsonEqual(e[k], x)));
    } else if (el.startsWith('v:')) {
      if (!Array.isArray(cur)) return undefined;
      const want = JSON.parse(el.slice(2)) as unknown;
      return cur.some((e) => jsonEqual(e, want)) ? want : undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Remove the field at a path from `obj` (in place). */
function removeAt(obj: unknown, path: FieldPath): void {
  const last = path[path.length - 1];
  if (last === undefined) return;
  if (last === '.') {
    // remove the list element itself
    const elPath = path.slice(0, -1);
    const list = valueAt(obj, elPath.slice(0, -1));
    const el = valueAt(obj, elPath);
    if (Array.isArray(list) && el !== undefined) list.splice(list.indexOf(el), 1);
    return;
  }
  const parent = valueAt(obj, path.slice(0, -1));
  if (last.startsWith('f:') && isRecord(parent)) delete parent[last.slice(2)];
  else if (last.startsWith('v:') && Array.isArray(parent)) {
    const want = JSON.parse(last.slice(2)) as unknown;
    const i = parent.findIndex((e) => jsonEqual(e, want));
    if (i >= 0) parent.splice(i, 1);
  }
}

/** Build the FieldsV1 tree of a set of paths. */
function toFieldsV1(paths: Iterable<string>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const s of paths) {
    let cur = root;
    for (const el of dec(s)) {
      if (!isRecord(cur[el])) cur[el] = {};
      cur = cur[el] as Record<string, unknown>;
    }
  }
  return root;
}

/** Read the paths of a FieldsV1 tree. */
function fromFieldsV1(tree: unknown): Set<string> {
  const out = new Set<string>();
  const rec = (n: unknown, path: string[]): void => {
    if (!isRecord(n)) return;
    const keys = Object.keys(n);
    if (keys.length === 0 && path.length > 0) out.add(enc(path));
    for (const k of keys) rec(n[k], [...path, k]);
  };
  rec(tree, []);
  return out;
}

/** Merge an apply configuration into the live value (returns a new value). */
function mergeApplied(live: unknown, applied: unknown, ctx: TypeContext): unknown {
  if (isRecord(applied) && !ctx.atomicMap()) {
    const out: Record<string, unknown> = isRecord(live) ? { ...live } : {};
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) delete out[k];
      else out[k] = mergeApplied(out[k], v, ctx.field(k));
    }
    return out;
  }
  if (Array.isArray(applied)) {
    const rule = ctx.list();
    if (rule.kind === 'map' && Array.isArray(live)) {
      const out = [...live];
      for (const e of applied) {
        const i = out.findIndex((x) => isRecord(x) && isRecord(e) && jsonEqual(x[rule.key], e[rule.key]));
        if (i >= 0) out[i] = mergeApplied(out[i], e, ctx.items());
        else out.push(deepCopy(e));
      }
      return out;
    }
    if (rule.kind === 'set' && Array.isArray(live)) {
      const out = [...live];
      for (const e of applied) if (!out.some((x) => jsonEqual(x, e))) out.push(deepCopy(e));
      return out;
    }
  }
  return deepCopy(applied);
}

function humanPath(p: FieldPath): string {
  return p
    .filter((e) => e !== '.')
    .map((e) => (e.startsWith('f:') ? `.${e.slice(2)}` : e.startsWith('k:') ? `[${Object.entries(JSON.parse(e.slice(2)) as object).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]` : `[${e.slice(2)}]`))
    .join('');
}

/** Field ownership bookkeeping and the apply algorithm. */
export class ServerSideApply {
  constructor(
    private readonly nowIso: () => string,
    private readonly enabled = true,
  ) {}

  private entries(obj: KubeObject | undefined): ManagedFieldsEntry[] {
    const m = obj?.metadata.managedFields;
    return Array.isArray(m) ? (m.filter(isRecord) as unknown as ManagedFieldsEntry[]).map((e) => ({ ...e })) : [];
  }

  /**
   * Record a non-apply write (or keep what an apply computed): `manager` takes the fields that changed,
   * every other manager loses them.
   */
  recordUpdate(
    t: ResourceType,
    old: KubeObject | undefined,
    next: KubeObject,
    manager: string | undefined,
    operation: 'Update' | 'Apply',
    apiVersion: string,
    subresource: 'status' | undefined,
  ): void {
    if (!this.enabled) {
      const kept = old?.metadata.managedFields;
      if (kept !== undefined) next.metadata.managedFields = kept;
      else delete next.metadata.managedFields;
      return;
    }
    if (operation === 'Apply') return;
    const ctx = contextFor(t, apiVersion);
    const part = !t.statusSubresource ? 'all' : subresource === 'status' ? 'status' : 'main';
    const before = old !== undefined ? leafPaths(old, ctx, part, t.statusSubresource) : new Set<string>();
    const after = leafPaths(next, ctx, part, t.statusSubresource);
    const changed = new Set<string>();
    for (const p of after) if (!before.has(p) || !jsonEqual(valueAt(old, dec(p)), valueAt(next, dec(p)))) changed.add(p);
    const removed = [...before].filter((p) => !after.has(p));
    let entries = this.entries(old);
    if (changed.size === 0 && removed.length === 0) {
      next.metadata.managedFields = entries;
      if (entries.length === 0) delete next.metadata.managedFields;
      return;
    }
    const who = manager !== undefined && manager !== '' ? manager : 'unknown';
    entries = entries
      .map((e) => {
        const own = fromFieldsV1(e.fieldsV1);
        for (const p of changed) own.delete(p);
        for (const p of removed) own.delete(p);
        return { ...e, fieldsV1: toFieldsV1(own) };
      })
      .filter((e) => Object.keys(e.fieldsV1).length > 0);
    const mine = entries.find((e) => e.manager === who && e.operation === 'Update' && (e.subresource ?? undefined) === subresource);
    const own = mine !== undefined ? fromFieldsV1(mine.fieldsV1) : new Set<string>();
    for (const p of changed) own.add(p);
    const entry: ManagedFieldsEntry = {
      manager: who,
      operation: 'Update',
      apiVersion,
      time: this.nowIso(),
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(own),
      ...(subresource !== undefined ? { subresource } : {}),
    };
    entries = entries.filter((e) => e !== mine);
    if (own.size > 0) entries.push(entry);
    next.metadata.managedFields = entries;
  }

  /** The managedFields of an object created by apply: the applier owns its configuration. */
  claimForCreate(t: ResourceType, config: KubeObject, manager: string, apiVersion: string): void {
    if (!this.enabled) {
      delete config.metadata.managedFields;
      return;
    }
    const fields = leafPaths(config, contextFor(t, apiVersion), t.statusSubresource ? 'main' : 'all', t.statusSubresource);
    config.metadata.managedFields = [{ manager, operation: 'Apply', apiVersion, time: this.nowIso(), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(fields) }];
  }

  /**
   * Apply `config` to `live` for `manager`: conflict check, merge, removal of fields no longer applied.
   * Returns the candidate object (with updated managedFields) for the normal update path.
   */
  applyConfiguration(t: ResourceType, live: KubeObject, config: KubeObject, manager: string, force: boolean, subresource: 'status' | undefined, apiVersion: string): KubeObject {
    const ctx = contextFor(t, apiVersion);
    const part = !t.statusSubresource ? 'all' : subresource === 'status' ? 'status' : 'main';
    const applied = leafPaths(config, ctx, part, t.statusSubresource);
    let entries = this.entries(live);
    const sameSub = (e: ManagedFieldsEntry): boolean => (e.subresource ?? undefined) === subresource;
    const conflicts: Array<{ path: FieldPath; manager: string; apiVersion: string }> = [];
    for (const e of entries) {
      if (e.manager === manager && e.operation === 'Apply') continue;
      if (!sameSub(e)) continue;
      const owned = fromFieldsV1(e.fieldsV1);
      for (const p of applied) {
        if (!owned.has(p)) continue;
        const path = dec(p);
        if (path[path.length - 1] === '.') continue;
        if (!jsonEqual(valueAt(live, path), valueAt(config, path))) conflicts.push({ path, manager: e.manager, apiVersion: e.apiVersion });
      }
    }
    if (conflicts.length > 0 && !force) {
      const msgs = conflicts.map((c) => `conflict with "${c.manager}" using ${c.apiVersion}: ${humanPath(c.path)}`);
      throw new ApiError(
        409,
        'Conflict',
        `Apply failed with ${conflicts.length} conflict${conflicts.length === 1 ? '' : 's'}: ${msgs.join('\n')}`,
        {
          name: live.metadata.name,
          ...(t.group !== '' ? { group: t.group } : {}),
          kind: t.resource,
          causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with "${c.manager}" using ${c.apiVersion}`, field: humanPath(c.path) })),
        },
      );
    }
    // Merge.
    const merged = deepCopy(live) as Record<string, unknown>;
    const cfg = config as Record<string, unknown>;
    for (const [k, v] of Object.entries(cfg)) {
      if (k === 'apiVersion' || k === 'kind') continue;
      if (k === 'metadata') {
        if (!isRecord(v)) continue;
        const meta = merged['metadata'] as Record<string, unknown>;
        for (const mk of OWNED_METADATA) if (v[mk] !== undefined) meta[mk] = mergeApplied(meta[mk], v[mk], new BuiltinContext('', [mk]));
        if (typeof v['resourceVersion'] === 'string' && v['resourceVersion'] !== '') meta['resourceVersion'] = v['resourceVersion'];
        continue;
      }
      merged[k] = mergeApplied(merged[k], v, ctx.field(k));
    }
    // Ownership: force takes fields from others; fields no longer applied are removed unless owned elsewhere.
    const mineBefore = entries.find((e) => e.manager === manager && e.operation === 'Apply' && sameSub(e));
    const previously = mineBefore !== undefined ? fromFieldsV1(mineBefore.fieldsV1) : new Set<string>();
    entries = entries
      .filter((e) => e !== mineBefore)
      .map((e) => {
        if (!sameSub(e)) return e;
        const own = fromFieldsV1(e.fieldsV1);
        for (const p of applied) own.delete(p);
        return { ...e, fieldsV1: toFieldsV1(own) };
      })
      .filter((e) => Object.keys(e.fieldsV1).length > 0);
    const ownedElsewhere = new Set<string>();
    for (const e of entries) for (const p of fromFieldsV1(e.fieldsV1)) ownedElsewhere.add(p);
    const dropped = [...previously].filter((p) => !applied.has(p) && !ownedElsewhere.has(p));
    // Remove deeper paths first so list elements are removed after their fields.
    dropped.sort((a, b) => dec(b).length - dec(a).length);
    for (const p of dropped) {
      const path = dec(p);
      const elementPrefix = enc(path.slice(0, -1)).slice(0, -1);
      if (path[path.length - 1] === '.' && [...ownedElsewhere].some((o) => o.startsWith(elementPrefix))) continue;
      if (path[0] === 'f:metadata') removeAt(merged['metadata'] !== undefined ? { metadata: merged['metadata'] } : {}, path);
      else removeAt(merged, path);
    }
    entries.push({ manager, operation: 'Apply', apiVersion, time: this.nowIso(), fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(applied), ...(subresource !== undefined ? { subresource } : {}) });
    (merged['metadata'] as Record<string, unknown>)['managedFields'] = entries;
    return merged as KubeObject;
  }
}
