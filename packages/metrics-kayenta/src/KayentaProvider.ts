/**
 * The `kayenta` metric provider: asks a Kayenta canary judge (Spinnaker's automated canary analysis service)
 * to compare the canary against the baseline, and judges the score it returns against `threshold`.
 *
 * A judgement is asynchronous and can take minutes, so it spans several reconciles:
 * - `run` looks up the canary config by name (`GET /canaryConfig`), starts the judgement
 *   (`POST /canary/<configId>`) and answers Pending with the `canaryExecutionId` in the measurement metadata.
 * - `resume` polls `GET /canary/<executionId>`. Everything it needs is in the metadata the controller stored in
 *   the AnalysisRun's status, so a judgement started by one controller is finished by the next one after a
 *   restart or a leader change, and is never started twice for one measurement.
 * - A poll that fails transiently (unreachable, timeout, 429, 5xx) keeps the measurement Pending and polls
 *   again, so a flaky Kayenta does not make the next measurement request a second judgement; after
 *   {@link MAX_FAILED_POLLS} such polls in a row, or any other failure, the measurement is an Error.
 * - A judgement that is still not complete {@link DEFAULT_KAYENTA_JUDGEMENT_TIMEOUT_MS} after it was started
 *   is an error (the measurement becomes `Error`, and the analysis takes its error path).
 * - `terminate` stops waiting and answers Inconclusive: Kayenta's canary API has no way to cancel a judgement,
 *   so it finishes on its own and its result is not read.
 *
 * The score is truncated to an integer: at least `threshold.pass` is Successful, at least `threshold.marginal`
 * Inconclusive, anything lower Failed; `successCondition` / `failureCondition` do not apply.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { KayentaMetric, parseGoDuration, type ScopeDetail } from '@rollouts/api';
import {
  defineMetricProvider,
  PluginErrors,
  type MeasurementContext,
  type MeasurementMetadata,
  type MetricProvider,
  type MetricProviderPlugin,
  type PluginError,
  type ProviderObservation,
} from '@rollouts/plugin-sdk';
import { originOf, sendHttp, type HttpResponse } from '@rollouts/plugin-http';
import { judgeScore, readCanaryConfigId, readExecutionId, readJudgement } from './KayentaScore';

/** Seconds each request to Kayenta may take (Argo Rollouts' fixed client timeout). */
export const DEFAULT_KAYENTA_TIMEOUT_SECONDS = 15;
/** How long to wait between two polls of a judgement (Argo Rollouts' fixed 15 s). */
export const DEFAULT_KAYENTA_POLL_INTERVAL_MS = 15_000;
/** How long a judgement may take before the measurement is an Error (Argo Rollouts waits forever). */
export const DEFAULT_KAYENTA_JUDGEMENT_TIMEOUT_MS = 15 * 60_000;
/** Metadata key of the judgement's id (the same key as Argo Rollouts, so status written by either is read). */
export const CANARY_EXECUTION_ID_KEY = 'canaryExecutionId';
/** Metadata key of the canary config's id the judgement uses. */
export const CANARY_CONFIG_ID_KEY = 'canaryConfigId';
/** Metadata key of when the judgement was requested (RFC 3339), which bounds how long it is waited for. */
export const JUDGEMENT_STARTED_AT_KEY = 'kayentaJudgementStartedAt';
/** Metadata key of how many polls in a row failed with a transient error (unreachable, timeout, 429, 5xx). */
export const FAILED_POLLS_KEY = 'kayentaFailedPolls';
/** Metadata key of the last transient poll error (kept after a later poll succeeds, as history). */
export const LAST_POLL_ERROR_KEY = 'kayentaLastPollError';
/** Polls in a row that may fail transiently before the measurement is an Error (the judgement is then abandoned). */
export const MAX_FAILED_POLLS = 4;

