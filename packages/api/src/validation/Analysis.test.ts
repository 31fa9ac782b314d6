import * as fs from 'fs';
import * as path from 'path';
import * as E from 'fp-ts/lib/Either';
import { parseAllDocuments } from 'yaml';
import {
  AnalysisRun,
  AnalysisTemplate,
  ClusterAnalysisTemplate,
  decode,
  compileMetricNameRule,
  indefiniteMetrics,
  metricNameRuleMatches,
  readCount,
  validateAnalysisRun,
  validateAnalysisTemplate,
  validateClusterAnalysisTemplate,
  validateMetric,
  type AnalysisTemplateSpec,
  type Codec,
  type Metric,
  type ValidationError,
} from '@rollouts/api';

const prometheus = { prometheus: { address: 'http://prometheus:9090', query: 'up' } };
const metric = (over: Partial<Metric> = {}): Metric => ({ name: 'm', provider: prometheus, ...over });
const brief = (errors: ReadonlyArray<ValidationError>) => errors.map(({ rule, path, message }) => ({ rule, path, message }));
const run = (spec: Partial<AnalysisRun['spec']>): AnalysisRun => ({ metadata: { name: 'r' }, spec: { metrics: [metric()], ...spec } });
const template = (spec: AnalysisTemplateSpec, name = 't'): AnalysisTemplate => ({ metadata: { name }, spec });

describe('readCount', () => {
  test.each([
    [undefined, { kind: 'absent' }],
    [null, { kind: 'absent' }],
    [3, { kind: 'integer', value: 3 }],
    ['3', { kind: 'integer', value: 3 }],
    ['-1', { kind: 'integer', value: -1 }],
    ['{{args.count}}', { kind: 'placeholder', text: '{{args.count}}' }],
    ['{{ args.count }}', { kind: 'placeholder', text: '{{ args.count }}' }],
    ['3.5', { kind: 'invalid', text: '3.5' }],
    ['{{count}}', { kind: 'invalid', text: '{{count}}' }],
    ['', { kind: 'invalid', text: '' }],
  ])('%p reads as %p', (input, expected) => {
    expect(readCount(input)).toEqual(expected);
  });
});

