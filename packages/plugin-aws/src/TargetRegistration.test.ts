import { verifyTargetRegistration } from './TargetRegistration';

const t = (id: string, port: number, state: string) => ({ id, port, state, reason: undefined, description: undefined });
const eps = [{ ip: '10.0.0.1', port: 8080 }, { ip: '10.0.0.2', port: 8080 }];

test.each([
  ['all registered', [t('10.0.0.1', 8080, 'healthy'), t('10.0.0.2', 8080, 'initial')], false, true, []],
  ['one missing', [t('10.0.0.1', 8080, 'healthy')], false, false, ['10.0.0.2:8080']],
  ['a draining target does not count', [t('10.0.0.1', 8080, 'healthy'), t('10.0.0.2', 8080, 'draining')], false, false, ['10.0.0.2:8080']],
  ['same IP, other port does not count', [t('10.0.0.1', 8080, 'healthy'), t('10.0.0.2', 9090, 'healthy')], false, false, ['10.0.0.2:8080']],
  ['extra targets (old pods) are fine', [t('10.0.0.1', 8080, 'healthy'), t('10.0.0.2', 8080, 'healthy'), t('10.0.0.9', 8080, 'healthy')], false, true, []],
  ['requireHealthy: initial is not enough', [t('10.0.0.1', 8080, 'healthy'), t('10.0.0.2', 8080, 'initial')], true, false, ['10.0.0.2:8080']],
])('%s', (_n, targets, requireHealthy, verified, missing) => {
  const r = verifyTargetRegistration(eps, targets, requireHealthy);
  expect(r).toEqual({ verified, endpointsTotal: 2, endpointsRegistered: 2 - missing.length, missing });
});

test('no endpoints: trivially verified', () => {
  expect(verifyTargetRegistration([], []).verified).toBe(true);
});
