/**
 * The step-plugin conformance suite: what every step plugin must do, whatever its step does. A plugin's own test
 * file calls {@link describeStepPluginConformance} with a setup that points the plugin at a working backend (a
 * real server, a recorded-contract fake, or a kube-sim namespace) and at one that is not there.
 *
 * The checks use plain assertions (they throw an `Error` with a message), so they run under any test runner
 * with global `describe`/`it`; {@link stepPluginConformanceChecks} exposes them as plain functions too.
 */
import { decode, type Rollout } from '@rollouts/api';
import { missingStepMethods, stepResultProblem, type StepContext, type StepExecutor, type StepPlugin, type StepPluginDeps, type StepResult } from '../StepPlugin';
import { pluginCalls, testRunnerGlobals, type Outcome, type PluginCalls } from './internal/PluginCalls';

/** A fresh world for one check. */
export interface StepPluginConformanceSetup {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly plugin: StepPlugin<any>;
  readonly deps: StepPluginDeps;
  /** A `steps[].plugin.config` whose step completes (`Successful`) against a working backend. */
  readonly config: unknown;
  /** The same kind of config pointed at a backend that is not there (a closed port, a missing object). */
  readonly unreachableConfig: unknown;
  /** A config the codec must reject, and a field path its error message must name. */
  readonly invalidConfig: { readonly value: unknown; readonly path: string };
  /** The Rollout the step belongs to (default: a one-step canary Rollout in namespace `default`). */
  readonly rollout?: Rollout;
  /** How long to wait between runs while the step answers Running (default 50 ms; the fixed clock is not moved). */
  readonly pollMs?: number;
  /** How many runs before giving up on a step that keeps Running (default 200). */
  readonly maxPolls?: number;
}

/** One check of the suite, runnable on its own. */
export interface StepPluginConformanceCheck {
  readonly title: string;
  run(setup: () => Promise<StepPluginConformanceSetup>): Promise<void>;
}

const calls: PluginCalls = pluginCalls('step plugin conformance');
const assert: PluginCalls['assert'] = calls.assert;
const { call } = calls;

function defaultRollout(plugin: StepPlugin<unknown>, config: unknown): Rollout {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'conformance', namespace: 'default', uid: '00000000-0000-4000-8000-0000000057e9', generation: 2 },
    spec: {
      selector: { matchLabels: { app: 'conformance' } },
      template: { metadata: { labels: { app: 'conformance' } }, spec: { containers: [{ name: 'app', image: 'app:2' }] } },
      strategy: { canary: { steps: [{ plugin: { name: plugin.name, config } }] } },
    },
    status: { currentStepIndex: 0, phase: 'Progressing' },
  } as unknown as Rollout;
}

interface World {
  readonly setup: StepPluginConformanceSetup;
  executorFor(config: unknown): StepExecutor;
  ctx(config: unknown, status: unknown, signal?: AbortSignal): StepContext;
}

async function world(make: () => Promise<StepPluginConformanceSetup>): Promise<World> {
  const setup = await make();
  const build = setup.plugin.make(setup.deps);
  return {
    setup,
    executorFor(config) {
      const decoded = decode(setup.plugin.configCodec, config, { path: 'config' });
      assert(decoded._tag === 'Right', `the setup's config ${JSON.stringify(config)} does not decode: ${decoded._tag === 'Left' ? decoded.left.map((e) => e.message).join('; ') : ''}`);
      const executor = build(decoded.right);
      const missing = missingStepMethods(executor);
      assert(missing.length === 0, `make(deps)(config) lacks ${missing.join(', ')}`);
      return executor;
    },
    ctx(config, status, signal) {
      return {
        rollout: setup.rollout ?? defaultRollout(setup.plugin, config),
        stepIndex: 0,
        ...(status !== undefined ? { status } : {}),
        signal: signal ?? new AbortController().signal,
        now: setup.deps.now(),
      };
    },
  };
}

