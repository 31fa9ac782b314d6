import * as E from 'fp-ts/lib/Either';
import type { AnalysisRun, AnalysisTemplate, AnalysisTemplateSpec, ClusterAnalysisTemplate, Metric, Rollout, RolloutAnalysis } from '@rollouts/api';
import { buildAnalysisRun, fieldOf, metadataFieldOf, type AnalysisRunRequest } from './AnalysisRunBuilder';

const metric = (name: string, query = 'q'): Metric => ({ name, provider: { prometheus: { address: 'http://prom', query } } });
const tmpl = (name: string, spec: AnalysisTemplateSpec): AnalysisTemplate => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate', metadata: { name }, spec });
const ctmpl = (name: string, spec: AnalysisTemplateSpec): ClusterAnalysisTemplate => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'ClusterAnalysisTemplate',
  metadata: { name },
  spec,
});

const rollout: Rollout = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Rollout',
  metadata: { name: 'shop', namespace: 'prod', uid: 'u-1', labels: { app: 'shop', tier: 'web' }, annotations: { team: 'pay' } },
  spec: {
    selector: { matchLabels: { app: 'shop' } },
    template: { metadata: { labels: { app: 'shop' } }, spec: { containers: [{ name: 'main', image: 'shop:2' }] } },
  },
} as Rollout;

const request = (analysis: RolloutAnalysis, templates: AnalysisTemplate[] = [], clusterTemplates: ClusterAnalysisTemplate[] = []): AnalysisRunRequest => ({
  rollout,
  analysis,
  name: 'shop-abc-2-1',
  labels: { 'rollout-type': 'Step' },
  annotations: { 'rollout.argoproj.io/revision': '2' },
  templates,
  clusterTemplates,
  stablePodHash: 'stablehash',
  latestPodHash: 'newhash',
});

const built = (r: E.Either<string, AnalysisRun>): AnalysisRun => {
  if (E.isLeft(r)) throw new Error(r.left);
  return r.right;
};
const failure = (r: E.Either<string, AnalysisRun>): string => {
  if (E.isRight(r)) throw new Error('expected an error');
  return r.left;
};

