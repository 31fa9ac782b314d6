import * as E from 'fp-ts/lib/Either';
import { PathReporter } from 'io-ts/lib/PathReporter';
import { Rollout } from './Rollout';
import { decode, nodeAt, schemaPaths } from './Schema';

const base = () => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'r' },
  spec: {
    selector: { matchLabels: { app: 'r' } },
    template: { metadata: { labels: { app: 'r' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
    strategy: { canary: { steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 50 }] } },
  },
});

const messages = (value: unknown, strict = false): string[] => {
  const r = decode(Rollout, value, { strict });
  return E.isLeft(r) ? r.left.map((e) => e.message) : [];
};

describe('decode', () => {
  it.each<[string, (r: any) => void, string[]]>([
    ['a clean Rollout', () => undefined, []],
    ['wrong scalar type, at the full path', (r) => (r.spec.strategy.canary.steps[2].setWeight = 'abc'), ['spec.strategy.canary.steps[2].setWeight: expected integer, got "abc"']],
    ['a float where an integer belongs', (r) => (r.spec.replicas = 1.5), ['spec.replicas: expected integer, got 1.5']],
    ['an int32 overflow', (r) => (r.spec.replicas = 2 ** 31), ['spec.replicas: expected 32-bit integer, got 2147483648']],
    ['an enum value outside the set', (r) => (r.spec.workloadRef = { kind: 'Deployment', name: 'd', scaleDown: 'sometimes' }), ['spec.workloadRef.scaleDown: expected one of "never", "onsuccess", "progressively", got "sometimes"']],
    ['a required field missing', (r) => (r.spec.template.spec.containers[0] = { image: 'i' }), ['spec.template.spec.containers[0].name: required field is missing (expected string)']],
    ['an object where a string belongs', (r) => (r.spec.strategy.canary.canaryService = { name: 'x' }), ['spec.strategy.canary.canaryService: expected string, got object']],
    ['map keys with dots are quoted in the path', (r) => (r.spec.template.metadata.labels['app.kubernetes.io/name'] = 7), ['spec.template.metadata.labels["app.kubernetes.io/name"]: expected string, got 7']],
    ['IntOrString rejects a boolean', (r) => (r.spec.strategy.canary.maxSurge = true), ['spec.strategy.canary.maxSurge: expected integer or string, got true']],
    ['a quantity may be a number or a string', (r) => (r.spec.template.spec.containers[0].resources = { limits: { cpu: 0.5, memory: '1Gi' }, requests: { cpu: [] } }), ['spec.template.spec.containers[0].resources.requests.cpu: expected quantity (string or number), got array']],
    ['a date-time must be RFC 3339', (r) => (r.spec.restartAt = 'tomorrow'), ['spec.restartAt: expected RFC 3339 date-time string, got "tomorrow"']],
    ['null for an optional field is absent, as in Go', (r) => ((r.spec.replicas = null), (r.spec.strategy.canary.steps = null)), []],
    ['null for a required field is missing', (r) => (r.spec = null), ['spec: required field is missing (expected object)']],
    ['an array where an object belongs', (r) => (r.spec.strategy = []), ['spec.strategy: expected object, got array']],
    [
      'every error, not only the first',
      (r) => {
        r.spec.replicas = '3';
        r.spec.strategy.canary.steps[0].setWeight = -0.5;
        r.spec.strategy.canary.steps[1].pause.duration = [];
        r.spec.paused = 'yes';
      },
      [
        'spec.replicas: expected integer, got "3"',
        'spec.paused: expected boolean, got "yes"',
        'spec.strategy.canary.steps[0].setWeight: expected integer, got -0.5',
        'spec.strategy.canary.steps[1].pause.duration: expected integer or string, got array',
      ],
    ],
  ])('%s', (_name, mutate, expected) => {
    const r = base();
    mutate(r);
    expect(messages(r)).toEqual(expected);
  });

  it('keeps unknown fields when not strict and reports each one when strict', () => {
    const r: any = base();
    r.spec.strategy.canary.unknownStrategy = true;
    r.spec.template.spec.containers[0].imagePolicy = 'x';
    r.spec.template.spec.volumes = [{ name: 'v', anyShape: { deep: 1 } }];
    const lenient = decode(Rollout, r);
    expect(E.isRight(lenient) && (lenient.right.spec.strategy?.canary as any).unknownStrategy).toBe(true);
    expect(messages(r, true)).toEqual(['spec.template.spec.containers[0].imagePolicy: unknown field "imagePolicy"', 'spec.strategy.canary.unknownStrategy: unknown field "unknownStrategy"']);
  });

  it('prefixes paths when decoding a sub-object', () => {
    const r = decode(Rollout, { spec: { replicas: 'x' } }, { path: 'items[3]' });
    expect(E.isLeft(r) && r.left.map((e) => e.message)).toEqual(['items[3].spec.replicas: expected integer, got "x"']);
  });

  it('is an io-ts codec: validate, is and PathReporter work', () => {
    expect(Rollout.is(base())).toBe(true);
    expect(Rollout.is({ spec: { replicas: 'x' } })).toBe(false);
    expect(PathReporter.report(Rollout.decode({ spec: { replicas: 'x' } }))).toEqual(['spec.replicas: expected integer, got "x"']);
  });
});

describe('schema walking', () => {
  it('lists property paths and finds nodes by path', () => {
    const paths = schemaPaths(Rollout.node);
    expect(paths).toContain('spec.strategy.canary.steps[].setWeight');
    expect(paths).toContain('spec.selector.matchLabels{}');
    expect(nodeAt(Rollout.node, 'spec.strategy.canary.steps[].pause.duration')).toEqual({ type: 'int-or-string' });
    expect(nodeAt(Rollout.node, 'spec.strategy.canary.nope')).toBeUndefined();
  });
});

describe('decode with lenientNumbers', () => {
  const lenient = (value: unknown): string[] => {
    const r = decode(Rollout, value, { lenientNumbers: true });
    return E.isLeft(r) ? r.left.map((e) => e.message) : [];
  };
  it.each<[string, (r: any) => void]>([
    ['an int32 overflow', (r) => (r.spec.replicas = 2 ** 31)],
    ['a fraction', (r) => (r.spec.minReadySeconds = 0.5)],
    ['an IntOrString number beyond 32 bits', (r) => (r.spec.strategy.canary.steps[1].pause = { duration: 3e9 })],
    ['any value in a resource list', (r) => (r.spec.template.spec.containers[0].resources = { requests: { cpu: { a: 1 } } })],
  ])('admits %s (validation reports it)', (_name, mutate) => {
    const r = base();
    mutate(r);
    expect(lenient(r)).toEqual([]);
    expect(messages(r)).not.toEqual([]);
  });

  it('still refuses a value of the wrong type', () => {
    const r: any = base();
    r.spec.replicas = '3';
    expect(lenient(r)).toEqual(['spec.replicas: expected integer, got "3"']);
  });
});