/** Options of the plugin itself (not of a metric). */
export interface KayentaProviderOptions {
  /** Bound on each HTTP request in milliseconds; default {@link DEFAULT_KAYENTA_TIMEOUT_SECONDS} × 1000. */
  readonly timeoutMs?: number;
  /** Delay before the next poll of a judgement that is not complete; default {@link DEFAULT_KAYENTA_POLL_INTERVAL_MS}. */
  readonly pollIntervalMs?: number;
  /** How long a judgement may stay incomplete; default {@link DEFAULT_KAYENTA_JUDGEMENT_TIMEOUT_MS}. */
  readonly judgementTimeoutMs?: number;
}

const PATH = 'provider.kayenta';
const LABEL = 'kayenta';

type Result<A> = Promise<E.Either<PluginError, A>>;

const configInvalid = (field: string, message: string): PluginError => PluginErrors.pluginConfigInvalid({ message, path: `${PATH}.${field}` });

const toRfc3339Seconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

interface Options {
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  readonly judgementTimeoutMs: number;
}

/** A validated judgement request, before any I/O. */
interface Plan {
  readonly base: string;
  readonly accounts: ReadonlyArray<readonly [string, string]>;
  readonly body: unknown;
}

function addressOf(address: string): E.Either<PluginError, string> {
  const invalid = configInvalid('address', `${PATH}.address is not in url format: ${JSON.stringify(address)} (expected http(s)://host[:port][/path], e.g. http://kayenta.kayenta:8090)`);
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return E.left(invalid);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return E.left(invalid);
  return E.right(address.replace(/\/+$/, ''));
}

function timeOf(text: string, field: string): E.Either<PluginError, string> {
  const t = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(t)) return E.left(configInvalid(field, `${PATH}.${field} is not an RFC 3339 time: ${JSON.stringify(text)} (e.g. 2019-03-29T01:08:34Z)`));
  return E.right(text);
}

/** The window of a scope: its own start and end, or the default one (`fallback`). */
function windowOf(d: ScopeDetail, field: string, fallback: () => E.Either<PluginError, { start: string; end: string }>): E.Either<PluginError, { start: string; end: string }> {
  const start = d.start ?? '';
  const end = d.end ?? '';
  if (start === '' && end === '') return fallback();
  if (start === '' || end === '') return E.left(configInvalid(`${field}.${start === '' ? 'start' : 'end'}`, `${PATH}.${field}: set both start and end, or neither (then the window ends now)`));
  const s = timeOf(start, `${field}.start`);
  if (E.isLeft(s)) return s;
  const e = timeOf(end, `${field}.end`);
  if (E.isLeft(e)) return e;
  if (Date.parse(start) > Date.parse(end)) return E.left(configInvalid(field, `${PATH}.${field}: start ${start} is after end ${end}`));
  return E.right({ start, end });
}

