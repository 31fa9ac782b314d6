import * as E from 'fp-ts/lib/Either';
import type { LabelSelector, PodTemplateSpec } from '../Kubernetes';
import {
  dns1123LabelProblems,
  labelValueProblems,
  parseLabelSelector,
  portNameProblems,
  qualifiedNameProblems,
  selectorMatchesLabels,
  validateLabelSelector,
  validateLabels,
  validatePodTemplateSpecForReplicaSet,
  validateResourceRequirements,
} from './Kubernetes';

const NAME_REGEX =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const PREFIX_REGEX =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const VALUE_REGEX =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const DNS_LABEL_REGEX =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('qualifiedNameProblems (label keys)', () => {
  it.each(['app', 'App_1', 'a', 'app.kubernetes.io/name', 'example.com/My.Name-1', `${'a'.repeat(63)}`, `${'b'.repeat(253)}/x`])('%j is valid', (k) => {
    expect(qualifiedNameProblems(k)).toEqual([]);
  });
  it.each([
    ['', ['name part must be non-empty', `name part ${NAME_REGEX}`]],
    ['-app', [`name part ${NAME_REGEX}`]],
    ['app_', [`name part ${NAME_REGEX}`]],
    ['a b', [`name part ${NAME_REGEX}`]],
    ['a'.repeat(64), ['name part must be no more than 63 characters']],
    ['/app', ['prefix part must be non-empty']],
    ['Example.com/app', [`prefix part ${PREFIX_REGEX}`]],
    ['example.com/', ['name part must be non-empty', `name part ${NAME_REGEX}`]],
    [`${'b'.repeat(254)}/x`, ['prefix part must be no more than 253 characters']],
    [
      'a/b/c',
      [`a qualified name ${NAME_REGEX} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`],
    ],
  ])('%j', (k, problems) => {
    expect(qualifiedNameProblems(k)).toEqual(problems);
  });
});

