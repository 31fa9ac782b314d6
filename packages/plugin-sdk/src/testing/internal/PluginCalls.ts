/**
 * What both conformance suites check about every plugin call: it resolves to an `Either` holding a value or
 * a {@link PluginError} (a known tag, a message, a boolean `retryable`), and never throws or rejects.
 */
import type { PluginError } from '../../PluginError';

const PLUGIN_ERROR_TAGS: ReadonlySet<string> = new Set([
  'KubeConflict',
  'KubeNotFound',
  'KubeRejected',
  'KubeUnavailable',
  'RouterUnavailable',
  'RouterMisconfigured',
  'ProviderUnavailable',
  'ProviderTimeout',
  'ProviderResponseInvalid',
  'PluginConfigInvalid',
  'PluginUnsupported',
  'PluginAborted',
]);

export function isPluginError(e: unknown): e is PluginError {
  if (typeof e !== 'object' || e === null) return false;
  const x = e as { _tag?: unknown; message?: unknown; retryable?: unknown };
  return typeof x._tag === 'string' && PLUGIN_ERROR_TAGS.has(x._tag) && typeof x.message === 'string' && typeof x.retryable === 'boolean';
}

export type Outcome<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: PluginError };
export type EitherTask<A> = () => Promise<{ readonly _tag: 'Left'; readonly left: PluginError } | { readonly _tag: 'Right'; readonly right: A }>;

/** Checks and calls that prefix every failure with the suite's name. */
export interface PluginCalls {
  assert(condition: boolean, message: string): asserts condition;
  /** Run a plugin call: it must resolve to an Either holding a value or a PluginError, never reject. */
  call<A>(what: string, task: EitherTask<A>): Promise<Outcome<A>>;
  /** {@link PluginCalls.call}, and the call must succeed. */
  succeed<A>(what: string, task: EitherTask<A>): Promise<A>;
}

export function pluginCalls(suite: string): PluginCalls {
  function assert(condition: boolean, message: string): asserts condition {
    if (!condition) throw new Error(`${suite}: ${message}`);
  }
  async function call<A>(what: string, task: EitherTask<A>): Promise<Outcome<A>> {
    let result: unknown;
    try {
      result = await task();
    } catch (e) {
      throw new Error(`${suite}: ${what} threw instead of returning a PluginError: ${e instanceof Error ? e.message : String(e)}`);
    }
    const r = result as { _tag?: unknown; left?: unknown; right?: unknown };
    if (r?._tag === 'Right') return { ok: true, value: r.right as A };
    assert(r?._tag === 'Left', `${what} returned ${JSON.stringify(result)}, not an Either`);
    assert(isPluginError(r.left), `${what} failed with ${JSON.stringify(r.left)}, not a PluginError`);
    return { ok: false, error: r.left };
  }
  async function succeed<A>(what: string, task: EitherTask<A>): Promise<A> {
    const r = await call(what, task);
    if (!r.ok) throw new Error(`${suite}: ${what} failed: ${r.error._tag}: ${r.error.message}`);
    return r.value;
  }
  return { assert, call, succeed };
}

type Describe = (name: string, body: () => void) => void;
type It = (name: string, body: () => Promise<void>, timeout?: number) => void;

/** The test runner's global `describe` and `it` (jest, vitest, mocha), or a start-up error naming the caller. */
export function testRunnerGlobals(caller: string): { readonly describe: Describe; readonly it: It } {
  const g = globalThis as unknown as { describe?: Describe; it?: It };
  if (g.describe === undefined || g.it === undefined) throw new Error(`${caller} needs a test runner with global describe and it`);
  return { describe: g.describe, it: g.it };
}
