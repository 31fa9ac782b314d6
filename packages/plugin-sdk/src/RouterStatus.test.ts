import { mergeRouterStatuses, type RouterStatus } from './RouterStatus';

describe('mergeRouterStatuses', () => {
  const alb = { loadBalancer: { name: 'lb' } };
  test('fragments of several routers merge; routers with nothing to say are skipped', () => {
    expect(mergeRouterStatuses([{ kind: 'smi', status: undefined }, { kind: 'alb', status: { alb } }])).toEqual({ status: { alb }, problems: [] });
    expect(mergeRouterStatuses([{ kind: 'smi', status: undefined }])).toEqual({ status: undefined, problems: [] });
  });
  test('a field routers may not write, and a field reported twice, are refused with the router named', () => {
    const r = mergeRouterStatuses([
      { kind: 'alb', status: { alb } },
      { kind: 'acme/router', status: { phase: 'Healthy', alb: { loadBalancer: { name: 'other' } } } as unknown as RouterStatus },
    ]);
    expect(r.status).toEqual({ alb });
    expect(r.problems).toEqual([
      'traffic router acme/router reported status.phase, which routers may not write (only status.alb, status.albs)',
      'traffic routers alb and acme/router both reported status.alb; the first one is kept',
    ]);
  });
});
