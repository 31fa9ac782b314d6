/**
 * A de-duplicating work queue drained on the next turn of the event loop, like a controller's rate-limited
 * queue without the rate limit: a burst of events for one key becomes one sync.
 */
import { ApiError } from '../api/ApiError';

/** A controller's failure, kept for inspection instead of crashing the server. */
export interface SyncFailure {
  readonly controller: string;
  readonly key: string;
  readonly message: string;
}

/** The work queue of one controller. */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private scheduled = false;
  private stopped = false;
  private retries = new Map<string, number>();

  constructor(
    private readonly name: string,
    private readonly sync: (key: string) => void,
    private readonly onFailure: (f: SyncFailure) => void,
  ) {}

  /** Ask for `key` to be synced soon. */
  add(key: string): void {
    if (this.stopped) return;
    this.pending.add(key);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Number of keys waiting. */
  size(): number {
    return this.pending.size;
  }

  /** Stop: nothing more is synced. */
  stop(): void {
    this.stopped = true;
    this.pending.clear();
  }

  private drain(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const keys = [...this.pending];
    this.pending.clear();
    for (const key of keys) {
      if (this.stopped) return;
      try {
        this.sync(key);
        this.retries.delete(key);
      } catch (e) {
        const n = (this.retries.get(key) ?? 0) + 1;
        this.retries.set(key, n);
        // Conflicts and not-founds are expected races: retry a few times, then give up on this event.
        if (e instanceof ApiError && (e.code === 409 || e.code === 404) && n < 5) this.add(key);
        else this.onFailure({ controller: this.name, key, message: e instanceof Error ? e.message : String(e) });
      }
    }
  }
}
