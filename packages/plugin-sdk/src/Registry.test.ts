import { createRegistry } from './Registry';

describe('createRegistry', () => {
  it('finds plugins by kind and lists kinds sorted', () => {
    const r = createRegistry('traffic routers', [{ kind: 'nginx' }, { kind: 'istio' }]);
    expect(r.get('istio')).toEqual({ kind: 'istio' });
    expect(r.get('smi')).toBeUndefined();
    expect(r.kinds()).toEqual(['istio', 'nginx']);
  });
  it('throws at start-up on a duplicate or empty kind', () => {
    expect(() => createRegistry('traffic routers', [{ kind: 'nginx' }, { kind: 'nginx' }])).toThrow('traffic routers: kind "nginx" is registered twice');
    expect(() => createRegistry('metric providers', [{ kind: '' }])).toThrow('metric providers: a plugin has an empty kind');
  });
});