/** Check `config` and work out the judgement request, or say what is wrong with it. */
function plan(config: KayentaMetric, ctx: MeasurementContext): E.Either<PluginError, Plan> {
  const base = addressOf(config.address);
  if (E.isLeft(base)) return base;
  for (const field of ['application', 'canaryConfigName', 'metricsAccountName', 'configurationAccountName', 'storageAccountName'] as const) {
    if (config[field].trim() === '') return E.left(configInvalid(field, `${PATH}.${field} is required`));
  }
  const { pass, marginal } = config.threshold;
  for (const [field, v] of [['pass', pass], ['marginal', marginal]] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 100) return E.left(configInvalid(`threshold.${field}`, `${PATH}.threshold.${field} must be a score from 0 to 100 (got ${v})`));
  }
  if (marginal > pass) return E.left(configInvalid('threshold.marginal', `${PATH}.threshold.marginal (${marginal}) must not be above threshold.pass (${pass})`));
  if (config.scopes.length === 0) return E.left(configInvalid('scopes', `${PATH}.scopes needs at least one scope (controlScope and experimentScope)`));

  // The default window: [AnalysisRun start, now] with lookback, else [now - the metric's interval, now].
  let defaultWindow: E.Either<PluginError, { start: string; end: string }> | undefined;
  const fallback = () => {
    if (defaultWindow !== undefined) return defaultWindow;
    const end = toRfc3339Seconds(ctx.now);
    if (config.lookback === true) {
      const started = ctx.run.status?.startedAt;
      const at = started != null ? Date.parse(started) : Number.NaN;
      defaultWindow = Number.isNaN(at)
        ? E.left(configInvalid('lookback', `${PATH}.lookback: the AnalysisRun has no status.startedAt yet to start the scope window at; set the scopes' start and end`))
        : E.right({ start: toRfc3339Seconds(at), end });
    } else {
      const interval = ctx.metric.interval ?? '';
      const ms = interval === '' ? E.left('it is empty') : parseGoDuration(interval);
      defaultWindow =
        E.isLeft(ms) || ms.right <= 0
          ? E.left(
              PluginErrors.pluginConfigInvalid({
                path: 'interval',
                message: `Invalid duration: the metric's interval (${JSON.stringify(interval)}) sets the scope window (now - interval, now) when ${PATH}.scopes give no start and end${E.isLeft(ms) ? `: ${ms.left}` : ''}; set interval, lookback: true, or the scopes' start and end`,
              }),
            )
          : E.right({ start: toRfc3339Seconds(ctx.now - ms.right), end });
    }
    return defaultWindow;
  };

  const scopes: Record<string, unknown> = {};
  for (const [i, scope] of config.scopes.entries()) {
    const field = `scopes[${i}]`;
    if (scope.name.trim() === '') return E.left(configInvalid(`${field}.name`, `${PATH}.${field}.name is required`));
    if (scopes[scope.name] !== undefined) return E.left(configInvalid(`${field}.name`, `${PATH}.${field}.name: scope "${scope.name}" is named twice`));
    const detail: Record<string, unknown> = {};
    for (const which of ['controlScope', 'experimentScope'] as const) {
      const d = scope[which];
      if (d.scope.trim() === '') return E.left(configInvalid(`${field}.${which}.scope`, `${PATH}.${field}.${which}.scope is required (e.g. app=guestbook and rollouts-pod-template-hash=...)`));
      if (!Number.isInteger(d.step) || d.step <= 0) return E.left(configInvalid(`${field}.${which}.step`, `${PATH}.${field}.${which}.step must be a positive number of seconds (got ${d.step})`));
      const w = windowOf(d, `${field}.${which}`, fallback);
      if (E.isLeft(w)) return w;
      detail[which] = { scope: d.scope, location: d.region, step: d.step, start: w.right.start, end: w.right.end };
    }
    scopes[scope.name] = detail;
  }
  return E.right({
    base: base.right,
    accounts: [
      ['application', config.application],
      ['metricsAccountName', config.metricsAccountName],
      ['configurationAccountName', config.configurationAccountName],
      ['storageAccountName', config.storageAccountName],
    ],
    body: { scopes, thresholds: { pass, marginal } },
  });
}

const query = (pairs: ReadonlyArray<readonly [string, string]>): string => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/** A short, single-line excerpt of a body for an error message. */
const excerpt = (body: string): string => {
  const one = body.replace(/\s+/g, ' ').trim();
  return one === '' ? '(empty body)' : one.length > 200 ? `${one.slice(0, 200)}…` : one;
};

/** The error for an answer that is not 200, classified so that a transient one is retried. */
function statusError(res: HttpResponse, what: string, where: string): PluginError {
  const text = `Invalid Response: HTTP ${res.status} from kayenta at ${where} (${what}): ${excerpt(res.body)}`;
  if (res.status === 401 || res.status === 403) {
    return PluginErrors.providerResponseInvalid({
      message: `${text}. The kayenta provider sends no credentials (as Argo Rollouts); let the controller reach Kayenta without authentication (e.g. in-cluster, without the auth proxy)`,
    });
  }
  if (res.status === 429) return PluginErrors.providerUnavailable({ message: `${text} (rate limited; the measurement is retried)` });
  if (res.status >= 500) return PluginErrors.providerUnavailable({ message: text });
  return PluginErrors.providerResponseInvalid({ message: text });
}

const invalid = (message: string): PluginError => PluginErrors.providerResponseInvalid({ message });

