import * as fs from 'fs';
import * as path from 'path';
import * as E from 'fp-ts/lib/Either';
import { parseAllDocuments } from 'yaml';
import { decode, Experiment, validateExperiment, type ExperimentAnalysisTemplateRef, type ExperimentTemplate, type ValidationError } from '@rollouts/api';

const podTemplate = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
const tmpl = (over: Partial<ExperimentTemplate> = {}): ExperimentTemplate => ({ name: 't', selector: { matchLabels: { app: 'a' } }, template: podTemplate, ...over });
const experiment = (spec: Partial<Experiment['spec']>, name = 'exp'): Experiment => ({ metadata: { name }, spec: { templates: [tmpl()], ...spec } });
const analysis = (over: Partial<ExperimentAnalysisTemplateRef> = {}): ExperimentAnalysisTemplateRef => ({ name: 'a', templateName: 'at', ...over });
const brief = (errors: ReadonlyArray<ValidationError>) => errors.map(({ rule, path, message }) => ({ rule, path, message }));
/** A template without selector, as an undecoded object could arrive. */
const noSelector = (name: string): ExperimentTemplate => ({ name, template: podTemplate }) as unknown as ExperimentTemplate;

describe('validateExperiment', () => {
  test.each<[string, Experiment, Array<{ rule: string; path: string; message: string }>]>([
    ['a valid experiment', experiment({ templates: [tmpl({ name: 'a' }), tmpl({ name: 'b' })], duration: '1h30m', analyses: [analysis()] }), []],
    ['E1 no selector', experiment({ templates: [tmpl({ name: 'a' }), noSelector('b')] }), [{ rule: 'E1', path: 'spec.templates[1].selector', message: "Rollout has missing field '.Spec.Templates[1].Selector'" }]],
    [
      'E2 an empty selector',
      experiment({ templates: [tmpl({ name: 'a' }), tmpl({ name: 'b', selector: {} })] }),
      [{ rule: 'E2', path: 'spec.templates[1].selector', message: 'This experiment is selecting all pods at index 1. A non-empty selector is required.' }],
    ],
    [
      'E2 empty matchLabels select all pods too (upstream lets this through)',
      experiment({ templates: [tmpl({ selector: { matchLabels: {}, matchExpressions: [] } })] }),
      [{ rule: 'E2', path: 'spec.templates[0].selector', message: 'This experiment is selecting all pods at index 0. A non-empty selector is required.' }],
    ],
    ['a selector with only matchExpressions is fine', experiment({ templates: [tmpl({ selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } })] }), []],
    [
      'E3 minReadySeconds beyond the default deadline of 600',
      experiment({ templates: [tmpl({ minReadySeconds: 601 })] }),
      [{ rule: 'E3', path: 'spec.templates[0].minReadySeconds', message: 'MinReadySeconds cannot be longer than ProgressDeadlineSeconds. Check template index 0' }],
    ],
    ['E3 equal to the deadline is allowed', experiment({ templates: [tmpl({ minReadySeconds: 600 })] }), []],
    [
      'N1/N2 numbers that do not fit, and negative counts and delays',
      experiment({ progressDeadlineSeconds: 2147483648, scaleDownDelaySeconds: -5, templates: [tmpl({ replicas: -1, minReadySeconds: 1.5 })] }),
      [
        { rule: 'N1', path: 'spec.templates[0].minReadySeconds', message: 'must be a 32-bit integer (from -2147483648 to 2147483647)' },
        { rule: 'N1', path: 'spec.progressDeadlineSeconds', message: 'must be a 32-bit integer (from -2147483648 to 2147483647)' },
        { rule: 'N2', path: 'spec.scaleDownDelaySeconds', message: 'must be greater than or equal to 0' },
        { rule: 'N2', path: 'spec.templates[0].replicas', message: 'must be greater than or equal to 0' },
      ],
    ],
    [
      'N8 an invalid dryRun pattern, N2 a negative retention limit',
      experiment({ dryRun: [{ metricName: '(a+' }], measurementRetention: [{ metricName: '.*', limit: -1 }] }),
      [
        { rule: 'N8', path: 'spec.dryRun[0].metricName', message: 'error parsing regexp: missing closing ): `(a+`' },
        { rule: 'N2', path: 'spec.measurementRetention[0].limit', message: 'must be greater than or equal to 0' },
      ],
    ],
    [
      'E3 against an explicit deadline',
      experiment({ progressDeadlineSeconds: 30, templates: [tmpl({ name: 'a' }), tmpl({ name: 'b', minReadySeconds: 31 })] }),
      [{ rule: 'E3', path: 'spec.templates[1].minReadySeconds', message: 'MinReadySeconds cannot be longer than ProgressDeadlineSeconds. Check template index 1' }],
    ],
    ['E4 an empty template name', experiment({ templates: [tmpl({ name: '' })] }), [{ rule: 'E4', path: 'spec.templates[0].name', message: 'Experiment exp has empty template name at index 0' }]],
    [
      'E5 a repeated template name, at the repeat',
      experiment({ templates: [tmpl({ name: 'a' }), tmpl({ name: 'b' }), tmpl({ name: 'a' })] }),
      [{ rule: 'E5', path: 'spec.templates[2].name', message: "Experiment exp has repeated template name 'a' in templates" }],
    ],
    [
      'all template problems, not only the first',
      experiment({ templates: [noSelector('a'), tmpl({ name: 'b', minReadySeconds: 700, selector: {} }), tmpl({ name: 'a' }), tmpl({ name: '' })] }, 'demo'),
      [
        { rule: 'E1', path: 'spec.templates[0].selector', message: "Rollout has missing field '.Spec.Templates[0].Selector'" },
        { rule: 'E2', path: 'spec.templates[1].selector', message: 'This experiment is selecting all pods at index 1. A non-empty selector is required.' },
        { rule: 'E3', path: 'spec.templates[1].minReadySeconds', message: 'MinReadySeconds cannot be longer than ProgressDeadlineSeconds. Check template index 1' },
        { rule: 'E5', path: 'spec.templates[2].name', message: "Experiment demo has repeated template name 'a' in templates" },
        { rule: 'E4', path: 'spec.templates[3].name', message: 'Experiment demo has empty template name at index 3' },
      ],
    ],
    [
      'EX1 an empty duration',
      experiment({ duration: '' }),
      [{ rule: 'EX1', path: 'spec.duration', message: 'duration must be a Go duration such as "1h" or "30m", or be omitted to run until terminated; got an empty string' }],
    ],
    ['EX1 a duration without unit', experiment({ duration: '30' }), [{ rule: 'EX1', path: 'spec.duration', message: 'duration must be a Go duration such as "1h" or "30m": time: missing unit in duration "30"' }]],
    ['EX1 a duration in days', experiment({ duration: '2d' }), [{ rule: 'EX1', path: 'spec.duration', message: 'duration must be a Go duration such as "1h" or "30m": time: unknown unit "d" in duration "2d"' }]],
    ['a null duration is absent', experiment({ duration: null }), []],
    [
      'EX2 an analysis without name or templateName',
      experiment({ analyses: [analysis(), analysis({ name: '', templateName: '' })] }),
      [
        { rule: 'EX2', path: 'spec.analyses[1].name', message: 'analysis name must not be empty (it names the AnalysisRun)' },
        { rule: 'EX2', path: 'spec.analyses[1].templateName', message: "analysis '' needs a templateName naming an AnalysisTemplate or ClusterAnalysisTemplate" },
      ],
    ],
    [
      'EX3 two analyses with one name',
      experiment({ analyses: [analysis({ name: 'x' }), analysis({ name: 'y' }), analysis({ name: 'x', templateName: 'other' })] }),
      [{ rule: 'EX3', path: 'spec.analyses[2].name', message: "analysis name 'x' is used more than once; each analysis creates an AnalysisRun named 'exp-x'" }],
    ],
  ])('%s', (_name, input, expected) => {
    expect(brief(validateExperiment(input))).toEqual(expected);
  });

  test('errors carry the Go error type and value', () => {
    expect(validateExperiment(experiment({ templates: [tmpl({ minReadySeconds: 900 })], duration: 'x' }))).toEqual([
      {
        rule: 'E3',
        path: 'spec.templates[0].minReadySeconds',
        type: 'Invalid',
        value: 900,
        message: 'MinReadySeconds cannot be longer than ProgressDeadlineSeconds. Check template index 0',
      },
      { rule: 'EX1', path: 'spec.duration', type: 'Invalid', value: 'x', message: 'duration must be a Go duration such as "1h" or "30m": time: invalid duration "x"' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Manifests

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? yamlFiles(path.join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : []))
    .sort();
}

function experiments(files: readonly string[]): Array<{ where: string; doc: unknown }> {
  return files.flatMap((file) =>
    parseAllDocuments(fs.readFileSync(file, 'utf8'), { logLevel: 'error' }).flatMap((d, i) => {
      const doc = d.toJS() as { kind?: unknown } | null;
      return doc !== null && typeof doc === 'object' && doc.kind === 'Experiment' ? [{ where: `${path.basename(file)}#${i}`, doc }] : [];
    }),
  );
}

function decodeAndValidate(doc: unknown): { decodeErrors: string[]; validationErrors: string[] } {
  const decoded = decode(Experiment, doc, { strict: true });
  if (E.isLeft(decoded)) return { decodeErrors: decoded.left.map((e) => e.message), validationErrors: [] };
  return { decodeErrors: [], validationErrors: validateExperiment(decoded.right).map((e) => `${e.path}: ${e.message}`) };
}

describe('experiment manifests', () => {
  const fixtures = experiments(yamlFiles(path.join(__dirname, '..', '..', 'test', 'fixtures')).filter((f) => path.basename(f).startsWith('experiment-')));

  test('our fixtures exist', () => {
    expect(fixtures.length).toBeGreaterThan(0);
  });

  test.each(fixtures.map((f) => [f.where, f.doc] as const))('fixture %s decodes strictly and validates clean', (_where, doc) => {
    expect(decodeAndValidate(doc)).toEqual({ decodeErrors: [], validationErrors: [] });
  });

  test('a fixture with a selector removed is reported by decoding, as the CRD requires it', () => {
    const doc = fixtures[0]!.doc as { spec: { templates: Array<Record<string, unknown>> } };
    const { selector: _dropped, ...rest } = doc.spec.templates[0]!;
    const broken = { ...doc, spec: { ...doc.spec, templates: [rest, ...doc.spec.templates.slice(1)] } };
    expect(decodeAndValidate(broken).decodeErrors).toEqual(['spec.templates[0].selector: required field is missing (expected object)']);
  });

  test('upstream examples decode strictly and validate clean', () => {
    const dir = path.join(__dirname, '..', '..', '..', '..', '..', 'shared', 'reference', 'argo-rollouts', 'examples');
    if (!fs.existsSync(dir)) {
      console.log(`The upstream examples were not found at ${dir}; this test is skipped.`);
      return;
    }
    const docs = experiments(yamlFiles(dir));
    expect(docs.length).toBeGreaterThanOrEqual(1); // experiment-with-analysis.yaml at 9f8d111
    expect(docs.map((d) => ({ where: d.where, ...decodeAndValidate(d.doc) }))).toEqual(docs.map((d) => ({ where: d.where, decodeErrors: [], validationErrors: [] })));
  });
});