describe('buildAnalysisRun (§7.1)', () => {
  it('flattens namespaced templates first, then cluster templates, whatever the reference order', () => {
    const run = built(
      buildAnalysisRun(
        request(
          { templates: [{ templateName: 'c', clusterScope: true }, { templateName: 'a' }] },
          [tmpl('a', { metrics: [metric('from-a')] })],
          [ctmpl('c', { metrics: [metric('from-c')] })],
        ),
      ),
    );
    expect(run.spec.metrics.map((m) => m.name)).toEqual(['from-a', 'from-c']);
  });

  it('follows nested templates depth first, parent before its children, and deduplicates templates by name', () => {
    const run = built(
      buildAnalysisRun(
        request(
          { templates: [{ templateName: 'top' }, { templateName: 'shared' }] },
          [
            tmpl('top', { metrics: [metric('top')], templates: [{ templateName: 'shared' }, { templateName: 'cl', clusterScope: true }] }),
            tmpl('shared', { metrics: [metric('shared')] }),
          ],
          [ctmpl('cl', { metrics: [metric('cl')], templates: [{ templateName: 'shared' }] })],
        ),
      ),
    );
    expect(run.spec.metrics.map((m) => m.name)).toEqual(['top', 'shared', 'cl']);
  });

  it.each<[string, RolloutAnalysis, AnalysisTemplate[], ClusterAnalysisTemplate[], string]>([
    ['a missing namespaced template', { templates: [{ templateName: 'nope' }] }, [], [], "AnalysisTemplate 'nope' not found"],
    ['a missing cluster template', { templates: [{ templateName: 'nope', clusterScope: true }] }, [], [], "ClusterAnalysisTemplate 'nope' not found"],
    ['a missing nested template', { templates: [{ templateName: 'a' }] }, [tmpl('a', { templates: [{ templateName: 'gone' }] })], [], "AnalysisTemplate 'gone' not found"],
    [
      'a template that includes itself',
      { templates: [{ templateName: 'a' }] },
      [tmpl('a', { templates: [{ templateName: 'b' }] }), tmpl('b', { templates: [{ templateName: 'a' }] })],
      [],
      "AnalysisTemplate 'a' includes itself: AnalysisTemplate 'a' -> AnalysisTemplate 'b' -> AnalysisTemplate 'a'",
    ],
    [
      'the same metric in two templates',
      { templates: [{ templateName: 'a' }, { templateName: 'b' }] },
      [tmpl('a', { metrics: [metric('rate')] }), tmpl('b', { metrics: [metric('rate')] })],
      [],
      "two metrics have the same name 'rate'",
    ],
    [
      'the same metric in a template and a cluster template',
      { templates: [{ templateName: 'a' }, { templateName: 'a', clusterScope: true }] },
      [tmpl('a', { metrics: [metric('rate')] })],
      [ctmpl('a', { metrics: [metric('rate')] })],
      "two metrics have the same name 'rate'",
    ],
    [
      'two dryRun rules for one name across templates',
      { templates: [{ templateName: 'a' }, { templateName: 'b' }] },
      [tmpl('a', { metrics: [metric('x')], dryRun: [{ metricName: 'x' }] }), tmpl('b', { metrics: [metric('y')], dryRun: [{ metricName: 'x' }] })],
      [],
      "two Dry-Run metric rules have the same name 'x'",
    ],
    [
      'two retention rules for one name across templates',
      { templates: [{ templateName: 'a' }, { templateName: 'b' }] },
      [
        tmpl('a', { metrics: [metric('x')], measurementRetention: [{ metricName: 'x', limit: 2 }] }),
        tmpl('b', { metrics: [metric('y')], measurementRetention: [{ metricName: 'x', limit: 3 }] }),
      ],
      [],
      "two Measurement Retention metric rules have the same name 'x'",
    ],
    [
      'a rollout dryRun rule duplicating a template rule',
      { templates: [{ templateName: 'a' }], dryRun: [{ metricName: 'x' }] },
      [tmpl('a', { metrics: [metric('x')], dryRun: [{ metricName: 'x' }] })],
      [],
      "two Dry-Run metric rules have the same name 'x'",
    ],
    [
      'a rollout retention rule duplicating a template rule',
      { templates: [{ templateName: 'a' }], measurementRetention: [{ metricName: 'x', limit: 1 }] },
      [tmpl('a', { metrics: [metric('x')], measurementRetention: [{ metricName: 'x', limit: 5 }] })],
      [],
      "two Measurement Retention metric rules have the same name 'x'",
    ],
    [
      'two templates giving one arg different values',
      { templates: [{ templateName: 'a' }, { templateName: 'b' }] },
      [tmpl('a', { metrics: [metric('x')], args: [{ name: 'svc', value: 'one' }] }), tmpl('b', { metrics: [metric('y')], args: [{ name: 'svc', value: 'two' }] })],
      [],
      "Argument `svc` specified multiple times with different values: 'one', 'two'",
    ],
    [
      'a template arg the rollout does not supply',
      { templates: [{ templateName: 'a' }], args: [{ name: 'other', value: 'x' }] },
      [tmpl('a', { metrics: [metric('x')], args: [{ name: 'svc' }] })],
      [],
      'args.svc was not resolved',
    ],
    [
      'a metadata fieldRef the downward API does not know',
      { templates: [{ templateName: 'a' }], args: [{ name: 'svc', valueFrom: { fieldRef: { fieldPath: 'metadata.generation' } } }] },
      [tmpl('a', { metrics: [metric('x')], args: [{ name: 'svc' }] })],
      [],
      'unsupported fieldPath: metadata.generation',
    ],
  ])('%s', (_name, analysis, templates, clusterTemplates, message) => {
    expect(failure(buildAnalysisRun(request(analysis, templates, clusterTemplates)))).toBe(message);
  });

  it('the first non-nil value of an arg declared twice is kept', () => {
    const run = built(
      buildAnalysisRun(
        request({ templates: [{ templateName: 'a' }, { templateName: 'b' }] }, [
          tmpl('a', { metrics: [metric('x')], args: [{ name: 'svc' }] }),
          tmpl('b', { metrics: [metric('y')], args: [{ name: 'svc', value: 'web' }] }),
        ]),
      ),
    );
    expect(run.spec.args).toEqual([{ name: 'svc', value: 'web' }]);
  });

  it('merges rollout args into declared ones, ignoring undeclared ones, with pod hashes and fieldRefs', () => {
    const run = built(
      buildAnalysisRun(
        request(
          {
            templates: [{ templateName: 'a' }],
            args: [
              { name: 'stable', valueFrom: { podTemplateHashValue: 'Stable' } },
              { name: 'canary', valueFrom: { podTemplateHashValue: 'Latest' } },
              { name: 'ns', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'app', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
              { name: 'image', valueFrom: { fieldRef: { fieldPath: 'spec.template.spec.containers[0].image' } } },
              { name: 'empty' },
              { name: 'undeclared', value: 'ignored' },
              { name: 'defaulted', value: 'override' },
            ],
          },
          [
            tmpl('a', {
              metrics: [metric('x')],
              args: [{ name: 'stable' }, { name: 'canary' }, { name: 'ns' }, { name: 'app' }, { name: 'image' }, { name: 'empty' }, { name: 'defaulted', value: 'default' }],
            }),
          ],
        ),
      ),
    );
    expect(run.spec.args).toEqual([
      { name: 'stable', value: 'stablehash' },
      { name: 'canary', value: 'newhash' },
      { name: 'ns', value: 'prod' },
      { name: 'app', value: 'shop' },
      { name: 'image', value: 'shop:2' },
      { name: 'empty', value: '' },
      { name: 'defaulted', value: 'override' },
    ]);
  });

  it('keeps a secretKeyRef arg as a reference: the secret never lands in the run', () => {
    const run = built(
      buildAnalysisRun(
        request({ templates: [{ templateName: 'a' }] }, [
          tmpl('a', { metrics: [metric('x', 'q?key={{args.key}}')], args: [{ name: 'key', valueFrom: { secretKeyRef: { name: 'creds', key: 'api-key' } } }] }),
        ]),
      ),
    );
    expect(run.spec.args).toEqual([{ name: 'key', valueFrom: { secretKeyRef: { name: 'creds', key: 'api-key' } } }]);
    expect(run.spec.metrics[0]?.provider.prometheus?.query).toBe('q?key={{args.key}}');
  });

  it('appends the rollout rules after the template rules, and writes metadata and owner', () => {
    const run = built(
      buildAnalysisRun(
        request(
          {
            templates: [{ templateName: 'a' }],
            dryRun: [{ metricName: 'y' }],
            measurementRetention: [{ metricName: 'y', limit: 3 }],
            analysisRunMetadata: { labels: { extra: 'l' }, annotations: { note: 'a' } },
          },
          [tmpl('a', { metrics: [metric('x'), metric('y')], dryRun: [{ metricName: 'x' }], measurementRetention: [{ metricName: 'x', limit: 20 }] })],
        ),
      ),
    );
    expect(run.spec.dryRun).toEqual([{ metricName: 'x' }, { metricName: 'y' }]);
    expect(run.spec.measurementRetention).toEqual([
      { metricName: 'x', limit: 20 },
      { metricName: 'y', limit: 3 },
    ]);
    expect(run.metadata?.labels).toEqual({ extra: 'l', 'rollout-type': 'Step' });
    expect(run.metadata?.annotations).toEqual({ note: 'a', 'rollout.argoproj.io/revision': '2' });
    expect(run.metadata?.namespace).toBe('prod');
    expect(run.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Rollout', name: 'shop', uid: 'u-1', controller: true });
  });
});

describe('metadataFieldOf (downward API)', () => {
  it.each<[string, E.Either<string, string>]>([
    ['metadata.name', E.right('shop')],
    ['metadata.namespace', E.right('prod')],
    ['metadata.uid', E.right('u-1')],
    ["metadata.labels['tier']", E.right('web')],
    ["metadata.labels['absent']", E.right('')],
    ["metadata.annotations['team']", E.right('pay')],
    ['metadata.labels', E.right('app="shop"\ntier="web"')],
    ['metadata.annotations', E.right('team="pay"')],
    ["metadata.name['x']", E.left('fieldPath "metadata.name[\'x\']" does not support subscript')],
    ['metadata.generation', E.left('unsupported fieldPath: metadata.generation')],
  ])('%s', (path, expected) => {
    expect(metadataFieldOf(rollout, path)).toEqual(expected);
  });

  it('fieldOf reads other paths from the JSON', () => {
    expect(fieldOf(rollout, 'spec.template.spec.containers[0].image')).toBe('shop:2');
    expect(fieldOf(rollout, 'spec.selector.matchLabels')).toBe('{"app":"shop"}');
    expect(fieldOf(rollout, 'spec.nothing')).toBeUndefined();
  });
});
