/**
 * The metric-provider conformance suite: what every provider must do, whatever it measures. A provider's own
 * test file calls {@link describeMetricProviderConformance} with a setup that points the provider at a
 * working backend (a real server, a recorded-contract fake, or a kube-sim namespace) and at one that is not
 * there.
 *
 * The checks use plain assertions (they throw an `Error` with a message), so they run under any test runner
 * with global `describe`/`it`; {@link metricProviderConformanceChecks} exposes them as plain functions too.
 */
import { decode, type AnalysisRun, type Metric } from '@rollouts/api';
import type { MeasurementContext, MeasurementMetadata, MetricProvider, MetricProviderPlugin, ProviderDeps, ProviderObservation } from '../MetricProvider';
import { pluginCalls, testRunnerGlobals, type Outcome, type PluginCalls } from './internal/PluginCalls';

/** A fresh world for one check. */
export interface MetricProviderConformanceSetup {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly plugin: MetricProviderPlugin<any>;
  readonly deps: ProviderDeps;
  /** A metric (with `provider.<kind>` as in a manifest) whose measurement completes against a working backend. */
  readonly metric: Metric;
  /** The same kind of metric pointed at a backend that is not there (a closed port, a missing object). */
  readonly unreachableMetric: Metric;
  /** A `provider.<kind>` value the config codec must reject, and a field path its error message must name. */
  readonly invalidConfig: { readonly value: unknown; readonly path: string };
  /** The AnalysisRun the measurements belong to (default: a one-metric run in namespace `default`). */
  readonly run?: AnalysisRun;
  /** How long to wait between checks on a Pending measurement (default 50 ms; the fixed clock is not moved). */
  readonly pollMs?: number;
  /** How many times to check on a Pending measurement before giving up (default 200). */
  readonly maxPolls?: number;
}

/** One check of the suite, runnable on its own. */
export interface MetricProviderConformanceCheck {
  readonly title: string;
  run(setup: () => Promise<MetricProviderConformanceSetup>): Promise<void>;
}

const calls: PluginCalls = pluginCalls('metric provider conformance');
const assert: PluginCalls['assert'] = calls.assert;
const { call } = calls;

function defaultRun(metric: Metric): AnalysisRun {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisRun',
    metadata: { name: 'conformance-run', namespace: 'default', uid: '00000000-0000-4000-8000-00000000c0fe' },
    spec: { metrics: [metric] },
  } as unknown as AnalysisRun;
}

function providerKey(metric: Metric): [string, unknown] {
  const entries = Object.entries((metric.provider ?? {}) as Record<string, unknown>).filter(([, v]) => v != null);
  assert(entries.length === 1, `the setup's metric "${metric.name}" must name exactly one provider, it names ${entries.length}`);
  const [key, value] = entries[0]!;
  if (key === 'plugin' && typeof value === 'object' && value !== null) {
    const inner = Object.entries(value as Record<string, unknown>);
    assert(inner.length === 1, `the setup's metric "${metric.name}" must name exactly one plugin`);
    return inner[0]!;
  }
  return [key, value];
}

interface World {
  readonly setup: MetricProviderConformanceSetup;
  providerFor(metric: Metric): MetricProvider;
  ctx(metric: Metric, signal?: AbortSignal): MeasurementContext;
}

async function world(make: () => Promise<MetricProviderConformanceSetup>): Promise<World> {
  const setup = await make();
  const build = setup.plugin.make(setup.deps);
  return {
    setup,
    providerFor(metric) {
      const [kind, raw] = providerKey(metric);
      assert(kind === setup.plugin.kind, `the setup's metric "${metric.name}" names provider "${kind}", the plugin's kind is "${setup.plugin.kind}"`);
      const decoded = decode(setup.plugin.configCodec, raw, { path: `provider.${kind}` });
      assert(decoded._tag === 'Right', `the setup's config for metric "${metric.name}" does not decode: ${decoded._tag === 'Left' ? decoded.left.map((e) => e.message).join('; ') : ''}`);
      return build(decoded.right);
    },
    ctx(metric, signal) {
      return { run: setup.run ?? defaultRun(metric), metric, signal: signal ?? new AbortController().signal, now: setup.deps.now() };
    },
  };
}