function checkResult(what: string, r: StepResult): void {
  const problem = stepResultProblem(r);
  assert(problem === undefined, `${what} answered ${safeJson(r)}: ${problem ?? ''}`);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Run a step as the controller does: again while it answers Running (or Error), handing back the status the last
 * non-Error answer carried. Returns every outcome and the status to hand to terminate/abort.
 */
async function runStep(w: World, executor: StepExecutor, config: unknown, label: string, stopWhen: (o: Outcome<StepResult>) => boolean): Promise<{ readonly outcomes: ReadonlyArray<Outcome<StepResult>>; readonly status: unknown }> {
  const outcomes: Array<Outcome<StepResult>> = [];
  let status: unknown;
  const maxPolls = w.setup.maxPolls ?? 200;
  for (let i = 0; ; i++) {
    const r = await call(`${label}: run #${i + 1}`, () => executor.run(w.ctx(config, status))());
    outcomes.push(r);
    if (r.ok) {
      checkResult(`${label}: run #${i + 1}`, r.value);
      if (r.value.phase !== 'Error' && r.value.status !== undefined) status = r.value.status;
    } else {
      assert(r.error.message.trim().length > 0, `${label}: run #${i + 1} failed with a PluginError (${r.error._tag}) with an empty message`);
    }
    if (stopWhen(r)) return { outcomes, status };
    assert(i + 1 < maxPolls, `${label}: still not done after ${maxPolls} runs (last: ${r.ok ? safeJson(r.value) : `${r.error._tag}: ${r.error.message}`})`);
    await sleep(w.setup.pollMs ?? 50);
  }
}

const finished = (o: Outcome<StepResult>): boolean => o.ok && (o.value.phase === 'Successful' || o.value.phase === 'Failed');

/** The checks, in the order the suite runs them. */
export const stepPluginConformanceChecks: ReadonlyArray<StepPluginConformanceCheck> = [
  {
    title: 'the plugin has a name, and its config codec accepts the setup config and rejects a wrong one naming the field',
    async run(make) {
      const s = await make();
      assert(typeof s.plugin.name === 'string' && /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(s.plugin.name), `name ${JSON.stringify(s.plugin.name)} is not a usable steps[].plugin.name`);
      assert(typeof s.plugin.make === 'function', 'the plugin has no make function');
      const good = decode(s.plugin.configCodec, s.config, { path: 'config' });
      assert(good._tag === 'Right', `the working config is rejected: ${good._tag === 'Left' ? good.left.map((e) => e.message).join('; ') : ''}`);
      const bad = decode(s.plugin.configCodec, s.invalidConfig.value, { path: 'config' });
      assert(bad._tag === 'Left', `the config ${safeJson(s.invalidConfig.value)} was accepted; it must be rejected`);
      const messages = bad._tag === 'Left' ? bad.left.map((e) => e.message).join('; ') : '';
      assert(messages.includes(s.invalidConfig.path), `rejecting ${safeJson(s.invalidConfig.value)} did not name "${s.invalidConfig.path}": ${messages}`);
    },
  },
  {
    title: 'a step against a working backend ends Successful, every answer a valid StepResult, running again while Running',
    async run(make) {
      const w = await world(make);
      const executor = w.executorFor(w.setup.config);
      const { outcomes } = await runStep(w, executor, w.setup.config, 'working backend', (o) => !o.ok || o.value.phase !== 'Running');
      const last = outcomes[outcomes.length - 1]!;
      assert(last.ok, `the step failed: ${last.ok ? '' : `${last.error._tag}: ${last.error.message}`}`);
      assert(last.value.phase === 'Successful', `the step ended ${safeJson(last.value)}, not Successful`);
    },
  },
  {
    title: 'a backend that is not there is never Successful: a PluginError, Error or Failed with a message',
    async run(make) {
      const w = await world(make);
      const executor = w.executorFor(w.setup.unreachableConfig);
      const { outcomes } = await runStep(w, executor, w.setup.unreachableConfig, 'unreachable backend', (o) => !o.ok || o.value.phase !== 'Running');
      const last = outcomes[outcomes.length - 1]!;
      if (last.ok) {
        assert(last.value.phase === 'Error' || last.value.phase === 'Failed', `the step against a missing backend answered ${safeJson(last.value)}; it must fail`);
        assert((last.value.message ?? '').trim().length > 0, `the step against a missing backend answered ${last.value.phase} without a message`);
      }
    },
  },
  {
    title: 'a run whose signal is already cancelled does not answer Successful',
    async run(make) {
      const w = await world(make);
      const executor = w.executorFor(w.setup.config);
      const ac = new AbortController();
      ac.abort();
      const r = await call('cancelled run', () => executor.run(w.ctx(w.setup.config, undefined, ac.signal))());
      if (r.ok) {
        checkResult('cancelled run', r.value);
        assert(r.value.phase !== 'Successful', `a cancelled run answered ${safeJson(r.value)}; it must not complete the step`);
      }
    },
  },
  {
    title: 'terminate after a run, and abort after a successful step, run to completion (Successful or Failed) and can be repeated',
    async run(make) {
      const w = await world(make);
      const executor = w.executorFor(w.setup.config);
      const first = await call('run before terminate', () => executor.run(w.ctx(w.setup.config, undefined))());
      assert(first.ok, `run failed: ${first.ok ? '' : first.error.message}`);
      checkResult('run before terminate', first.value);
      const status = first.value.status;
      for (const attempt of ['terminate', 'terminate again']) {
        const t = await call(attempt, () => executor.terminate(w.ctx(w.setup.config, status))());
        assert(t.ok, `${attempt} failed: ${t.ok ? '' : `${t.error._tag}: ${t.error.message}`}`);
        checkResult(attempt, t.value);
        assert(t.value.phase === 'Successful' || t.value.phase === 'Failed', `${attempt} answered ${t.value.phase}; terminate runs to completion`);
      }
      const done = await runStep(w, executor, w.setup.config, 'run before abort', finished);
      const last = done.outcomes[done.outcomes.length - 1]!;
      assert(last.ok && last.value.phase === 'Successful', `the step did not end Successful before abort: ${safeJson(last.ok ? last.value : last.error)}`);
      for (const attempt of ['abort', 'abort again']) {
        const a = await call(attempt, () => executor.abort(w.ctx(w.setup.config, done.status))());
        assert(a.ok, `${attempt} failed: ${a.ok ? '' : `${a.error._tag}: ${a.error.message}`}`);
        checkResult(attempt, a.value);
        assert(a.value.phase === 'Successful' || a.value.phase === 'Failed', `${attempt} answered ${a.value.phase}; abort runs to completion`);
      }
    },
  },
];

/**
 * Register the suite as `describe(<name> conforms to the step plugin contract)` with one `it` per check, using the
 * test runner's global `describe` and `it`. `setup` is called once per check.
 */
export function describeStepPluginConformance(name: string, setup: () => Promise<StepPluginConformanceSetup>, options: { readonly timeoutMs?: number } = {}): void {
  const { describe, it } = testRunnerGlobals('describeStepPluginConformance');
  describe(`${name} conforms to the step plugin contract`, () => {
    for (const check of stepPluginConformanceChecks) it(check.title, () => check.run(setup), options.timeoutMs);
  });
}
