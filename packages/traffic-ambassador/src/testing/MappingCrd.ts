/**
 * The Mapping CustomResourceDefinition Emissary-ingress publishes (v3.9.1, `manifests/emissary/emissary-crds.yaml.in`,
 * checked in unchanged under third-party-crds/, see its README), for test clusters: kube-sim or a real API server, whose schema validation then
 * checks every object the router writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import type { KubeObject } from '@rollouts/plugin-sdk';

/** Where the checked-in CRD manifests are (the package's `third-party-crds`, from `src/testing` or `dist/testing`). */
export const AMBASSADOR_CRD_DIR = path.join(__dirname, '..', '..', 'third-party-crds');

/** The Mapping CRD file as published, unchanged (`mappings.getambassador.io`: v1, v2 (storage), v3alpha1; conversion by Emissary's webhook). */
export function publishedMappingCrd(): KubeObject {
  const file = path.join(AMBASSADOR_CRD_DIR, 'mappings.getambassador.io.yaml');
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as KubeObject | null);
  const crd = docs.find((d) => d?.kind === 'CustomResourceDefinition' && d.metadata.name === 'mappings.getambassador.io');
  if (crd == null) throw new Error(`no CustomResourceDefinition mappings.getambassador.io in ${file}`);
  return crd;
}

/**
 * The published Mapping CRD made usable in a cluster without Emissary: the published one converts between
 * versions through Emissary's `emissary-apiext` webhook, which a test cluster does not run (every request for a
 * version other than the stored one would fail), so the conversion strategy becomes `None`, and `storageVersion`
 * (default `v2`, as published) is stored. Schemas, served versions and everything else are as published.
 */
export function mappingCrd(storageVersion: 'v2' | 'v3alpha1' = 'v2'): KubeObject {
  const crd = publishedMappingCrd();
  const spec = crd['spec'] as { versions: Array<Record<string, unknown>> } & Record<string, unknown>;
  return { ...crd, spec: { ...spec, conversion: { strategy: 'None' }, versions: spec.versions.map((v) => ({ ...v, storage: v['name'] === storageVersion })) } };
}
