/**
 * `provider.cloudWatch` → a `GetMetricData` request, checked field by field before any I/O: `interval` (Go
 * duration, default `5m`) is the look-back from now, and each `metricDataQueries[]` entry maps 1:1 onto the
 * API's PascalCase `MetricDataQuery`.
 */
import * as E from 'fp-ts/lib/Either';
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { parseGoDuration, type CloudWatchMetric, type CloudWatchMetricDataQuery, type IntOrString } from '@rollouts/api';
import { PluginErrors, type PluginError } from '@rollouts/plugin-sdk';

/** The look-back when `interval` is not set (Argo Rollouts' default). */
export const DEFAULT_CLOUDWATCH_INTERVAL = '5m';
export const CONFIG_PATH = 'provider.cloudWatch';

export interface CloudWatchRequest {
  readonly startTime: Date;
  readonly endTime: Date;
  readonly queries: MetricDataQuery[];
}

const invalid = (field: string, message: string): PluginError => PluginErrors.pluginConfigInvalid({ path: `${CONFIG_PATH}.${field}`, message: `${CONFIG_PATH}.${field}: ${message}` });

/** A period in seconds: an integer or a numeric string, positive. */
function periodOf(value: IntOrString | null | undefined, field: string): E.Either<PluginError, number | undefined> {
  if (value === undefined || value === null || value === '') return E.right(undefined);
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n <= 0) return E.left(invalid(field, `expected a positive whole number of seconds (e.g. 60 or "300"), got ${JSON.stringify(value)}`));
  return E.right(n);
}

function queryOf(q: CloudWatchMetricDataQuery, i: number): E.Either<PluginError, MetricDataQuery> {
  const at = `metricDataQueries[${i}]`;
  if (q.id == null || q.id === '') return E.left(invalid(`${at}.id`, 'is required (a short name such as "errors", unique in the request)'));
  const hasExpression = q.expression != null && q.expression !== '';
  if (hasExpression === (q.metricStat != null)) return E.left(invalid(at, 'set exactly one of expression and metricStat'));
  const period = periodOf(q.period, `${at}.period`);
  if (E.isLeft(period)) return period;
  const out: MetricDataQuery = { Id: q.id };
  if (hasExpression) out.Expression = q.expression as string;
  if (q.label != null && q.label !== '') out.Label = q.label;
  if (period.right !== undefined) out.Period = period.right;
  if (q.returnData != null) out.ReturnData = q.returnData;
  const ms = q.metricStat;
  if (ms != null) {
    const metric = ms.metric;
    if (metric?.metricName == null || metric.metricName === '') return E.left(invalid(`${at}.metricStat.metric.metricName`, 'is required'));
    if (metric.namespace == null || metric.namespace === '') return E.left(invalid(`${at}.metricStat.metric.namespace`, 'is required'));
    if (ms.stat == null || ms.stat === '') return E.left(invalid(`${at}.metricStat.stat`, 'is required (Sum, Average, p99, ...)'));
    const statPeriod = periodOf(ms.period, `${at}.metricStat.period`);
    if (E.isLeft(statPeriod)) return statPeriod;
    if (statPeriod.right === undefined) return E.left(invalid(`${at}.metricStat.period`, 'is required (seconds, e.g. 60)'));
    const dims = metric.dimensions ?? [];
    for (const [j, d] of dims.entries()) {
      if (d.name == null || d.name === '') return E.left(invalid(`${at}.metricStat.metric.dimensions[${j}].name`, 'is required'));
    }
    out.MetricStat = {
      Metric: { Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: dims.map((d) => ({ Name: d.name as string, Value: d.value ?? '' })) },
      Period: statPeriod.right,
      Stat: ms.stat,
      ...(ms.unit == null || ms.unit === '' ? {} : { Unit: ms.unit as MetricDataQuery['MetricStat'] extends infer M ? M extends { Unit?: infer U } ? U : never : never }),
    };
  }
  return E.right(out);
}

/** Check `config` and build the request for the window ending at `now` (epoch ms). */
export function planCloudWatchQuery(config: CloudWatchMetric, now: number): E.Either<PluginError, CloudWatchRequest> {
  const interval = config.interval == null || config.interval === '' ? DEFAULT_CLOUDWATCH_INTERVAL : config.interval;
  const ms = parseGoDuration(interval);
  if (E.isLeft(ms)) return E.left(invalid('interval', `${ms.left} (expected a duration such as "5m")`));
  if (ms.right <= 0) return E.left(invalid('interval', `must be positive, got ${JSON.stringify(interval)}`));
  const list = config.metricDataQueries ?? [];
  if (list.length === 0) return E.left(invalid('metricDataQueries', 'needs at least one query'));
  const queries: MetricDataQuery[] = [];
  const ids = new Set<string>();
  for (const [i, q] of list.entries()) {
    const m = queryOf(q, i);
    if (E.isLeft(m)) return m;
    if (ids.has(m.right.Id as string)) return E.left(invalid(`metricDataQueries[${i}].id`, `${JSON.stringify(m.right.Id)} is used twice`));
    ids.add(m.right.Id as string);
    queries.push(m.right);
  }
  return E.right({ startTime: new Date(now - ms.right), endTime: new Date(now), queries });
}
