/**
 * Following objects as they change (`--watch`): informers (a list, then a watch) on the kinds a view needs, in
 * one namespace or all, and a redraw scheduler that runs the view at most once per interval after a change and
 * again on a tick (so ages move), until the view says it is done or the user stops it.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { createInformer, type Informer, type ResourceKind } from '@rollouts/k8s';
import { USER_AGENT } from './Cluster';

/** Live caches of several kinds. */
export interface WatchedObjects {
  /** The cached objects of a kind (as given to {@link watchObjects}). */
  list<T>(kind: ResourceKind): T[];
  /** Be told of any change (after the initial lists); returns the unsubscribe function. */
  onChange(handler: () => void): () => void;
  stop(): void;
}

/** Start informers on `kinds` in `namespace` (undefined: all namespaces); resolves once every list is in. */
export async function watchObjects(kc: KubeConfig, kinds: readonly ResourceKind[], namespace: string | undefined): Promise<WatchedObjects> {
  const informers = new Map<ResourceKind, Informer<unknown>>();
  const handlers = new Set<() => void>();
  for (const k of kinds) {
    const inf = createInformer<unknown>(kc, k, { ...(namespace !== undefined ? { namespace } : {}), resyncMs: 0, userAgent: USER_AGENT });
    inf.onEvent(() => {
      for (const h of [...handlers]) h();
    });
    informers.set(k, inf);
  }
  await Promise.all([...informers.values()].map((i) => i.start()));
  return {
    list: <T>(k: ResourceKind) => (informers.get(k)?.list(namespace) ?? []) as T[],
    onChange: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    stop: () => {
      for (const i of informers.values()) i.stop();
    },
  };
}

/** What a view answers on each run: keep going, or stop with an exit code. */
export type ViewResult = { readonly done: false } | { readonly done: true; readonly exitCode: number };

/** Options of {@link runWatch}. */
export interface RunWatchOptions {
  /** Least time between two runs after changes (default 200 ms). */
  readonly throttleMs?: number;
  /** Run again this often even without changes (default 1000 ms; 0: never). */
  readonly tickMs?: number;
  /** Stop (exit code `onTimeout`) after this long. */
  readonly timeoutMs?: number;
  readonly onTimeout?: () => number;
  /** Stop (exit code 0, or `onAbort`'s) when this aborts (Ctrl-C). */
  readonly signal?: AbortSignal;
  readonly onAbort?: () => number;
}

/**
 * Run `view` now, then after every change (throttled) and on the tick, until it answers done, the timeout
 * passes or the signal aborts. Resolves with the exit code.
 */
export function runWatch(objects: WatchedObjects, view: () => ViewResult, opts: RunWatchOptions = {}): Promise<number> {
  const throttleMs = opts.throttleMs ?? 200;
  const tickMs = opts.tickMs ?? 1000;
  return new Promise<number>((resolve, reject) => {
    let finished = false;
    let lastRun = 0;
    let pending: NodeJS.Timeout | undefined;
    const timers: NodeJS.Timeout[] = [];
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      unsubscribe();
      if (pending !== undefined) clearTimeout(pending);
      for (const t of timers) clearTimeout(t);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(code);
    };
    const run = () => {
      if (finished) return;
      pending = undefined;
      lastRun = Date.now();
      let r: ViewResult;
      try {
        r = view();
      } catch (e) {
        finish(1);
        reject(e);
        return;
      }
      if (r.done) finish(r.exitCode);
    };
    const schedule = () => {
      if (finished || pending !== undefined) return;
      pending = setTimeout(run, Math.max(0, lastRun + throttleMs - Date.now()));
    };
    const onAbort = () => finish(opts.onAbort?.() ?? 0);
    const unsubscribe = objects.onChange(schedule);
    if (tickMs > 0) {
      const tick = setInterval(schedule, tickMs);
      timers.push(tick as unknown as NodeJS.Timeout);
    }
    if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) timers.push(setTimeout(() => finish(opts.onTimeout?.() ?? 0), opts.timeoutMs));
    if (opts.signal?.aborted === true) return onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    run();
  });
}
