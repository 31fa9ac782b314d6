import { StoredObject } from '../store/ObjectStore';

interface Snapshot {
  readonly items: readonly StoredObject[];
  readonly rv: number;
  readonly createdAt: number;
}

/** What a continue token stands for. */
export interface Continuation {
  readonly items: readonly StoredObject[];
  readonly rv: number;
}

/**
 * Consistent paginated lists. The first page of a `limit`ed list keeps the rest of its result (references
 * to immutable stored versions) under an id; the `continue` token carries that id and the offset, so every
 * later page shows the collection exactly as it was when the first page was read, like etcd's MVCC read.
 * Snapshots expire after `ttlMs` or when more than `max` are open; an expired token gets 410.
 */
export class ListContinuation {
  private readonly snapshots = new Map<string, Snapshot>();
  private next = 1;

  constructor(
    private readonly now: () => number,
    private readonly ttlMs = 5 * 60_000,
    private readonly max = 256,
  ) {}

  /** Keep `items` (the full filtered result) and return a token for the page starting at `offset`. */
  open(items: readonly StoredObject[], rv: number, offset: number): string {
    this.expire();
    const id = String(this.next++);
    this.snapshots.set(id, { items, rv, createdAt: this.now() });
    while (this.snapshots.size > this.max) this.snapshots.delete(this.snapshots.keys().next().value as string);
    return encode(id, rv, offset);
  }

  /** A token for the next page of an open snapshot. */
  advance(token: ParsedToken, offset: number): string {
    return encode(token.id, token.rv, offset);
  }

  /** The snapshot behind a token, or undefined when expired or unknown. */
  resolve(token: ParsedToken): Continuation | undefined {
    this.expire();
    const s = this.snapshots.get(token.id);
    return s === undefined ? undefined : { items: s.items, rv: s.rv };
  }

  /** Forget a snapshot once its last page was served. */
  close(token: ParsedToken): void {
    this.snapshots.delete(token.id);
  }

  private expire(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [id, s] of this.snapshots) if (s.createdAt < cutoff) this.snapshots.delete(id);
  }
}

/** The parts of a continue token. */
export interface ParsedToken {
  readonly id: string;
  readonly rv: number;
  readonly offset: number;
}

function encode(id: string, rv: number, offset: number): string {
  return Buffer.from(JSON.stringify({ v: 'kube-sim/1', id, rv, offset })).toString('base64url');
}

/** Decode a continue token; undefined when it is not one of ours. */
export function parseContinueToken(token: string): ParsedToken | undefined {
  try {
    const o = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (o['v'] !== 'kube-sim/1' || typeof o['id'] !== 'string' || typeof o['rv'] !== 'number' || typeof o['offset'] !== 'number') return undefined;
    return { id: o['id'], rv: o['rv'], offset: o['offset'] };
  } catch {
    return undefined;
  }
}