async function exchange(method: 'GET' | 'POST', url: string, body: unknown, ctx: MeasurementContext, opts: Options, what: string): Result<string> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await sendHttp(LABEL, { method, url, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), timeoutMs: opts.timeoutMs, insecure: false, signal: ctx.signal })();
  if (E.isLeft(res)) return E.left({ ...res.left, message: `${res.left.message} (${what})` });
  if (res.right.status !== 200) return E.left(statusError(res.right, what, originOf(url)));
  return E.right(res.right.body);
}

async function start(config: KayentaMetric, ctx: MeasurementContext, opts: Options): Result<ProviderObservation> {
  if (ctx.signal.aborted) return E.left(PluginErrors.pluginAborted({ message: 'the kayenta judgement was not requested: the measurement was cancelled' }));
  const p = plan(config, ctx);
  if (E.isLeft(p)) return p;
  const configs = await exchange(
    'GET',
    `${p.right.base}/canaryConfig?${query([['application', config.application], ['configurationAccountName', config.configurationAccountName]])}`,
    undefined,
    ctx,
    opts,
    'listing canary configs',
  );
  if (E.isLeft(configs)) return configs;
  const configId = readCanaryConfigId(configs.right, config.canaryConfigName);
  if (E.isLeft(configId)) return E.left(configId.left.startsWith('Canary config not found') ? configInvalid('canaryConfigName', configId.left) : invalid(configId.left));
  const started = await exchange('POST', `${p.right.base}/canary/${encodeURIComponent(configId.right)}?${query(p.right.accounts)}`, p.right.body, ctx, opts, 'starting the judgement');
  if (E.isLeft(started)) return started;
  const id = readExecutionId(started.right);
  if (E.isLeft(id)) return E.left(invalid(id.left));
  return E.right({
    _tag: 'Pending',
    resumeAt: ctx.now + opts.pollIntervalMs,
    metadata: { [CANARY_EXECUTION_ID_KEY]: id.right, [CANARY_CONFIG_ID_KEY]: configId.right, [JUDGEMENT_STARTED_AT_KEY]: new Date(ctx.now).toISOString() },
  });
}

function executionIdOf(metadata: MeasurementMetadata): E.Either<PluginError, string> {
  const id = metadata[CANARY_EXECUTION_ID_KEY];
  if (id === undefined || id === '') return E.left(invalid(`the in-flight kayenta measurement has no ${CANARY_EXECUTION_ID_KEY} in its metadata, so its judgement cannot be found`));
  return E.right(id);
}

