// Our CustomResourceDefinitions on the target API server (the real kube-apiserver with E2E_TARGET=real): each one
// is Established with the names we asked for, the committed packages/api/crds/*.yaml pass the server's own CRD
// validation, and the upstream Argo Rollouts example manifests pass server-side validation against our schemas
// (a dryRun=All create, so nothing is stored). Without the reference folder the examples are skipped, saying so.
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { customResourceDefinitions } from '@rollouts/api';
import { resourcePath, type ResourceKind } from '@rollouts/k8s';
import { startEnv, type Env } from './harness';

jest.setTimeout(60_000);

const REPO = path.resolve(__dirname, '../../..');
const referenceDirs = [process.env['ARGO_ROLLOUTS_REFERENCE'], path.resolve(REPO, '../shared/reference/argo-rollouts'), '/work/shared/reference/argo-rollouts'];
const reference = referenceDirs.find((d): d is string => d !== undefined && d !== '' && fs.existsSync(path.join(d, 'examples')));

interface Manifest {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { name?: string; generateName?: string; namespace?: string };
}

const argoKinds: Record<string, ResourceKind> = {
  Rollout: { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', kind: 'Rollout', namespaced: true },
  AnalysisTemplate: { group: 'argoproj.io', version: 'v1alpha1', plural: 'analysistemplates', kind: 'AnalysisTemplate', namespaced: true },
  ClusterAnalysisTemplate: { group: 'argoproj.io', version: 'v1alpha1', plural: 'clusteranalysistemplates', kind: 'ClusterAnalysisTemplate', namespaced: false },
  AnalysisRun: { group: 'argoproj.io', version: 'v1alpha1', plural: 'analysisruns', kind: 'AnalysisRun', namespaced: true },
  Experiment: { group: 'argoproj.io', version: 'v1alpha1', plural: 'experiments', kind: 'Experiment', namespaced: true },
};

/** Every argoproj.io document of the upstream examples, as `[label, manifest]`. */
function exampleManifests(dir: string): Array<[string, Manifest]> {
  const out: Array<[string, Manifest]> = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(e.name)) {
        YAML.parseAllDocuments(fs.readFileSync(p, 'utf8')).forEach((doc, i) => {
          const m = doc.toJS() as Manifest | null;
          if (m?.apiVersion?.startsWith('argoproj.io/') === true) out.push([`${path.relative(dir, p)}#${i} ${m.kind ?? '?'} ${m.metadata?.name ?? m.metadata?.generateName ?? ''}`, m]);
        });
      }
    }
  };
  walk(path.join(dir, 'examples'));
  return out;
}

/**
 * Upstream examples that upstream's own CRDs reject as well, by label prefix, with the reason and a fragment of
 * the server's message. They must be rejected for that reason (so the list cannot go stale unnoticed).
 */
const KNOWN_INVALID: ReadonlyArray<{ readonly label: string; readonly why: string; readonly message: string }> = [
  {
    label: 'examples/traffic-management/rollout-linkerd.yaml#4 ',
    why: 'the annotation value {{args.linkerd-enabled}} is unquoted, so YAML reads a mapping where a string must be (upstream\'s schema also says string); strict field validation refuses the mapping\'s key as an unknown field',
    message: 'strict decoding error: unknown field "spec.metrics[0].provider.job.spec.template.metadata.annotations.linkerd.io/inject.',
  },
];

let env: Env;
beforeAll(async () => {
  env = await startEnv({ noController: true });
});
afterAll(async () => {
  await env?.stop();
});

const CRDS: ResourceKind = { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', kind: 'CustomResourceDefinition', namespaced: false };

interface CrdView {
  readonly spec: { names: { kind: string; plural: string } };
  readonly status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>; acceptedNames?: { kind?: string; plural?: string } };
}

describe('our CRDs', () => {
  const generated = customResourceDefinitions();

  test.each(generated.map((c) => [c.metadata.name, c] as const))('%s is Established with the names we declared', async (name, crd) => {
    const got = await env.http.json<CrdView>('GET', resourcePath(CRDS, undefined, name));
    const established = got.status?.conditions?.find((c) => c.type === 'Established');
    expect({ name, established: established?.status, message: established?.message }).toEqual({ name, established: 'True', message: established?.message });
    expect(got.status?.acceptedNames?.kind).toBe(crd.spec.names.kind);
    expect(got.status?.acceptedNames?.plural).toBe(crd.spec.names.plural);
    expect(got.status?.conditions?.find((c) => c.type === 'NamesAccepted')?.status).toBe('True');
  });

  const committed = fs
    .readdirSync(path.join(REPO, 'packages/api/crds'))
    .filter((f) => f.endsWith('.argoproj.io.yaml'))
    .sort();
  test('the committed CRD files are the generated ones', () => {
    expect(committed.map((f) => f.replace(/\.yaml$/, ''))).toEqual(generated.map((c) => c.metadata.name).sort());
  });

  test.each(committed)('packages/api/crds/%s passes the server-side validation of CRDs (apply, dryRun=All)', async (file) => {
    const crd = YAML.parse(fs.readFileSync(path.join(REPO, 'packages/api/crds', file), 'utf8')) as { metadata: { name: string } };
    const res = await env.http.request('PATCH', `${resourcePath(CRDS, undefined, crd.metadata.name)}?dryRun=All&fieldManager=rollouts-e2e-dryrun&force=true`, crd, 'application/apply-patch+yaml');
    expect({ file, status: res.status, body: res.status >= 300 ? res.text : '' }).toEqual({ file, status: 200, body: '' });
  });
});

if (reference === undefined) {
  process.stdout.write(`controller e2e: upstream example manifests skipped: no argo-rollouts reference folder with examples/ (looked in ${referenceDirs.filter((d) => d !== undefined && d !== '').join(', ')}; set ARGO_ROLLOUTS_REFERENCE)\n`);
  test.skip('upstream example manifests pass server-side validation against our CRDs', () => undefined);
} else {
  const manifests = exampleManifests(reference);
  describe(`upstream example manifests (${path.relative(REPO, reference) || reference}) against our CRDs, dryRun=All create`, () => {
    test('the examples cover Rollouts, AnalysisTemplates, ClusterAnalysisTemplates and Experiments', () => {
      const kinds = new Set(manifests.map(([, m]) => m.kind));
      for (const k of ['Rollout', 'AnalysisTemplate', 'ClusterAnalysisTemplate', 'Experiment']) expect({ k, present: kinds.has(k) }).toEqual({ k, present: true });
    });

    test.each(manifests)('%s is accepted', async (label, manifest) => {
      const kind = argoKinds[manifest.kind ?? ''];
      expect({ label, known: kind !== undefined }).toEqual({ label, known: true });
      const body = kind!.namespaced ? { ...manifest, metadata: { ...(manifest.metadata ?? {}), namespace: env.ns } } : manifest;
      const res = await env.http.request('POST', `${resourcePath(kind!, env.ns)}?dryRun=All&fieldValidation=Strict`, body);
      const invalid = KNOWN_INVALID.find((k) => label.startsWith(k.label));
      if (invalid === undefined) expect({ label, status: res.status, body: res.status >= 300 ? res.text : '' }).toEqual({ label, status: 201, body: '' });
      else {
        process.stdout.write(`controller e2e: ${label} is rejected, as expected: ${invalid.why}\n`);
        const message = (JSON.parse(res.text) as { message?: string }).message ?? '';
        expect({ label, status: res.status, mentions: message.includes(invalid.message) }).toEqual({ label, status: 400, mentions: true });
      }
    });
  });
}
