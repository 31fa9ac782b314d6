import { bucketOf, RequestLog, RequestRecord } from './RequestLog';

function rec(verb: RequestRecord['verb'], resource: string, group = '', subresource = ''): Omit<RequestRecord, 'seq'> {
  return { time: 0, method: 'X', path: '/', verb, group, version: 'v1', resource, subresource, namespace: 'd', name: '', code: 200, bytes: 1, requestBytes: 0, durationMs: 0, userAgent: 'ua/1' };
}

describe('RequestLog', () => {
  it('counts by bucket and writes, since a mark', () => {
    const log = new RequestLog();
    log.add(rec('list', 'pods'));
    const mark = log.mark();
    log.add(rec('patch', 'rollouts', 'argoproj.io', 'status'));
    log.add(rec('patch', 'rollouts', 'argoproj.io', 'status'));
    log.add(rec('get', 'rollouts', 'argoproj.io'));
    log.add(rec('create', 'replicasets', 'apps'));
    expect(log.writes({ since: mark })).toBe(3);
    expect(log.count({ resource: 'rollouts.argoproj.io' })).toBe(3);
    expect(log.count({ resource: 'rollouts', subresource: '' })).toBe(1);
    expect(log.countsByBucket({ since: mark })).toEqual({ 'patch rollouts.argoproj.io/status': 2, 'get rollouts.argoproj.io': 1, 'create replicasets.apps': 1 });
    expect(log.totals()['list pods']).toBe(1);
  });

  it('keeps totals beyond its capacity', () => {
    const log = new RequestLog(10);
    for (let i = 0; i < 100; i++) log.add(rec('get', 'pods'));
    expect(log.entries().length).toBeLessThanOrEqual(15);
    expect(log.totals()['get pods']).toBe(100);
  });

  it('names buckets', () => {
    expect(bucketOf({ verb: 'discovery', resource: '', group: '', subresource: '' })).toBe('discovery');
    expect(bucketOf({ verb: 'update', resource: 'deployments', group: 'apps', subresource: 'scale' })).toBe('update deployments.apps/scale');
  });
});
