/** Configuration errors name the field; nothing is sent for a bad config. */
import * as E from 'fp-ts/lib/Either';
import { decode, CloudWatchMetric } from '@rollouts/api';
import { planCloudWatchQuery } from '../src';

const NOW = Date.parse('2026-01-01T00:10:00Z');
const stat = { metric: { namespace: 'app', metricName: 'errors' }, period: 60, stat: 'Sum' };
const plan = (config: unknown) => {
  const d = decode(CloudWatchMetric, config, { path: 'provider.cloudWatch' });
  if (d._tag === 'Left') throw new Error(d.left.map((e) => e.message).join('; '));
  return planCloudWatchQuery(d.right, NOW);
};
const pathOf = (r: ReturnType<typeof plan>) => (E.isLeft(r) && r.left._tag === 'PluginConfigInvalid' ? r.left.path : undefined);

test('interval defaults to 5m; queries map 1:1 to PascalCase; string periods are read as numbers', () => {
  const r = plan({ metricDataQueries: [{ id: 'e', metricStat: { ...stat, period: '300', unit: 'Count', metric: { ...stat.metric, dimensions: [{ name: 'k', value: 'v' }] } }, returnData: false }, { id: 'r', expression: 'e / 2', label: 'rate', period: 60 }] });
  expect(r).toEqual(
    E.right({
      startTime: new Date(NOW - 5 * 60_000),
      endTime: new Date(NOW),
      queries: [
        { Id: 'e', ReturnData: false, MetricStat: { Metric: { Namespace: 'app', MetricName: 'errors', Dimensions: [{ Name: 'k', Value: 'v' }] }, Period: 300, Stat: 'Sum', Unit: 'Count' } },
        { Id: 'r', Expression: 'e / 2', Label: 'rate', Period: 60 },
      ],
    }),
  );
});

test('interval is a Go duration', () => {
  const r = plan({ interval: '1h30m', metricDataQueries: [{ id: 'e', metricStat: stat }] });
  expect(E.isRight(r) && r.right.startTime.getTime()).toBe(NOW - 90 * 60_000);
});

test.each([
  [{ interval: '5 minutes', metricDataQueries: [{ id: 'e', metricStat: stat }] }, 'provider.cloudWatch.interval'],
  [{ interval: '-5m', metricDataQueries: [{ id: 'e', metricStat: stat }] }, 'provider.cloudWatch.interval'],
  [{ metricDataQueries: [] }, 'provider.cloudWatch.metricDataQueries'],
  [{ metricDataQueries: [{ metricStat: stat }] }, 'provider.cloudWatch.metricDataQueries[0].id'],
  [{ metricDataQueries: [{ id: 'e' }] }, 'provider.cloudWatch.metricDataQueries[0]'],
  [{ metricDataQueries: [{ id: 'e', expression: 'x', metricStat: stat }] }, 'provider.cloudWatch.metricDataQueries[0]'],
  [{ metricDataQueries: [{ id: 'e', metricStat: { ...stat, period: 'often' } }] }, 'provider.cloudWatch.metricDataQueries[0].metricStat.period'],
  [{ metricDataQueries: [{ id: 'e', metricStat: { ...stat, period: undefined } }] }, 'provider.cloudWatch.metricDataQueries[0].metricStat.period'],
  [{ metricDataQueries: [{ id: 'e', metricStat: { ...stat, stat: '' } }] }, 'provider.cloudWatch.metricDataQueries[0].metricStat.stat'],
  [{ metricDataQueries: [{ id: 'e', metricStat: { ...stat, metric: { namespace: 'app' } } }] }, 'provider.cloudWatch.metricDataQueries[0].metricStat.metric.metricName'],
  [{ metricDataQueries: [{ id: 'e', metricStat: { ...stat, metric: { metricName: 'x' } } }] }, 'provider.cloudWatch.metricDataQueries[0].metricStat.metric.namespace'],
  [{ metricDataQueries: [{ id: 'e', metricStat: stat }, { id: 'f', expression: 'e', period: 0 }] }, 'provider.cloudWatch.metricDataQueries[1].period'],
  [{ metricDataQueries: [{ id: 'e', metricStat: stat }, { id: 'e', expression: 'e' }] }, 'provider.cloudWatch.metricDataQueries[1].id'],
])('bad config %j names %s', (config, path) => {
  const r = plan(config);
  expect(pathOf(r)).toBe(path);
  expect(E.isLeft(r) && r.left.message).toContain(path);
});