function checkObservation(what: string, o: ProviderObservation): void {
  assert(o._tag === 'Value' || o._tag === 'Verdict' || o._tag === 'Pending', `${what} answered ${JSON.stringify(o)}, not a Value, Verdict or Pending`);
  if (o._tag === 'Verdict') assert(['Successful', 'Failed', 'Inconclusive'].includes(o.phase), `${what} answered a Verdict with phase ${JSON.stringify(o.phase)}`);
  if (o._tag === 'Pending' && o.resumeAt !== undefined) assert(Number.isFinite(o.resumeAt), `${what} answered Pending with resumeAt ${String(o.resumeAt)}`);
  for (const [k, v] of Object.entries(o.metadata ?? {})) assert(typeof v === 'string', `${what}: metadata "${k}" is ${typeof v}, metadata values are strings`);
  let json: string | undefined;
  try {
    json = JSON.stringify(o);
  } catch (e) {
    assert(false, `${what} answered something that cannot be written to status as JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  assert(json !== undefined, `${what} answered something that cannot be written to status as JSON`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Take a measurement to its end: run, then resume while Pending. Returns every outcome seen. */
async function measure(w: World, provider: MetricProvider, metric: Metric, label: string): Promise<{ readonly outcomes: ReadonlyArray<Outcome<ProviderObservation>>; readonly pendingMetadata?: MeasurementMetadata }> {
  const outcomes: Array<Outcome<ProviderObservation>> = [];
  let r = await call(`${label}: run`, () => provider.run(w.ctx(metric))());
  outcomes.push(r);
  let pendingMetadata: MeasurementMetadata | undefined;
  const maxPolls = w.setup.maxPolls ?? 200;
  for (let i = 0; r.ok && r.value._tag === 'Pending'; i++) {
    checkObservation(`${label}: run`, r.value);
    const resume = provider.resume;
    assert(resume !== undefined, `${label}: run answered Pending, but the provider has no resume to check on it later`);
    assert(i < maxPolls, `${label}: still Pending after ${maxPolls} checks`);
    const metadata: MeasurementMetadata = r.value.metadata ?? pendingMetadata ?? {};
    pendingMetadata = metadata;
    await sleep(w.setup.pollMs ?? 50);
    r = await call(`${label}: resume`, () => resume.call(provider, w.ctx(metric), metadata)());
    outcomes.push(r);
  }
  return pendingMetadata !== undefined ? { outcomes, pendingMetadata } : { outcomes };
}

/** The checks, in the order the suite runs them. */
export const metricProviderConformanceChecks: ReadonlyArray<MetricProviderConformanceCheck> = [
  {
    title: 'the plugin has a kind, and its config codec accepts the setup config and rejects a wrong one naming the field',
    async run(make) {
      const s = await make();
      assert(typeof s.plugin.kind === 'string' && /^[A-Za-z][A-Za-z0-9._/-]*$/.test(s.plugin.kind), `kind ${JSON.stringify(s.plugin.kind)} is not a usable provider key`);
      const [, raw] = providerKey(s.metric);
      const good = decode(s.plugin.configCodec, raw, { path: `provider.${s.plugin.kind}` });
      assert(good._tag === 'Right', `the working config is rejected: ${good._tag === 'Left' ? good.left.map((e) => e.message).join('; ') : ''}`);
      const bad = decode(s.plugin.configCodec, s.invalidConfig.value, { path: `provider.${s.plugin.kind}` });
      assert(bad._tag === 'Left', `the config ${JSON.stringify(s.invalidConfig.value)} was accepted; it must be rejected`);
      const messages = bad._tag === 'Left' ? bad.left.map((e) => e.message).join('; ') : '';
      assert(messages.includes(s.invalidConfig.path), `rejecting ${JSON.stringify(s.invalidConfig.value)} did not name "${s.invalidConfig.path}": ${messages}`);
    },
  },
  {
    title: 'a measurement against a working backend ends in a Value or Verdict with string metadata, through resume when Pending',
    async run(make) {
      const w = await world(make);
      const provider = w.providerFor(w.setup.metric);
      const { outcomes } = await measure(w, provider, w.setup.metric, 'working backend');
      const last = outcomes[outcomes.length - 1]!;
      assert(last.ok, `the measurement failed: ${last.ok ? '' : `${last.error._tag}: ${last.error.message}`}`);
      checkObservation('working backend', last.value);
      assert(last.value._tag !== 'Pending', 'the measurement never left Pending');
    },
  },
  {
    title: 'a backend that is not there is a PluginError with a message, never a pass',
    async run(make) {
      const w = await world(make);
      const provider = w.providerFor(w.setup.unreachableMetric);
      const { outcomes } = await measure(w, provider, w.setup.unreachableMetric, 'unreachable backend');
      const last = outcomes[outcomes.length - 1]!;
      assert(!last.ok, `the measurement against a missing backend answered ${JSON.stringify(last.ok ? last.value : undefined)}; it must fail`);
      assert(last.error.message.trim().length > 0, 'the PluginError has an empty message');
    },
  },
  {
    title: 'a call whose signal is already cancelled fails with a PluginError instead of measuring',
    async run(make) {
      const w = await world(make);
      const provider = w.providerFor(w.setup.metric);
      const ac = new AbortController();
      ac.abort();
      const r = await call('cancelled run', () => provider.run(w.ctx(w.setup.metric, ac.signal))());
      assert(!r.ok, `a cancelled run answered ${JSON.stringify(r.ok ? r.value : undefined)}; it must fail`);
    },
  },
  {
    title: 'terminate ends a Pending measurement, and garbageCollect succeeds (capabilities the provider has)',
    async run(make) {
      const w = await world(make);
      const provider = w.providerFor(w.setup.metric);
      if (provider.terminate !== undefined) {
        const first = await call('run before terminate', () => provider.run(w.ctx(w.setup.metric))());
        assert(first.ok, `run failed: ${first.ok ? '' : first.error.message}`);
        if (first.value._tag === 'Pending') {
          const metadata = first.value.metadata ?? {};
          const ended = await call('terminate', () => provider.terminate!(w.ctx(w.setup.metric), metadata)());
          assert(ended.ok, `terminate failed: ${ended.ok ? '' : ended.error.message}`);
          checkObservation('terminate', ended.value);
          assert(ended.value._tag !== 'Pending', 'terminate answered Pending; a terminated measurement is over');
        }
      }
      if (provider.garbageCollect !== undefined) {
        const gc = await call('garbageCollect keep 0', () => provider.garbageCollect!(w.ctx(w.setup.metric), 0)());
        assert(gc.ok, `garbageCollect failed: ${gc.ok ? '' : gc.error.message}`);
        const again = await call('garbageCollect keep 0, again', () => provider.garbageCollect!(w.ctx(w.setup.metric), 0)());
        assert(again.ok, `garbageCollect with nothing left to collect failed: ${again.ok ? '' : again.error.message}`);
      }
    },
  },
];

/**
 * Register the suite as `describe(<name> conforms to the metric provider contract)` with one `it` per check,
 * using the test runner's global `describe` and `it`. `setup` is called once per check.
 */
export function describeMetricProviderConformance(name: string, setup: () => Promise<MetricProviderConformanceSetup>, options: { readonly timeoutMs?: number } = {}): void {
  const { describe, it } = testRunnerGlobals('describeMetricProviderConformance');
  describe(`${name} conforms to the metric provider contract`, () => {
    for (const check of metricProviderConformanceChecks) it(check.title, () => check.run(setup), options.timeoutMs);
  });
}