describe('validateMetric', () => {
  const at = 'spec.metrics[0]';
  test.each<[string, Partial<Metric>, Array<{ rule: string; path: string; message: string }>]>([
    ['a valid metric', { count: 5, interval: '1m', failureLimit: 2, consecutiveSuccessLimit: 3, inconclusiveLimit: 1 }, []],
    ['M1 negative consecutiveSuccessLimit', { consecutiveSuccessLimit: -1 }, [{ rule: 'M1', path: `${at}.consecutiveSuccessLimit`, message: 'consecutiveSuccessLimit must be >= 0' }]],
    ['M2 failureLimit below -1', { failureLimit: -2 }, [{ rule: 'M2', path: `${at}.failureLimit`, message: 'failureLimit must be >= 0, or -1 to be disabled' }]],
    ['M3 both limits disabled', { failureLimit: -1 }, [{ rule: 'M3', path: `${at}.failureLimit`, message: 'failureLimit and consecutiveSuccessLimit cannot both be disabled' }]],
    ['M3 with string limits', { failureLimit: '-1', consecutiveSuccessLimit: '0' }, [{ rule: 'M3', path: `${at}.failureLimit`, message: 'failureLimit and consecutiveSuccessLimit cannot both be disabled' }]],
    ['failureLimit -1 with a consecutiveSuccessLimit is fine', { failureLimit: -1, consecutiveSuccessLimit: 2, count: 3, interval: '10s' }, []],
    ['M4 negative inconclusiveLimit', { inconclusiveLimit: -1 }, [{ rule: 'M4', path: `${at}.inconclusiveLimit`, message: 'inconclusiveLimit must be >= 0' }]],
    ['M5 negative consecutiveErrorLimit', { consecutiveErrorLimit: -1 }, [{ rule: 'M5', path: `${at}.consecutiveErrorLimit`, message: 'consecutiveErrorLimit must be >= 0' }]],
    [
      'M6 count below failureLimit + consecutiveSuccessLimit',
      { count: 3, interval: '1m', failureLimit: 2, consecutiveSuccessLimit: 2 },
      [{ rule: 'M6', path: `${at}.count`, message: 'count (3) must be >= failureLimit + consecutiveSuccessLimit (2 + 2) if both >= 0' }],
    ],
    [
      'M6 with numeric strings',
      { count: '3', interval: '1m', failureLimit: '1', consecutiveSuccessLimit: '3' },
      [{ rule: 'M6', path: `${at}.count`, message: 'count (3) must be >= failureLimit + consecutiveSuccessLimit (1 + 3) if both >= 0' }],
    ],
    ['count equal to the sum is fine', { count: 4, interval: '1m', failureLimit: 2, consecutiveSuccessLimit: 2 }, []],
    [
      'M6 count below consecutiveSuccessLimit when failureLimit is disabled',
      { count: 1, failureLimit: -1, consecutiveSuccessLimit: 2 },
      [{ rule: 'M6', path: `${at}.count`, message: 'count must be >= consecutiveSuccessLimit' }],
    ],
    ['M6 count below inconclusiveLimit', { count: 2, interval: '1m', inconclusiveLimit: 3 }, [{ rule: 'M6', path: `${at}.count`, message: 'count must be >= inconclusiveLimit' }]],
    ['M7 count > 1 without interval', { count: 2 }, [{ rule: 'M7', path: `${at}.interval`, message: 'interval must be specified when count > 1' }]],
    ['count 1 without interval is fine', { count: 1 }, []],
    ['a negative count passes', { count: -3 }, []],
    ['M8 interval without unit', { interval: '5' }, [{ rule: 'M8', path: `${at}.interval`, message: 'invalid interval string: time: missing unit in duration "5"' }]],
    ['M8 interval not a duration', { interval: 'abc' }, [{ rule: 'M8', path: `${at}.interval`, message: 'invalid interval string: time: invalid duration "abc"' }]],
    ['M8 interval in days', { interval: '1d' }, [{ rule: 'M8', path: `${at}.interval`, message: 'invalid interval string: time: unknown unit "d" in duration "1d"' }]],
    ['a negative interval is accepted', { interval: '-5s' }, []],
    ['M9 bad initialDelay, named startDelay as upstream does', { initialDelay: 'soon' }, [{ rule: 'M9', path: `${at}.initialDelay`, message: 'invalid startDelay string: time: invalid duration "soon"' }]],
    ['M10 no provider', { provider: {} }, [{ rule: 'M10', path: `${at}.provider`, message: 'no provider specified' }]],
    ['M10 an empty plugin map is no provider', { provider: { plugin: {} } }, [{ rule: 'M10', path: `${at}.provider`, message: 'no provider specified' }]],
    ['M10 two providers', { provider: { ...prometheus, web: { url: 'http://x' } } }, [{ rule: 'M10', path: `${at}.provider`, message: 'multiple providers specified' }]],
    ['M10 each plugin key counts', { provider: { plugin: { 'a/one': {}, 'b/two': {} } } }, [{ rule: 'M10', path: `${at}.provider`, message: 'multiple providers specified' }]],
    ['one plugin is one provider', { provider: { plugin: { 'argoproj-labs/sample-prometheus': { address: 'http://p' } } } }, []],
    ['M11 a non-numeric limit', { failureLimit: 'two' }, [{ rule: 'M11', path: `${at}.failureLimit`, message: 'failureLimit must be an integer or {{args.<name>}}, got "two"' }]],
    ['placeholders are not checked', { count: '{{args.count}}', failureLimit: '{{ args.limit }}', interval: '{{args.interval}}', initialDelay: '{{args.delay}}' }, []],
    [
      'every failing check is reported, not only the first',
      { consecutiveSuccessLimit: -1, failureLimit: -5, interval: '5', initialDelay: 'x', provider: {} },
      [
        { rule: 'M1', path: `${at}.consecutiveSuccessLimit`, message: 'consecutiveSuccessLimit must be >= 0' },
        { rule: 'M2', path: `${at}.failureLimit`, message: 'failureLimit must be >= 0, or -1 to be disabled' },
        { rule: 'M8', path: `${at}.interval`, message: 'invalid interval string: time: missing unit in duration "5"' },
        { rule: 'M9', path: `${at}.initialDelay`, message: 'invalid startDelay string: time: invalid duration "x"' },
        { rule: 'M10', path: `${at}.provider`, message: 'no provider specified' },
      ],
    ],
  ])('%s', (_name, over, expected) => {
    expect(brief(validateMetric(metric(over), at))).toEqual(expected);
  });

  test('errors carry the offending value and Go error type', () => {
    expect(validateMetric(metric({ failureLimit: -2, provider: {} }), 'spec.metrics[3]')).toEqual([
      { rule: 'M2', path: 'spec.metrics[3].failureLimit', type: 'Invalid', value: -2, message: 'failureLimit must be >= 0, or -1 to be disabled' },
      { rule: 'M10', path: 'spec.metrics[3].provider', type: 'Required', message: 'no provider specified' },
    ]);
  });
});

