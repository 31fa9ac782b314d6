// What the tests read on a real API server: an in-memory copy of some kinds in one namespace, kept by
// list + watch, read synchronously (as the tests read kube-sim's store). `resync()` lists everything again, so
// that after a wait the kinds it did not wait on are at least as new as the one it did.
import { apiVersionOf, resourcePath, type ResourceKind } from '@rollouts/k8s';
import type { KubeHttp, WatchEvent, WatchHandle } from './KubeHttp';

/** The object shape the mirror needs. */
export interface MirroredObject {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly resourceVersion?: string };
  readonly [field: string]: unknown;
}

interface ListAnswer {
  readonly metadata: { readonly resourceVersion: string };
  readonly items: MirroredObject[];
}

// etcd's revisions: the API says not to compare resourceVersions, but a single etcd gives increasing integers,
// which is what lets a fresh list and a late watch event be put in order here.
const rvOf = (o: { metadata: { resourceVersion?: string } }): number => Number(o.metadata.resourceVersion ?? '0');

/** One kind in one namespace. */
class KindMirror {
  private readonly objects = new Map<string, MirroredObject>();
  private readonly deletedAt = new Map<string, number>();
  private watchRv = '';
  private watch: WatchHandle | undefined;
  private stopped = false;

  constructor(
    private readonly http: KubeHttp,
    readonly kind: ResourceKind,
    private readonly namespace: string,
  ) {}

  private apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', o: MirroredObject, rv = rvOf(o)): void {
    const name = o.metadata.name;
    const current = this.objects.get(name);
    if (current !== undefined && rvOf(current) >= rv) return;
    if ((this.deletedAt.get(name) ?? -1) >= rv) return;
    if (type === 'DELETED') {
      this.objects.delete(name);
      this.deletedAt.set(name, rv);
    } else {
      this.objects.set(name, o);
      this.deletedAt.delete(name);
    }
  }

  /** List now and merge: newer versions win, objects the list no longer has are gone. */
  // Concurrent lists are fine: each merge keeps the newest version of every object.
  async relist(): Promise<void> {
    const list = await this.http.json<ListAnswer>('GET', resourcePath(this.kind, this.namespace));
    const listRv = Number(list.metadata.resourceVersion);
    const names = new Set<string>();
    for (const item of list.items) {
      // Lists leave out apiVersion and kind on each item; the tests read them.
      const o = { ...item, apiVersion: apiVersionOf(this.kind), kind: this.kind.kind } as MirroredObject;
      names.add(o.metadata.name);
      this.apply('ADDED', o);
    }
    for (const [name, o] of [...this.objects]) if (!names.has(name) && rvOf(o) < listRv) this.apply('DELETED', o, listRv);
    if (this.watchRv === '' || Number(this.watchRv) < listRv) this.watchRv = list.metadata.resourceVersion;
  }

  async start(): Promise<void> {
    await this.relist();
    await this.openWatch();
  }

  private async openWatch(): Promise<void> {
    const path = `${resourcePath(this.kind, this.namespace)}?watch=true&allowWatchBookmarks=true&timeoutSeconds=600&resourceVersion=${this.watchRv}`;
    let gone = false;
    const onEvent = (e: WatchEvent): void => {
      const o = e.object as MirroredObject & { code?: number };
      if (e.type === 'ERROR') {
        gone = true;
        return;
      }
      if (o.metadata.resourceVersion !== undefined) this.watchRv = o.metadata.resourceVersion;
      if (e.type !== 'BOOKMARK') this.apply(e.type, o);
    };
    const handle = await this.http.watch(path, onEvent);
    this.watch = handle;
    void handle.done.then(async () => {
      if (this.stopped) return;
      // Closed by the server (timeout) or expired (410): carry on, from a new list when expired.
      try {
        if (gone) await this.relist();
        await this.openWatch();
      } catch {
        if (!this.stopped) setTimeout(() => void this.openWatch().catch(() => undefined), 200);
      }
    });
  }

  observe(o: MirroredObject): void {
    this.apply('MODIFIED', o);
  }

  get(name: string): MirroredObject | undefined {
    return this.objects.get(name);
  }

  list(): MirroredObject[] {
    return [...this.objects.values()];
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
  }
}

/** The mirrored kinds of one namespace, addressed like kube-sim's `objects` (apiVersion, kind). */
export class ObjectMirror {
  private readonly kinds = new Map<string, KindMirror>();

  constructor(
    private readonly http: KubeHttp,
    private readonly namespace: string,
  ) {}

  /** Start mirroring these kinds; resolves once each has been listed and its watch is open. */
  async add(kinds: readonly ResourceKind[]): Promise<void> {
    const fresh = kinds.filter((k) => !this.kinds.has(`${apiVersionOf(k)} ${k.kind}`)).map((k) => new KindMirror(this.http, k, this.namespace));
    for (const m of fresh) this.kinds.set(`${apiVersionOf(m.kind)} ${m.kind.kind}`, m);
    await Promise.all(fresh.map((m) => m.start()));
  }

  private kind(apiVersion: string, kind: string): KindMirror {
    const m = this.kinds.get(`${apiVersion} ${kind}`);
    if (m === undefined) throw new Error(`the test reads ${apiVersion} ${kind}, which the harness does not mirror (add it to startEnv's \`watch\`)`);
    return m;
  }

  /** Take in an object the server just returned (the answer to the test's own write): reads see their writes. */
  observe(o: { apiVersion?: string; kind?: string; metadata?: { name?: string; resourceVersion?: string } }): void {
    const m = this.kinds.get(`${o.apiVersion ?? ''} ${o.kind ?? ''}`);
    if (m !== undefined && o.metadata?.name !== undefined && o.metadata.resourceVersion !== undefined) m.observe(o as MirroredObject);
  }

  get(apiVersion: string, kind: string, name: string, _namespace?: string): MirroredObject | undefined {
    return this.kind(apiVersion, kind).get(name);
  }

  list(apiVersion: string, kind: string, _namespace?: string): MirroredObject[] {
    return this.kind(apiVersion, kind).list();
  }

  /** List every kind again (after a wait, so that what the test reads next is not older than what it waited on). */
  async resync(): Promise<void> {
    await Promise.all([...this.kinds.values()].map((m) => m.relist()));
  }

  stop(): void {
    for (const m of this.kinds.values()) m.stop();
  }
}
