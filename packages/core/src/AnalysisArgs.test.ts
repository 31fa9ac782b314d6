import * as E from 'fp-ts/lib/Either';
import type { Argument, Metric } from '@rollouts/api';
import {
  REDACTED,
  SECRET_ARGUMENT_PLACEHOLDER,
  argumentsWithSecretPlaceholders,
  argumentsWithSecretValues,
  metricJson,
  redactSecretForms,
  redactSecrets,
  resolveMetricArgs,
  resolveMetricsArgs,
  screenSecrets,
  secretArgumentsIn,
  secretArgumentsOf,
  secretScreen,
  substituteTags,
} from './AnalysisArgs';

const prom = (query: string, extra: Partial<Metric> = {}): Metric => ({ name: 'rate', provider: { prometheus: { address: 'http://prom:9090', query } }, ...extra });

const value = <A>(e: E.Either<string, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected a value, got ${e.left}`);
  return e.right;
};
const error = <A>(e: E.Either<string, A>): string => {
  if (E.isRight(e)) throw new Error(`expected an error, got ${JSON.stringify(e.right)}`);
  return e.left;
};

describe('resolveMetricArgs (§7.2)', () => {
  it.each<[string, Metric, Array<{ name: string; value?: string | null }>, (m: Metric) => unknown, unknown]>([
    ['substitutes a tag in a query', prom('up{svc="{{args.svc}}"}'), [{ name: 'svc', value: 'web' }], (m) => m.provider.prometheus?.query, 'up{svc="web"}'],
    ['trims spaces inside the tag', prom('x{{ args.svc }}y'), [{ name: 'svc', value: 'web' }], (m) => m.provider.prometheus?.query, 'xweby'],
    ['substitutes every occurrence', prom('{{args.a}}-{{args.a}}'), [{ name: 'a', value: '1' }], (m) => m.provider.prometheus?.query, '1-1'],
    ['a quote in a value stays a quote (JSON-escaped, then read back)', prom('q="{{args.a}}"'), [{ name: 'a', value: 'say "hi"' }], (m) => m.provider.prometheus?.query, 'q="say "hi""'],
    ['a backslash and a newline survive', prom('{{args.a}}'), [{ name: 'a', value: 'a\\b\nc' }], (m) => m.provider.prometheus?.query, 'a\\b\nc'],
    ['a templated count becomes the string value', prom('q', { count: '{{args.n}}' }), [{ name: 'n', value: '5' }], (m) => m.count, '5'],
    ['a templated interval', prom('q', { interval: '{{args.every}}' }), [{ name: 'every', value: '30s' }], (m) => m.interval, '30s'],
    ['a templated successCondition', prom('q', { successCondition: 'result[0] >= {{args.min}}' }), [{ name: 'min', value: '0.95' }], (m) => m.successCondition, 'result[0] >= 0.95'],
    ['unused args are fine', prom('q'), [{ name: 'unused', value: 'x' }], (m) => m.provider.prometheus?.query, 'q'],
    ['an empty value is a value', prom('a{{args.e}}b'), [{ name: 'e', value: '' }], (m) => m.provider.prometheus?.query, 'ab'],
    ['tags in nested headers', { name: 'w', provider: { web: { url: 'http://x', headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }] } } }, [{ name: 'token', value: 't0k' }], (m) => m.provider.web?.headers?.[0]?.value, 'Bearer t0k'],
    ['tags in a job spec', { name: 'j', provider: { job: { spec: { template: { spec: { containers: [{ name: 'c', image: 'img:{{args.tag}}' }] } } } } } }, [{ name: 'tag', value: 'v2' }], (m) => m.provider.job?.spec.template.spec?.containers[0]?.image, 'img:v2'],
  ])('%s', (_name, metric, args, pick, expected) => {
    expect(pick(value(resolveMetricArgs(metric, args)))).toBe(expected);
  });

  it.each<[string, Metric, Array<{ name: string; value?: string | null }>, string]>([
    ['an unknown arg', prom('{{args.nope}}'), [{ name: 'svc', value: 'x' }], 'failed to resolve {{args.nope}}'],
    ['the raw tag, spaces kept, is reported', prom('{{ args.nope }}'), [], 'failed to resolve {{ args.nope }}'],
    ['Helm/Go templating fails too', prom('{{ .Values.x }}'), [], 'failed to resolve {{ .Values.x }}'],
    ['a tag that is not args.*', prom('{{metrics.x}}'), [], 'failed to resolve {{metrics.x}}'],
    ['an arg without a value', prom('q'), [{ name: 'a', value: 'x' }, { name: 'b' }, { name: 'c' }], 'argument "b" was not supplied'],
    ['an unsupplied arg fails before any tag', prom('{{args.zzz}}'), [{ name: 'b', value: null }], 'argument "b" was not supplied'],
    [
      'only the last unresolved tag in Go field order is reported (provider comes after successCondition)',
      prom('{{args.inQuery}}', { successCondition: '{{args.inCondition}}', interval: '{{args.inInterval}}' }),
      [],
      'failed to resolve {{args.inQuery}}',
    ],
    [
      'consecutiveSuccessLimit is marshalled after provider',
      prom('{{args.inQuery}}', { consecutiveSuccessLimit: '{{args.last}}' }),
      [],
      'failed to resolve {{args.last}}',
    ],
  ])('%s', (_name, metric, args, message) => {
    expect(error(resolveMetricArgs(metric, args))).toBe(message);
  });

  it('an unclosed tag runs to the next "}}" of the JSON, as upstream (the closing braces of the provider)', () => {
    expect(error(resolveMetricArgs(prom('a{{args.x'), [{ name: 'x', value: '1' }]))).toBe('failed to resolve {{args.x"}}');
  });

  it('a "{{" with no "}}" after it fails as fasttemplate does', () => {
    expect(error(substituteTags('{"q":"a{{b"', () => 'x'))).toBe('Cannot find end tag="}}" in the template="{\\"q\\":\\"a{{b\\"" starting from "b\\""');
  });

  it('returns the metric unchanged when there is nothing to substitute', () => {
    const m = prom('sum(rate(x[5m]))');
    expect(value(resolveMetricArgs(m, []))).toBe(m);
  });

  it('resolveMetricsArgs stops at the first failing metric', () => {
    const ms = [prom('{{args.a}}'), { ...prom('{{args.b}}'), name: 'two' }, { ...prom('{{args.c}}'), name: 'three' }];
    expect(error(resolveMetricsArgs(ms, [{ name: 'a', value: '1' }]))).toBe('failed to resolve {{args.b}}');
    expect(value(resolveMetricsArgs(ms.slice(0, 1), [{ name: 'a', value: '1' }]))[0]?.provider.prometheus?.query).toBe('1');
  });
});

describe('metricJson', () => {
  it('orders top-level fields as Go marshals a Metric and leaves out null fields', () => {
    const m = { consecutiveSuccessLimit: 1, provider: { web: { url: 'u' } }, name: 'n', count: 2, interval: null, failureLimit: 0 } as unknown as Metric;
    expect(metricJson(m)).toBe('{"name":"n","count":2,"failureLimit":0,"provider":{"web":{"url":"u"}},"consecutiveSuccessLimit":1}');
  });
});

describe('substituteTags', () => {
  it('keeps text around tags and reports the last unknown tag', () => {
    expect(substituteTags('a{{x}}b', (t) => (t === 'x' ? 'X' : undefined))).toEqual(E.right('aXb'));
    expect(substituteTags('{{p}} {{q}}', () => undefined)).toEqual(E.left('failed to resolve {{q}}'));
    expect(substituteTags('no tags', () => undefined)).toEqual(E.right('no tags'));
  });
});

describe('secret arguments', () => {
  const args: Argument[] = [
    { name: 'plain', value: 'p' },
    { name: 'token', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
    { name: 'fromField', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ];

  it('stand in as a placeholder while validating; other valueFrom args stay unsupplied', () => {
    expect(argumentsWithSecretPlaceholders(args)).toEqual([
      { name: 'plain', value: 'p' },
      { name: 'token', value: SECRET_ARGUMENT_PLACEHOLDER },
      { name: 'fromField', value: null },
    ]);
  });

  it('are filled from the Secret when measuring, and their values listed for redaction', () => {
    const r = value(argumentsWithSecretValues(args, { creds: { token: 's3cr3t' } }));
    expect(r.args).toEqual([
      { name: 'plain', value: 'p' },
      { name: 'token', value: 's3cr3t' },
      { name: 'fromField', value: null },
    ]);
    expect(r.secretValues).toEqual(['s3cr3t']);
  });

  it('the secret wins over a value set beside it', () => {
    const r = value(argumentsWithSecretValues([{ name: 'k', value: 'plain', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }], { s: { k: 'hidden' } }));
    expect(r.args).toEqual([{ name: 'k', value: 'hidden' }]);
  });

  it.each<[string, Record<string, Record<string, string>> | undefined, string]>([
    ['a missing Secret', { other: {} }, 'secrets "creds" not found'],
    ['no Secrets at all', undefined, 'secrets "creds" not found'],
    ['a missing key', { creds: { password: 'x' } }, "key 'token' does not exist in secret 'creds'"],
  ])('%s fails with the API’s message', (_name, secrets, message) => {
    expect(error(argumentsWithSecretValues(args, secrets))).toBe(message);
  });
});

describe('redactSecrets', () => {
  it.each<[string, string, string[], string]>([
    ['every occurrence', 'token=abc; again abc', ['abc'], `token=${REDACTED}; again ${REDACTED}`],
    ['several secrets', 'user u1 pass p1', ['u1', 'p1'], `user ${REDACTED} pass ${REDACTED}`],
    ['a longer secret containing a shorter one is hidden whole', 'key=abcdef', ['abc', 'abcdef'], `key=${REDACTED}`],
    ['empty secrets are ignored', 'nothing to hide', [''], 'nothing to hide'],
    ['no secrets', 'plain', [], 'plain'],
  ])('%s', (_name, message, secrets, expected) => {
    expect(redactSecrets(message, secrets)).toBe(expected);
  });
});

describe('secret screening (issue #15: no secret in any message, whole or in part)', () => {
  const token = 'S3CR3T-TOKEN-q7Zx9';
  const screen = secretScreen([{ name: 'token', value: token }]);
  const withheld = (names: string) => `withheld (${names})`;

  it.each<[string, string, string]>([
    ['a message without the secret is kept', 'unknown name result at position 0', 'unknown name result at position 0'],
    ['the whole secret is redacted, as upstream', `GET https://api?key=${token}: 401`, `GET https://api?key=${REDACTED}: 401`],
    ['a parser quoting a part of it is withheld whole, naming the argument', 'unknown name S3CR3T at position 10', 'withheld (the secret argument "token")'],
    ['any 4 characters of it are enough', 'unexpected token q7Zx at position 24', 'withheld (the secret argument "token")'],
    ['3 characters are not', 'the S3C building', 'the S3C building'],
    ['the JSON-escaped form counts', 'body {"k":"S3CR3T"}', 'withheld (the secret argument "token")'],
  ])('%s', (_name, text, expected) => {
    expect(screenSecrets(text, screen, withheld)).toBe(expected);
  });

  it('finds the URL-encoded and JSON-escaped forms of a secret with special characters', () => {
    const odd = secretScreen([{ name: 'pw', value: 'a b"c/d&e' }]);
    expect(screenSecrets('GET /x?pw=a%20b%22c%2Fd%26e failed', odd, withheld)).toBe(`GET /x?pw=${REDACTED} failed`);
    expect(screenSecrets('body {"pw":"a b\\"c/d&e"}', odd, withheld)).toBe(`body {"pw":"${REDACTED}"}`);
    expect(screenSecrets('near b%22c%2F', odd, withheld)).toBe('withheld (the secret argument "pw")');
  });

  it('names every argument that shows, in the order of the args', () => {
    const two = secretScreen([
      { name: 'user', value: 'alice-in-chains' },
      { name: 'pass', value: 'correct-horse' },
    ]);
    expect(secretArgumentsIn('horse and chains', two)).toEqual(['user', 'pass']);
    expect(screenSecrets('horse and chains', two, withheld)).toBe('withheld (the secret arguments "user", "pass")');
  });

  it('a common word shared with the secret is withheld too (the safe side: a false positive)', () => {
    const weak = secretScreen([{ name: 'key', value: 'hunter2' }]);
    expect(screenSecrets('invalid interval', weak, withheld)).toBe('withheld (the secret argument "key")');
    // Text composed from parts already screened is only redacted, so our own words survive.
    expect(redactSecretForms('invalid interval; key hunter2', weak)).toBe(`invalid interval; key ${REDACTED}`);
  });

  it('without secrets nothing changes', () => {
    expect(screenSecrets('anything at all', secretScreen([]), withheld)).toBe('anything at all');
    expect(secretArgumentsIn('anything', secretScreen([]))).toEqual([]);
  });

  it('secretArgumentsOf lists the secret arguments whose Secrets could be read, whatever else is missing', () => {
    const args: Argument[] = [
      { name: 'plain', value: 'p' },
      { name: 'token', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
      { name: 'gone', valueFrom: { secretKeyRef: { name: 'missing', key: 'k' } } },
    ];
    expect(secretArgumentsOf(args, { creds: { token } })).toEqual([{ name: 'token', value: token }]);
    expect(secretArgumentsOf(args, undefined)).toEqual([]);
    expect(value(argumentsWithSecretValues(args.slice(0, 2), { creds: { token } })).secrets).toEqual([{ name: 'token', value: token }]);
  });
});
