/**
 * Small helpers for plugin tests that talk to a cluster (kube-sim or a real one): unwrap a task that must
 * succeed, and wait for a condition the cluster reaches on its own (a garbage collector, a controller).
 */
import type { PluginError } from '../PluginError';

type EitherLike<A> = { readonly _tag: 'Left'; readonly left: unknown } | { readonly _tag: 'Right'; readonly right: A };

/** Run `task` (a TaskEither) and return its value; a failure throws with the error as JSON (a PluginError's tag and message). */
export async function expectRight<A>(task: () => Promise<EitherLike<A>>): Promise<A> {
  const r = await task();
  if (r._tag === 'Left') {
    const e = r.left as Partial<PluginError>;
    throw new Error(typeof e?._tag === 'string' ? `expected success, got ${e._tag}: ${String(e.message)}` : `expected success, got ${JSON.stringify(r.left)}`);
  }
  return r.right;
}

/**
 * Check `check` every `intervalMs` until it holds; after `attempts` checks, throw naming `what`. Counts checks
 * rather than reading a clock, so the bound is attempts × interval (plus the checks' own time).
 */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, opts: { readonly attempts?: number; readonly intervalMs?: number } = {}): Promise<void> {
  const attempts = opts.attempts ?? 150;
  const intervalMs = opts.intervalMs ?? 20;
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`not reached after ${attempts} checks ${intervalMs} ms apart: ${what}`);
}
