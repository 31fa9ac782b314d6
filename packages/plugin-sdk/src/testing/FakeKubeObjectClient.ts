/**
 * A test double of `KubeObjectClient`: an in-memory object store with resourceVersions, merge and JSON
 * patches, and a record of every call. For plugin unit tests; integration tests use kube-sim or a cluster.
 */
import * as E from 'fp-ts/lib/Either';
import * as TE from 'fp-ts/lib/TaskEither';
import type { KubeObject, KubeObjectClient, ObjectPatch, ObjectRef } from '../KubeObjectClient';
import { PluginErrors, type PluginError } from '../PluginError';

const lazy = <A>(f: () => E.Either<PluginError, A>): TE.TaskEither<PluginError, A> => () => Promise.resolve(f());

const key = (r: { apiVersion: string; kind: string; namespace?: string | undefined; name: string }) => `${r.apiVersion}|${r.kind}|${r.namespace ?? ''}|${r.name}`;
const refOf = (o: KubeObject): ObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace !== undefined ? { namespace: o.metadata.namespace } : {}) });
const clone = <A>(a: A): A => JSON.parse(JSON.stringify(a)) as A;

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return clone(patch);
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function pointer(path: string): string[] {
  return path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function jsonPatch(doc: unknown, ops: ReadonlyArray<{ op: string; path: string; value?: unknown }>): unknown {
  const root = clone(doc) as Record<string, unknown>;
  for (const op of ops) {
    const parts = pointer(op.path);
    const last = parts.pop() as string;
    let parent: any = root;
    for (const p of parts) {
      if (parent == null || typeof parent !== 'object') throw new Error(`path ${op.path} not found`);
      parent = parent[p];
    }
    if (parent == null || typeof parent !== 'object') throw new Error(`path ${op.path} not found`);
    switch (op.op) {
      case 'add':
        if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, clone(op.value));
        else parent[last] = clone(op.value);
        break;
      case 'replace':
        if (!(last in parent)) throw new Error(`path ${op.path} not found`);
        parent[last] = clone(op.value);
        break;
      case 'remove':
        if (!(last in parent)) throw new Error(`path ${op.path} not found`);
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
        break;
      case 'test':
        if (JSON.stringify(parent[last]) !== JSON.stringify(op.value)) throw new Error(`test failed at ${op.path}`);
        break;
      default:
        throw new Error(`unsupported JSON patch op ${op.op}`);
    }
  }
  return root;
}

export interface RecordedCall {
  readonly verb: 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';
  readonly ref: string;
}

export class FakeKubeObjectClient implements KubeObjectClient {
  private readonly objects = new Map<string, KubeObject>();
  private version = 0;
  readonly calls: RecordedCall[] = [];

  constructor(initial: ReadonlyArray<KubeObject> = []) {
    for (const o of initial) this.put(o);
  }

  /** Store an object directly (test setup), giving it a resourceVersion. */
  put(object: KubeObject): KubeObject {
    this.version += 1;
    const stored = clone({ ...object, metadata: { ...object.metadata, resourceVersion: String(this.version) } }) as KubeObject;
    this.objects.set(key(refOf(stored)), stored);
    return clone(stored);
  }

  /** Every stored object, for assertions. */
  all(): KubeObject[] {
    return [...this.objects.values()].map(clone);
  }

  find(ref: ObjectRef): KubeObject | undefined {
    const o = this.objects.get(key(ref));
    return o === undefined ? undefined : clone(o);
  }

  // Every method reads and writes when its task runs, not when it is built, as a real client does.
  get(ref: ObjectRef): TE.TaskEither<PluginError, KubeObject | undefined> {
    return lazy(() => {
      this.calls.push({ verb: 'get', ref: key(ref) });
      return E.right(this.find(ref));
    });
  }

  list(query: { apiVersion: string; kind: string; namespace?: string; labelSelector?: string }): TE.TaskEither<PluginError, ReadonlyArray<KubeObject>> {
    return lazy(() => {
      this.calls.push({ verb: 'list', ref: `${query.apiVersion}|${query.kind}|${query.namespace ?? ''}|*` });
      const wanted = (query.labelSelector ?? '').split(',').filter((s) => s !== '').map((s) => s.split('='));
      const found = [...this.objects.values()].filter(
        (o) =>
          o.apiVersion === query.apiVersion &&
          o.kind === query.kind &&
          (query.namespace === undefined || o.metadata.namespace === query.namespace) &&
          wanted.every(([k, v]) => o.metadata.labels?.[k ?? ''] === v),
      );
      return E.right(found.map(clone));
    });
  }

  create(object: KubeObject): TE.TaskEither<PluginError, KubeObject> {
    return lazy(() => {
      this.calls.push({ verb: 'create', ref: key(refOf(object)) });
      if (this.objects.has(key(refOf(object)))) return E.left(PluginErrors.kubeRejected({ message: `${object.kind} "${object.metadata.name}" already exists`, status: 409 }));
      return E.right(this.put(object));
    });
  }

  update(object: KubeObject): TE.TaskEither<PluginError, KubeObject> {
    return lazy(() => {
      this.calls.push({ verb: 'update', ref: key(refOf(object)) });
      const current = this.objects.get(key(refOf(object)));
      if (current === undefined) return E.left(PluginErrors.kubeNotFound({ message: `${object.kind} "${object.metadata.name}" not found` }));
      if (object.metadata.resourceVersion !== undefined && object.metadata.resourceVersion !== current.metadata.resourceVersion)
        return E.left(PluginErrors.kubeConflict({ message: `${object.kind} "${object.metadata.name}": the object has been modified` }));
      return E.right(this.put(object));
    });
  }

  patch(ref: ObjectRef, patch: ObjectPatch): TE.TaskEither<PluginError, KubeObject> {
    return lazy(() => {
      this.calls.push({ verb: 'patch', ref: key(ref) });
      const current = this.objects.get(key(ref));
      if (current === undefined) return E.left(PluginErrors.kubeNotFound({ message: `${ref.kind} "${ref.name}" not found` }));
      try {
        const next = patch.type === 'merge' ? mergePatch(current, patch.body) : jsonPatch(current, patch.body);
        return E.right(this.put(next as KubeObject));
      } catch (e) {
        return E.left(PluginErrors.kubeRejected({ message: `${ref.kind} "${ref.name}": ${(e as Error).message}`, status: 422 }));
      }
    });
  }

  delete(ref: ObjectRef): TE.TaskEither<PluginError, void> {
    return lazy(() => {
      this.calls.push({ verb: 'delete', ref: key(ref) });
      this.objects.delete(key(ref));
      return E.right(undefined);
    });
  }
}