async function poll(config: KayentaMetric, ctx: MeasurementContext, metadata: MeasurementMetadata, opts: Options): Result<ProviderObservation> {
  if (ctx.signal.aborted) return E.left(PluginErrors.pluginAborted({ message: 'the kayenta judgement was not checked: the measurement was cancelled' }));
  const base = addressOf(config.address);
  if (E.isLeft(base)) return base;
  const id = executionIdOf(metadata);
  if (E.isLeft(id)) return id;
  const startedAt = Date.parse(metadata[JUDGEMENT_STARTED_AT_KEY] ?? '');
  const overdue = !Number.isNaN(startedAt) && ctx.now - startedAt >= opts.judgementTimeoutMs;
  const body = await exchange('GET', `${base.right}/canary/${encodeURIComponent(id.right)}`, undefined, ctx, opts, `checking judgement ${id.right}`);
  if (E.isLeft(body)) {
    const transient = body.left._tag === 'ProviderUnavailable' || body.left._tag === 'ProviderTimeout';
    const failed = (Number.parseInt(metadata[FAILED_POLLS_KEY] ?? '0', 10) || 0) + 1;
    if (!transient || ctx.signal.aborted) return body;
    if (failed >= MAX_FAILED_POLLS || overdue) {
      return E.left({ ...body.left, message: `${body.left.message} (${failed} polls of judgement ${id.right} failed in a row${overdue ? ', and its time is up' : ''}; the next measurement starts a new judgement)` });
    }
    return E.right({ _tag: 'Pending', resumeAt: ctx.now + opts.pollIntervalMs, metadata: { ...metadata, [FAILED_POLLS_KEY]: String(failed), [LAST_POLL_ERROR_KEY]: body.left.message } });
  }
  const polled: Record<string, string> = { ...metadata };
  if (polled[FAILED_POLLS_KEY] !== undefined) polled[FAILED_POLLS_KEY] = '0';
  const state = readJudgement(body.right);
  if (E.isLeft(state)) return E.left(invalid(`${state.left} (judgement ${id.right})`));
  switch (state.right._tag) {
    case 'Scored': {
      const { score, phase } = judgeScore(state.right.score, config.threshold);
      const { pass, marginal } = config.threshold;
      return E.right({
        _tag: 'Verdict',
        phase,
        value: score,
        ...(phase === 'Successful' ? {} : { message: `kayenta score ${score} is below the ${phase === 'Inconclusive' ? `pass threshold ${pass}` : `marginal threshold ${marginal}`} (judgement ${id.right})` }),
        metadata: { [CANARY_EXECUTION_ID_KEY]: id.right, ...(polled[FAILED_POLLS_KEY] !== undefined ? { [FAILED_POLLS_KEY]: '0' } : {}) },
      });
    }
    case 'NoScore':
      return E.left(
        invalid(
          `Missing Score: kayenta judgement ${id.right} completed without a score${state.right.status !== undefined ? ` (status ${state.right.status})` : ''}${state.right.reason !== undefined ? `: ${state.right.reason}` : ''}`,
        ),
      );
    case 'Running': {
      if (overdue) {
        return E.left(
          PluginErrors.providerTimeout({
            message: `kayenta judgement ${id.right} is still not complete ${Math.round((ctx.now - startedAt) / 1000)} s after it was requested (limit ${opts.judgementTimeoutMs / 1000} s); the measurement is an Error and the next one starts a new judgement`,
          }),
        );
      }
      return E.right({ _tag: 'Pending', resumeAt: ctx.now + opts.pollIntervalMs, metadata: polled });
    }
  }
}

async function stop(ctx: MeasurementContext, metadata: MeasurementMetadata): Result<ProviderObservation> {
  const id = metadata[CANARY_EXECUTION_ID_KEY] ?? '(none)';
  return E.right({
    _tag: 'Verdict',
    phase: 'Inconclusive',
    message: `the run is terminating: kayenta judgement ${id} of metric "${ctx.metric.name}" is no longer waited for (Kayenta's canary API cannot cancel it, so it finishes unread)`,
  });
}

/** A `kayenta` provider plugin with its own options (the default export uses Argo's timings). */
export function createKayentaMetricProvider(options: KayentaProviderOptions = {}): MetricProviderPlugin<KayentaMetric> {
  const opts: Options = {
    timeoutMs: options.timeoutMs ?? DEFAULT_KAYENTA_TIMEOUT_SECONDS * 1000,
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_KAYENTA_POLL_INTERVAL_MS,
    judgementTimeoutMs: options.judgementTimeoutMs ?? DEFAULT_KAYENTA_JUDGEMENT_TIMEOUT_MS,
  };
  for (const [k, v] of Object.entries(opts)) {
    if (!(typeof v === 'number' && v > 0 && Number.isFinite(v))) throw new Error(`createKayentaMetricProvider: ${k} must be a positive number of milliseconds (got ${String(v)})`);
  }
  return defineMetricProvider<KayentaMetric>({
    kind: 'kayenta',
    configCodec: KayentaMetric,
    make() {
      return (config): MetricProvider => ({
        run: (ctx): TaskEither<PluginError, ProviderObservation> => () => start(config, ctx, opts),
        resume: (ctx, metadata): TaskEither<PluginError, ProviderObservation> => () => poll(config, ctx, metadata, opts),
        terminate: (ctx, metadata): TaskEither<PluginError, ProviderObservation> => () => stop(ctx, metadata),
      });
    },
  });
}

/** The `kayenta` metric provider plugin (15 s request timeout, polls every 15 s, gives a judgement 15 minutes). */
export const kayentaMetricProvider: MetricProviderPlugin<KayentaMetric> = createKayentaMetricProvider();