describe('labelValueProblems, dns1123LabelProblems, portNameProblems', () => {
  it('accepts empty and well-formed label values and rejects others', () => {
    expect(labelValueProblems('')).toEqual([]);
    expect(labelValueProblems('v1.2_3-x')).toEqual([]);
    expect(labelValueProblems('bad value')).toEqual([VALUE_REGEX]);
    expect(labelValueProblems('x'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });
  it('checks container names as DNS-1123 labels', () => {
    expect(dns1123LabelProblems('web-1')).toEqual([]);
    expect(dns1123LabelProblems('Web')).toEqual([DNS_LABEL_REGEX]);
    expect(dns1123LabelProblems('w'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });
  it.each([
    ['http', []],
    ['h2c-metrics', []],
    ['http-metrics-port', ['must be no more than 15 characters']],
    ['HTTP', ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)']],
    ['8080', ['must contain at least one letter (a-z)']],
    ['a--b', ['must not contain consecutive hyphens']],
    ['-a', ['must not begin or end with a hyphen']],
  ])('port name %j', (name, problems) => {
    expect(portNameProblems(name)).toEqual(problems);
  });
});

describe('label selectors', () => {
  it.each<[string, LabelSelector, Array<{ path: string; type: string; message: string }>]>([
    ['matchLabels only', { matchLabels: { app: 'web' } }, []],
    [
      'all four operators',
      {
        matchExpressions: [
          { key: 'a', operator: 'In', values: ['x'] },
          { key: 'b', operator: 'NotIn', values: ['y'] },
          { key: 'c', operator: 'Exists' },
          { key: 'd', operator: 'DoesNotExist', values: [] },
        ],
      },
      [],
    ],
    [
      'In without values',
      { matchExpressions: [{ key: 'a', operator: 'In' }] },
      [{ path: 'sel.matchExpressions[0].values', type: 'Required', message: "must be specified when `operator` is 'In' or 'NotIn'" }],
    ],
    [
      'Exists with values',
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      [{ path: 'sel.matchExpressions[0].values', type: 'Forbidden', message: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'" }],
    ],
    [
      'unknown operator, bad key, bad value',
      { matchExpressions: [{ key: 'a b', operator: 'Equals', values: ['not ok'] }] },
      [
        { path: 'sel.matchExpressions[0].operator', type: 'Invalid', message: 'not a valid selector operator' },
        { path: 'sel.matchExpressions[0].key', type: 'Invalid', message: `name part ${NAME_REGEX}` },
        { path: 'sel.matchExpressions[0].values[0]', type: 'Invalid', message: VALUE_REGEX },
      ],
    ],
    [
      'bad matchLabels key and value',
      { matchLabels: { 'bad key': 'ok', good: 'bad value' } },
      [
        { path: 'sel.matchLabels', type: 'Invalid', message: `name part ${NAME_REGEX}` },
        { path: 'sel.matchLabels.good', type: 'Invalid', message: VALUE_REGEX },
      ],
    ],
  ])('validateLabelSelector: %s', (_, selector, expected) => {
    expect(validateLabelSelector(selector, 'sel', 'X').map(({ path, type, message }) => ({ path, type, message }))).toEqual(expected);
  });

  it('reports the offending key or value of a label map as the value', () => {
    expect(validateLabels({ 'a/b/c': 'v', k: '-v' }, 'labels', 'R7').map((e) => e.value)).toEqual(['a/b/c', '-v']);
  });

  it.each<[string, LabelSelector | null, Record<string, string> | null, boolean]>([
    ['nil selects nothing', null, { app: 'web' }, false],
    ['empty selects everything', {}, {}, true],
    ['empty maps select everything', { matchLabels: {}, matchExpressions: [] }, null, true],
    ['matchLabels subset', { matchLabels: { app: 'web' } }, { app: 'web', tier: 'fe' }, true],
    ['matchLabels mismatch', { matchLabels: { app: 'web' } }, { app: 'api' }, false],
    ['matchLabels missing', { matchLabels: { app: 'web' } }, null, false],
    ['In', { matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }] }, { env: 'b' }, true],
    ['In, absent', { matchExpressions: [{ key: 'env', operator: 'In', values: ['a'] }] }, {}, false],
    ['NotIn, absent', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a'] }] }, {}, true],
    ['NotIn, listed', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a'] }] }, { env: 'a' }, false],
    ['Exists', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, { env: '' }, true],
    ['DoesNotExist', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, { env: 'x' }, false],
    ['both kinds are ANDed', { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'Exists' }] }, { app: 'web' }, false],
    ['unconvertible selects nothing', { matchExpressions: [{ key: 'env', operator: 'Bogus' }] }, { env: 'x' }, false],
  ])('selectorMatchesLabels: %s', (_, selector, labels, expected) => {
    expect(selectorMatchesLabels(selector, labels)).toBe(expected);
  });

  it('parseLabelSelector fails where Kubernetes cannot convert the selector', () => {
    expect(parseLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bogus' }] })).toEqual(E.left('"Bogus" is not a valid label selector operator'));
    expect(E.isLeft(parseLabelSelector({ matchLabels: { app: 'bad value' } }))).toBe(true);
    expect(E.isLeft(parseLabelSelector({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] }))).toBe(true);
    expect(parseLabelSelector({ matchLabels: { app: 'web' } })).toEqual(
      E.right({ kind: 'requirements', requirements: [{ key: 'app', operator: 'In', values: ['web'] }] }),
    );
  });
});

describe('validateResourceRequirements', () => {
  const check = (resources: Parameters<typeof validateResourceRequirements>[0]) =>
    validateResourceRequirements(resources, 'r', 'R7').map(({ path, type, value, message }) => ({ path, type, value, message }));

  it('accepts requests at or below limits, in any units', () => {
    expect(check({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: 0.5, memory: '1024Mi' } })).toEqual([]);
    expect(check({ requests: { cpu: '100m' }, limits: { cpu: '1' } })).toEqual([]);
    expect(check({ requests: { cpu: '2' } })).toEqual([]);
  });
  it('rejects an unparsable or negative quantity and a request above its limit', () => {
    expect(check({ limits: { memory: 'invalid', cpu: '-1' }, requests: { cpu: '2', memory: '1Gi' } })).toEqual([
      {
        path: 'r.limits.memory',
        type: 'Invalid',
        value: 'invalid',
        message: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      },
      { path: 'r.limits.cpu', type: 'Invalid', value: '-1', message: 'must be greater than or equal to 0' },
      { path: 'r.requests.cpu', type: 'Invalid', value: '2', message: 'must be less than or equal to cpu limit of -1' },
    ]);
    expect(check({ requests: { memory: '2Gi' }, limits: { memory: '1Gi' } })).toEqual([
      { path: 'r.requests.memory', type: 'Invalid', value: '2Gi', message: 'must be less than or equal to memory limit of 1Gi' },
    ]);
  });
  it('wants requests equal to limits for huge pages and extended resources, which need a limit', () => {
    expect(check({ requests: { 'nvidia.com/gpu': 1, 'hugepages-2Mi': '2Mi' }, limits: { 'hugepages-2Mi': '4Mi' } })).toEqual([
      { path: 'r.limits["nvidia.com/gpu"]', type: 'Required', value: undefined, message: 'Limit must be set for non overcommitable resources' },
      { path: 'r.requests.hugepages-2Mi', type: 'Invalid', value: '2Mi', message: 'must be equal to hugepages-2Mi limit of 4Mi' },
    ]);
  });
});

describe('validatePodTemplateSpecForReplicaSet', () => {
  const selector: LabelSelector = { matchLabels: { app: 'web' } };
  const base = (): PodTemplateSpec => ({
    metadata: { labels: { app: 'web' } },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.27',
          ports: [{ name: 'http', containerPort: 8080 }],
          env: [{ name: 'MODE', value: 'x' }],
          resources: { requests: { cpu: '100m' }, limits: { cpu: '1' } },
        },
      ],
    },
  });
  const run = (t: PodTemplateSpec | null, sel: LabelSelector | null = selector) =>
    validatePodTemplateSpecForReplicaSet(t, sel, 'spec.template', 'R7').map(({ path, message }) => ({ path, message }));
  const mutate = (f: (t: any) => void): PodTemplateSpec => {
    const t = structuredClone(base()) as any;
    f(t);
    return t;
  };

  it('accepts a plain template, with Kubernetes defaults left out', () => {
    expect(run(base())).toEqual([]);
    expect(run(mutate((t) => (t.spec.restartPolicy = '')))).toEqual([]);
    expect(run(mutate((t) => (t.spec.containers[0].ports[0].protocol = 'UDP')))).toEqual([]);
  });

  it.each<[string, (t: any) => void, Array<{ path: string; message: string }>]>([
    [
      'labels that the selector does not match',
      (t) => (t.metadata.labels = { app: 'api' }),
      [{ path: 'spec.template.metadata.labels', message: '`selector` does not match template `labels`' }],
    ],
    ['no containers', (t) => (t.spec.containers = []), [{ path: 'spec.template.spec.containers', message: '' }]],
    ['no spec at all', (t) => delete t.spec, [{ path: 'spec.template.spec.containers', message: '' }]],
    [
      'restartPolicy Never',
      (t) => (t.spec.restartPolicy = 'Never'),
      [{ path: 'spec.template.spec.restartPolicy', message: 'supported values: "Always"' }],
    ],
    [
      'an unknown restartPolicy fails both the pod and the ReplicaSet check',
      (t) => (t.spec.restartPolicy = 'Sometimes'),
      [
        { path: 'spec.template.spec.restartPolicy', message: 'supported values: "Always", "OnFailure", "Never"' },
        { path: 'spec.template.spec.restartPolicy', message: 'supported values: "Always"' },
      ],
    ],
    [
      'activeDeadlineSeconds',
      (t) => (t.spec.activeDeadlineSeconds = 30),
      [{ path: 'spec.template.spec.activeDeadlineSeconds', message: 'activeDeadlineSeconds in ReplicaSet is not Supported' }],
    ],
    [
      'activeDeadlineSeconds 0',
      (t) => (t.spec.activeDeadlineSeconds = 0),
      [
        { path: 'spec.template.spec.activeDeadlineSeconds', message: 'must be between 1 and 2147483647, inclusive' },
        { path: 'spec.template.spec.activeDeadlineSeconds', message: 'activeDeadlineSeconds in ReplicaSet is not Supported' },
      ],
    ],
    [
      'a bad container name and no image',
      (t) => Object.assign(t.spec.containers[0], { name: 'Web_1', image: '' }),
      [
        { path: 'spec.template.spec.containers[0].name', message: DNS_LABEL_REGEX },
        { path: 'spec.template.spec.containers[0].image', message: '' },
      ],
    ],
    [
      'an empty container name',
      (t) => (t.spec.containers[0].name = ''),
      [{ path: 'spec.template.spec.containers[0].name', message: '' }],
    ],
    [
      'duplicate names across containers and init containers',
      (t) => {
        t.spec.containers.push({ name: 'web', image: 'x' });
        t.spec.initContainers = [{ name: 'web', image: 'y' }, { name: 'init', image: 'z' }];
      },
      [
        { path: 'spec.template.spec.containers[1].name', message: 'Duplicate value' },
        { path: 'spec.template.spec.initContainers[0].name', message: 'Duplicate value' },
      ],
    ],
    [
      'ports: bad number, bad and duplicate names, bad protocol, bad hostPort',
      (t) =>
        (t.spec.containers[0].ports = [
          { name: 'http', containerPort: 8080 },
          { name: 'http', containerPort: 70000, protocol: 'HTTP' },
          { name: 'Metrics', containerPort: 0, hostPort: -1 },
        ]),
      [
        { path: 'spec.template.spec.containers[0].ports[1].name', message: 'Duplicate value' },
        { path: 'spec.template.spec.containers[0].ports[1].containerPort', message: 'must be between 1 and 65535, inclusive' },
        { path: 'spec.template.spec.containers[0].ports[1].protocol', message: 'supported values: "SCTP", "TCP", "UDP"' },
        { path: 'spec.template.spec.containers[0].ports[2].name', message: 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)' },
        { path: 'spec.template.spec.containers[0].ports[2].containerPort', message: '' },
        { path: 'spec.template.spec.containers[0].ports[2].hostPort', message: 'must be between 1 and 65535, inclusive' },
      ],
    ],
    [
      'an env var without a name',
      (t) => t.spec.containers[0].env.push({ name: '', value: 'v' }),
      [{ path: 'spec.template.spec.containers[0].env[1].name', message: '' }],
    ],
    [
      'memory: invalid',
      (t) => (t.spec.containers[0].resources = { limits: { memory: 'invalid' } }),
      [
        {
          path: 'spec.template.spec.containers[0].resources.limits.memory',
          message: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        },
      ],
    ],
    [
      'a request above its limit',
      (t) => (t.spec.containers[0].resources = { requests: { cpu: '1500m' }, limits: { cpu: '1' } }),
      [{ path: 'spec.template.spec.containers[0].resources.requests.cpu', message: 'must be less than or equal to cpu limit of 1' }],
    ],
    [
      'unknown pull and termination-message policies',
      (t) => Object.assign(t.spec.containers[0], { imagePullPolicy: 'Sometimes', terminationMessagePolicy: 'Log' }),
      [
        { path: 'spec.template.spec.containers[0].terminationMessagePolicy', message: 'supported values: "File", "FallbackToLogsOnError"' },
        { path: 'spec.template.spec.containers[0].imagePullPolicy', message: 'supported values: "Always", "IfNotPresent", "Never"' },
      ],
    ],
    [
      'init containers get the container checks',
      (t) => (t.spec.initContainers = [{ name: 'init' }]),
      [{ path: 'spec.template.spec.initContainers[0].image', message: '' }],
    ],
    [
      'ephemeral containers',
      (t) => (t.spec.ephemeralContainers = [{ name: 'debug', image: 'busybox' }]),
      [{ path: 'spec.template.spec.ephemeralContainers', message: 'ephemeral containers not allowed in pod template' }],
    ],
    [
      'bad label value, annotation key and nodeSelector',
      (t) => {
        t.metadata.labels.tier = '-x';
        t.metadata.annotations = { 'a/b/c': 'v', 'Example.COM/Ok': 'v' };
        t.spec.nodeSelector = { 'kubernetes.io/os': 'linux', zone: 'bad value' };
      },
      [
        { path: 'spec.template.metadata.labels.tier', message: VALUE_REGEX },
        {
          path: 'spec.template.metadata.annotations',
          message: `a qualified name ${NAME_REGEX} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
        },
        { path: 'spec.template.spec.nodeSelector.zone', message: VALUE_REGEX },
      ],
    ],
  ])('%s', (_, f, expected) => {
    expect(run(mutate(f))).toEqual(expected);
  });

  it('compares labels with the selector: nil matches nothing, empty everything, unconvertible is not compared', () => {
    expect(run(base(), null)).toEqual([{ path: 'spec.template.metadata.labels', message: '`selector` does not match template `labels`' }]);
    expect(run(mutate((t) => delete t.metadata), {})).toEqual([]);
    expect(run(base(), { matchExpressions: [{ key: 'app', operator: 'Bogus' }] })).toEqual([]);
  });

  it('reports Required and NotSupported with the kinds and values Kubernetes uses', () => {
    const errors = validatePodTemplateSpecForReplicaSet(
      mutate((t) => {
        t.spec.containers = [];
        t.spec.restartPolicy = 'Never';
      }),
      selector,
      'spec.template',
      'R7',
    );
    expect(errors).toEqual([
      { rule: 'R7', path: 'spec.template.spec.containers', type: 'Required', message: '' },
      { rule: 'R7', path: 'spec.template.spec.restartPolicy', type: 'NotSupported', value: 'Never', message: 'supported values: "Always"' },
    ]);
  });
});