describe('metric name rules', () => {
  test.each([
    ['.*', 'latency', true],
    ['lat', 'p99-latency', true],
    ['^lat$', 'latency', false],
    ['*', 'latency', false],
    ['(?i)LATENCY', 'latency', true],
    ['(?=lat)', 'latency', false],
    ['(a)\\1', 'aa', false],
    ['web-[', 'web-', false],
  ])('%p selects %p: %p', (rule, name, expected) => {
    expect(metricNameRuleMatches(rule, name)).toBe(expected);
  });

  test('Go flag groups apply', () => {
    expect(metricNameRuleMatches('(?is)A.B', 'a\nb')).toBe(true);
  });

  test('a pattern that backtracks exponentially in JavaScript answers at once', () => {
    expect(metricNameRuleMatches('(a+)+$', `${'a'.repeat(10_000)}b`)).toBe(false);
    expect(metricNameRuleMatches('(a+)+b$', `${'a'.repeat(10_000)}b`)).toBe(true);
  });

  test('compileMetricNameRule says why Go refuses a pattern', () => {
    const r = compileMetricNameRule('(a+');
    expect(E.isLeft(r) && r.left.message).toBe('error parsing regexp: missing closing ): `(a+`');
  });
});

describe('validateAnalysisRun', () => {
  test.each<[string, AnalysisRun, Array<{ rule: string; path: string; message: string }>]>([
    ['a valid run', run({ dryRun: [{ metricName: '.*' }], measurementRetention: [{ metricName: 'm', limit: 5 }] }), []],
    ['AR2 no metrics', run({ metrics: [] }), [{ rule: 'AR2', path: 'spec.metrics', message: 'no metrics specified' }]],
    [
      'AR3 duplicate metric names, at the repeat',
      run({ metrics: [metric({ name: 'a' }), metric({ name: 'b' }), metric({ name: 'a' })] }),
      [{ rule: 'AR3', path: 'spec.metrics[2].name', message: "duplicate name 'a'" }],
    ],
    [
      'AR4 metric errors at the metric index',
      run({ metrics: [metric({ name: 'a' }), metric({ name: 'b', failureLimit: -2 })] }),
      [{ rule: 'M2', path: 'spec.metrics[1].failureLimit', message: 'failureLimit must be >= 0, or -1 to be disabled' }],
    ],
    [
      'AR5 the wildcard * matches nothing, and says why',
      run({ dryRun: [{ metricName: '*' }] }),
      [{ rule: 'AR5', path: 'spec.dryRun[0].metricName', message: "Rule didn't match any metric name(s): error parsing regexp: missing argument to repetition operator: `*`" }],
    ],
    [
      'AR5 a pattern that backtracks exponentially in JavaScript, on a metric it does not match',
      run({ metrics: [metric({ name: `${'a'.repeat(40)}b` })], dryRun: [{ metricName: '(a+)+$' }] }),
      [{ rule: 'AR5', path: 'spec.dryRun[0].metricName', message: "Rule didn't match any metric name(s)" }],
    ],
    [
      'N1 numbers that do not fit their type; N2 negative limits, TTLs and timeouts',
      run({
        metrics: [metric({ provider: { web: { url: 'http://x', timeoutSeconds: -1 } }, count: 3e9, interval: '1s' })],
        measurementRetention: [{ metricName: 'm', limit: -2 }],
        ttlStrategy: { secondsAfterCompletion: -1, secondsAfterFailure: 0.5 },
      }),
      [
        { rule: 'N1', path: 'spec.metrics[0].count', message: 'must be a 32-bit integer (from -2147483648 to 2147483647) or a string' },
        { rule: 'N1', path: 'spec.ttlStrategy.secondsAfterFailure', message: 'must be a 32-bit integer (from -2147483648 to 2147483647)' },
        { rule: 'N2', path: 'spec.measurementRetention[0].limit', message: 'must be greater than or equal to 0' },
        { rule: 'N2', path: 'spec.ttlStrategy.secondsAfterCompletion', message: 'must be greater than or equal to 0' },
        { rule: 'N2', path: 'spec.metrics[0].provider.web.timeoutSeconds', message: 'must be greater than or equal to 0' },
      ],
    ],
    [
      'AR6 an invalid retention pattern',
      run({ measurementRetention: [{ metricName: '(a+', limit: 1 }] }),
      [{ rule: 'AR6', path: 'spec.measurementRetention[0].metricName', message: "Rule didn't match any metric name(s): error parsing regexp: missing closing ): `(a+`" }],
    ],
    ['AR5 rules are unanchored', run({ metrics: [metric({ name: 'p99-latency' })], dryRun: [{ metricName: 'latency' }] }), []],
    [
      'AR6 a retention rule that matches no metric',
      run({ measurementRetention: [{ metricName: 'm', limit: 3 }, { metricName: 'other', limit: 3 }] }),
      [{ rule: 'AR6', path: 'spec.measurementRetention[1].metricName', message: "Rule didn't match any metric name(s)" }],
    ],
    [
      'AN4 two dry-run rules for one name',
      run({ dryRun: [{ metricName: 'm' }, { metricName: 'm' }] }),
      [{ rule: 'AN4', path: 'spec.dryRun[1].metricName', message: "two Dry-Run metric rules have the same name 'm'" }],
    ],
    [
      'AN5 two retention rules for one name',
      run({ measurementRetention: [{ metricName: 'm', limit: 1 }, { metricName: 'm', limit: 2 }] }),
      [{ rule: 'AN5', path: 'spec.measurementRetention[1].metricName', message: "two Measurement Retention metric rules have the same name 'm'" }],
    ],
    ['AR1 an arg without a value', run({ args: [{ name: 'svc' }] }), [{ rule: 'AR1', path: 'spec.args[0]', message: 'argument "svc" was not supplied' }]],
    [
      'AR1 a fieldRef is not resolved inside a run; a secret is',
      run({ args: [{ name: 'ns', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }, { name: 'token', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }),
      [{ rule: 'AR1', path: 'spec.args[0]', message: 'argument "ns" was not supplied' }],
    ],
    [
      'AR1 a placeholder no arg resolves',
      run({ args: [{ name: 'svc', value: 'x' }], metrics: [metric({ provider: { prometheus: { query: 'up{svc="{{args.svc}}",ns="{{ args.ns }}"}' } } })] }),
      [{ rule: 'AR1', path: 'spec.metrics[0].provider.prometheus.query', message: 'failed to resolve {{ args.ns }}' }],
    ],
    [
      'TA1 an arg with both value and valueFrom',
      run({ args: [{ name: 'k', value: 'v', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }),
      [{ rule: 'TA1', path: 'spec.args[0]', message: "arg 'k' has both Value and ValueFrom fields" }],
    ],
  ])('%s', (_name, input, expected) => {
    expect(brief(validateAnalysisRun(input))).toEqual(expected);
  });
});

describe('validateAnalysisTemplate', () => {
  test.each<[string, AnalysisTemplateSpec, Array<{ rule: string; path: string; message: string }>]>([
    ['a valid template', { metrics: [metric()], args: [{ name: 'a' }] }, []],
    [
      'AN3 neither metrics nor templates',
      { metrics: [] },
      [{ rule: 'AN3', path: 'spec.metrics', message: 'AnalysisTemplate needs at least one metric in spec.metrics or one template in spec.templates; found neither' }],
    ],
    ['a template composing others needs no metrics of its own', { templates: [{ templateName: 'other' }], dryRun: [{ metricName: 'from-other' }] }, []],
    [
      'TA1 an arg with both value and valueFrom, with the template name',
      { metrics: [metric()], args: [{ name: 'k', value: 'v', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] },
      [{ rule: 'TA1', path: 'spec.args[0]', message: "AnalysisTemplate t: arg 'k' has both Value and ValueFrom fields" }],
    ],
    [
      'AN1 an arg declared twice',
      { metrics: [metric()], args: [{ name: 'a' }, { name: 'b' }, { name: 'a', value: '1' }] },
      [{ rule: 'AN1', path: 'spec.args[2].name', message: "argument 'a' is declared more than once (first at spec.args[0])" }],
    ],
    ['AN2 an empty arg name', { metrics: [metric()], args: [{ name: '' }] }, [{ rule: 'AN2', path: 'spec.args[0].name', message: 'argument name must not be empty' }]],
    [
      'AR3 duplicate metric names, with the build-time message',
      { metrics: [metric({ name: 'a' }), metric({ name: 'a' })] },
      [{ rule: 'AR3', path: 'spec.metrics[1].name', message: "two metrics have the same name 'a'" }],
    ],
    [
      'TA2 a placeholder naming an undeclared arg',
      { metrics: [metric({ provider: { web: { url: 'http://{{args.host}}/{{args.path}}' } } })], args: [{ name: 'host' }] },
      [{ rule: 'TA2', path: 'spec.metrics[0].provider.web.url', message: 'AnalysisTemplate t: failed to resolve {{args.path}}' }],
    ],
    [
      'TA2 Helm-style templating fails too',
      { metrics: [metric({ provider: { prometheus: { query: 'up{job="{{ .Values.job }}"}' } } })] },
      [{ rule: 'TA2', path: 'spec.metrics[0].provider.prometheus.query', message: 'AnalysisTemplate t: failed to resolve {{ .Values.job }}' }],
    ],
    ['AR5 a dry-run rule matching no metric', { metrics: [metric()], dryRun: [{ metricName: 'x' }] }, [{ rule: 'AR5', path: 'spec.dryRun[0].metricName', message: "Rule didn't match any metric name(s)" }]],
    [
      'AR4 metric checks run on templates, placeholders skipped',
      { metrics: [metric({ count: '{{args.n}}' }), metric({ name: 'b', count: 2 })], args: [{ name: 'n' }] },
      [{ rule: 'M7', path: 'spec.metrics[1].interval', message: 'interval must be specified when count > 1' }],
    ],
  ])('%s', (_name, spec, expected) => {
    expect(brief(validateAnalysisTemplate(template(spec)))).toEqual(expected);
  });

  test('ClusterAnalysisTemplate names its kind', () => {
    const t: ClusterAnalysisTemplate = { metadata: { name: 'c' }, spec: {} };
    expect(brief(validateClusterAnalysisTemplate(t))).toEqual([
      { rule: 'AN3', path: 'spec.metrics', message: 'ClusterAnalysisTemplate needs at least one metric in spec.metrics or one template in spec.templates; found neither' },
    ]);
  });
});

describe('indefiniteMetrics (TA3)', () => {
  const msg = (count: string) => `AnalysisTemplate t has metric m which runs indefinitely. Invalid value for count: ${count}`;
  test.each<[string, AnalysisTemplateSpec, Array<{ rule: string; path: string; message: string }>]>([
    ['interval and no count', { metrics: [metric({ interval: '1m' })] }, [{ rule: 'TA3', path: 'spec.metrics[0].count', message: msg('<nil>') }]],
    ['interval and count 0', { metrics: [metric({ interval: '1m', count: 0 })] }, [{ rule: 'TA3', path: 'spec.metrics[0].count', message: msg('0') }]],
    ['a count arg without value reads as dummy-value', { args: [{ name: 'n' }], metrics: [metric({ interval: '1m', count: '{{args.n}}' })] }, [{ rule: 'TA3', path: 'spec.metrics[0].count', message: msg('dummy-value') }]],
    ["a count arg is read with the template's own value", { args: [{ name: 'n', value: '3' }], metrics: [metric({ interval: '1m', count: '{{ args.n }}' })] }, []],
    ['no interval runs once', { metrics: [metric()] }, []],
    ['a negative count is finite', { metrics: [metric({ interval: '1m', count: -1 })] }, []],
  ])('%s', (_name, spec, expected) => {
    expect(brief(indefiniteMetrics(spec, { templateName: 't' }))).toEqual(expected);
  });

  test('the path prefix is configurable', () => {
    expect(indefiniteMetrics({ metrics: [metric({ interval: '1m' }), metric({ name: 'n', interval: '5s', count: 'x' })] }, { templateName: 't', path: 'templates[1].spec' }).map((e) => e.path)).toEqual([
      'templates[1].spec.metrics[0].count',
      'templates[1].spec.metrics[1].count',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Manifests: our fixtures and, when present, upstream's examples decode strictly and validate clean.

const KINDS: Record<string, { codec: Codec<any>; validate: (x: any) => ValidationError[] }> = {
  AnalysisTemplate: { codec: AnalysisTemplate, validate: validateAnalysisTemplate },
  ClusterAnalysisTemplate: { codec: ClusterAnalysisTemplate, validate: validateClusterAnalysisTemplate },
  AnalysisRun: { codec: AnalysisRun, validate: validateAnalysisRun },
};

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? yamlFiles(path.join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : []))
    .sort();
}

/** Every document of the given kinds in the files, with where it came from. */
function documents(files: readonly string[], kinds: readonly string[]): Array<{ where: string; kind: string; doc: unknown }> {
  return files.flatMap((file) =>
    parseAllDocuments(fs.readFileSync(file, 'utf8'), { logLevel: 'error' }).flatMap((d, i) => {
      const doc = d.toJS() as { kind?: unknown } | null;
      return doc !== null && typeof doc === 'object' && typeof doc.kind === 'string' && kinds.includes(doc.kind) ? [{ where: `${file}#${i}`, kind: doc.kind, doc }] : [];
    }),
  );
}

function decodeAndValidate(kind: string, doc: unknown): { decodeErrors: string[]; validationErrors: string[] } {
  const k = KINDS[kind]!;
  const decoded = decode(k.codec, doc, { strict: true });
  if (E.isLeft(decoded)) return { decodeErrors: decoded.left.map((e) => e.message), validationErrors: [] };
  return { decodeErrors: [], validationErrors: k.validate(decoded.right).map((e) => `${e.path}: ${e.message}`) };
}

describe('our analysis fixtures', () => {
  const fixtures = yamlFiles(path.join(__dirname, '..', '..', 'test', 'fixtures')).filter((f) => path.basename(f).startsWith('analysis-'));
  const docs = documents(fixtures, Object.keys(KINDS));

  test('cover every analysis kind', () => {
    expect(new Set(docs.map((d) => d.kind))).toEqual(new Set(Object.keys(KINDS)));
  });

  test.each(docs.map((d) => [d.where.replace(/.*fixtures\//, ''), d.kind, d.doc] as const))('%s (%s) decodes strictly and validates clean', (_where, kind, doc) => {
    expect(decodeAndValidate(kind, doc)).toEqual({ decodeErrors: [], validationErrors: [] });
  });

  test('strict decoding would report a misspelt field in them', () => {
    const doc = docs.find((d) => d.kind === 'AnalysisRun')!.doc as { spec: { metrics: Array<Record<string, unknown>> } };
    const broken = { ...doc, spec: { ...doc.spec, metrics: [{ ...doc.spec.metrics[0], intervall: '5m' }] } };
    expect(decodeAndValidate('AnalysisRun', broken).decodeErrors).toEqual(['spec.metrics[0].intervall: unknown field "intervall"']);
  });
});

describe('upstream analysis examples', () => {
  const dir = path.join(__dirname, '..', '..', '..', '..', '..', 'shared', 'reference', 'argo-rollouts', 'examples');
  /**
   * Upstream examples that are broken as written, with the decode errors they must give. In
   * rollout-linkerd.yaml an unquoted `linkerd.io/inject: {{args.linkerd-enabled}}` is a YAML flow mapping,
   * not a string, so the API server rejects that AnalysisTemplate too.
   */
  const knownBroken: Record<string, string[]> = {
    'traffic-management/rollout-linkerd.yaml#4': ['spec.metrics[0].provider.job.spec.template.metadata.annotations["linkerd.io/inject"]: expected string, got object'],
  };

  test('decode strictly and validate clean', () => {
    if (!fs.existsSync(dir)) {
      console.log(`The upstream examples were not found at ${dir}; this test is skipped.`);
      return;
    }
    const docs = documents(yamlFiles(dir), Object.keys(KINDS));
    expect(docs.length).toBeGreaterThanOrEqual(7); // 6 AnalysisTemplates and 1 ClusterAnalysisTemplate at 9f8d111
    const results = Object.fromEntries(docs.map((d) => [path.relative(dir, d.where), decodeAndValidate(d.kind, d.doc)]));
    const problems = Object.fromEntries(Object.entries(results).filter(([, r]) => r.decodeErrors.length + r.validationErrors.length > 0));
    expect(problems).toEqual(Object.fromEntries(Object.entries(knownBroken).map(([k, decodeErrors]) => [k, { decodeErrors, validationErrors: [] }])));
  });
});
