import { canaryMappingName, canaryMappingSpec, canaryService } from './CanaryMapping';

describe('canaryService', () => {
  it.each<[string, string]>([
    ['echo-stable', 'echo-canary'],
    ['echo-stable:80', 'echo-canary:80'],
    ['echo-stable.prod:8080', 'echo-canary.prod:8080'],
    ['echo-stable.prod.svc.cluster.local:80', 'echo-canary.prod.svc.cluster.local:80'],
    ['https://echo-stable.prod:443', 'https://echo-canary.prod:443'],
    ['http://echo-stable', 'http://echo-canary'],
  ])('%s -> %s', (base, canary) => {
    expect(canaryService(base, 'echo-stable', 'echo-canary')).toEqual({ ok: true, value: canary });
  });

  it.each<[unknown, string]>([
    ['echo:80', 'does not route to the stable Service `echo-stable`'],
    // Upstream replaced the first occurrence of the stable name anywhere in the string.
    ['my-echo-stable:80', 'does not route to the stable Service'],
    ['api.example.com', 'does not route to the stable Service'],
    ['', 'spec.service is missing'],
    [undefined, 'spec.service is missing'],
    [80, 'spec.service is missing'],
  ])('%j is refused: %s', (base, message) => {
    expect(canaryService(base, 'echo-stable', 'echo-canary')).toMatchObject({ ok: false, message: expect.stringContaining(message) });
  });
});

describe('canaryMappingSpec', () => {
  it('copies every field of the base spec, routes to the canary and sets the weight', () => {
    const base = { prefix: '/echo', rewrite: '/echo', resolver: 'endpoint', service: 'echo-stable:80', timeout_ms: 3000, ambassador_id: ['a'] };
    expect(canaryMappingSpec(base, 'echo-stable', 'echo-canary', 30)).toEqual({ ok: true, value: { ...base, service: 'echo-canary:80', weight: 30 } });
  });

  it.each<[unknown, boolean]>([
    [undefined, true],
    [null, true],
    [0, true],
    [50, false],
  ])('a base spec.weight of %j is %s', (weight, accepted) => {
    const r = canaryMappingSpec({ prefix: '/', service: 'echo-stable', ...(weight !== undefined ? { weight } : {}) }, 'echo-stable', 'echo-canary', 10);
    expect(r.ok).toBe(accepted);
    if (!r.ok) expect(r.message).toContain('can not define weight');
  });
});

describe('canaryMappingName', () => {
  it('appends -canary, cutting the base to 246 characters so the name fits 253', () => {
    expect(canaryMappingName('echo')).toBe('echo-canary');
    const long = 'a'.repeat(250);
    expect(canaryMappingName(long)).toBe(`${'a'.repeat(246)}-canary`);
    expect(canaryMappingName(long)).toHaveLength(253);
  });
});
