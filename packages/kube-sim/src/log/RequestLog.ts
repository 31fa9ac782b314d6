/**
 * Every HTTP request the simulator served: verb, resource, subresource, name, status code and bytes.
 * Benchmarks count API writes here, at the server, where no client-side shortcut can hide one.
 */

/** The Kubernetes verb of a request (discovery and the like are `discovery` / `other`). */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'discovery' | 'other';

/** The verbs that change state. */
export const WRITE_VERBS: ReadonlySet<Verb> = new Set<Verb>(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** One served request. */
export interface RequestRecord {
  /** Position in the log, from 1. */
  readonly seq: number;
  /** Wall-clock milliseconds when the request arrived. */
  readonly time: number;
  readonly method: string;
  readonly path: string;
  readonly verb: Verb;
  /** API group, `''` for core. */
  readonly group: string;
  readonly version: string;
  /** Plural resource name, `''` for non-resource requests. */
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
  /** HTTP status code sent. */
  readonly code: number;
  /** Response body bytes (for a watch: all events sent until it closed; 0 while it is open). */
  readonly bytes: number;
  readonly requestBytes: number;
  readonly durationMs: number;
  readonly userAgent: string;
  /** Set when a fault rule produced or delayed this response. */
  readonly fault?: string;
}

/** Which requests to count; every given field must match. `resource` may be `rollouts` or `rollouts.argoproj.io`. */
export interface RequestFilter {
  readonly verb?: Verb | readonly Verb[];
  readonly resource?: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly code?: number;
  /** Only records with `seq` greater than this (a value from {@link RequestLog.mark}). */
  readonly since?: number;
  /** Only requests whose user agent starts with this. */
  readonly userAgent?: string;
  /** Only writes (create, update, patch, delete, deletecollection). */
  readonly writes?: boolean;
}

/** A count per bucket `"<verb> <resource>[.<group>][/<subresource>]"`. */
export type BucketCounts = Record<string, number>;

/** The bucket of a record: `"patch rollouts.argoproj.io/status"`, `"list pods"`. */
export function bucketOf(r: Pick<RequestRecord, 'verb' | 'resource' | 'group' | 'subresource'>): string {
  if (r.resource === '') return r.verb;
  const res = r.group === '' ? r.resource : `${r.resource}.${r.group}`;
  return `${r.verb} ${res}${r.subresource !== '' ? `/${r.subresource}` : ''}`;
}

function matches(r: RequestRecord, f: RequestFilter): boolean {
  if (f.since !== undefined && r.seq <= f.since) return false;
  if (f.verb !== undefined && (typeof f.verb === 'string' ? r.verb !== f.verb : !f.verb.includes(r.verb))) return false;
  if (f.writes === true && !WRITE_VERBS.has(r.verb)) return false;
  if (f.resource !== undefined && f.resource !== r.resource && f.resource !== `${r.resource}.${r.group}`) return false;
  if (f.subresource !== undefined && f.subresource !== r.subresource) return false;
  if (f.namespace !== undefined && f.namespace !== r.namespace) return false;
  if (f.name !== undefined && f.name !== r.name) return false;
  if (f.code !== undefined && f.code !== r.code) return false;
  if (f.userAgent !== undefined && !r.userAgent.startsWith(f.userAgent)) return false;
  return true;
}

/**
 * The request log. Keeps the last `capacity` records (older ones are dropped from {@link entries}, but
 * {@link totals} keeps counting every request since start or the last {@link clear}).
 */
export class RequestLog {
  private records: RequestRecord[] = [];
  private seq = 0;
  private readonly totalsByBucket = new Map<string, number>();
  private readonly listeners = new Set<(r: RequestRecord) => void>();

  constructor(private readonly capacity = 200_000) {}

  /** Append a record (the HTTP layer does this). */
  add(r: Omit<RequestRecord, 'seq'>): RequestRecord {
    const rec: RequestRecord = { ...r, seq: ++this.seq };
    this.records.push(rec);
    if (this.records.length > this.capacity * 1.5) this.records = this.records.slice(this.records.length - this.capacity);
    const b = bucketOf(rec);
    this.totalsByBucket.set(b, (this.totalsByBucket.get(b) ?? 0) + 1);
    for (const l of this.listeners) l(rec);
    return rec;
  }

  /** Update a record in place (a watch is logged when it opens; its bytes and duration when it closes). */
  amend(r: RequestRecord, changes: Pick<RequestRecord, 'bytes' | 'durationMs'>): void {
    Object.assign(r as { bytes: number; durationMs: number }, changes);
  }

  /** Records kept, optionally filtered. */
  entries(filter: RequestFilter = {}): RequestRecord[] {
    return this.records.filter((r) => matches(r, filter));
  }

  /** How many kept records match. */
  count(filter: RequestFilter = {}): number {
    let n = 0;
    for (const r of this.records) if (matches(r, filter)) n++;
    return n;
  }

  /** How many write requests (create/update/patch/delete/deletecollection) match. */
  writes(filter: RequestFilter = {}): number {
    return this.count({ ...filter, writes: true });
  }

  /** Counts per bucket over the kept records that match. */
  countsByBucket(filter: RequestFilter = {}): BucketCounts {
    const out: BucketCounts = {};
    for (const r of this.records) if (matches(r, filter)) out[bucketOf(r)] = (out[bucketOf(r)] ?? 0) + 1;
    return out;
  }

  /** Counts per bucket of every request since start or the last clear (not limited by capacity). */
  totals(): BucketCounts {
    return Object.fromEntries([...this.totalsByBucket.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** The current position: pass it as `since` to count only what follows. */
  mark(): number {
    return this.seq;
  }

  /** Forget everything (sequence numbers keep increasing). */
  clear(): void {
    this.records = [];
    this.totalsByBucket.clear();
  }

  /** Be told of every record as it is added; returns the function that stops it. */
  subscribe(l: (r: RequestRecord) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
