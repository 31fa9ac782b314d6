/**
 * The ApisixRoute CustomResourceDefinition published by apache/apisix-ingress-controller v1.8.3
 * (samples/deploy/crd/v1/ApisixRoute.yaml, checked in unchanged under third-party-crds/), for test clusters: kube-sim
 * or a real API server, whose schema validation then checks every object the router writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import type { KubeObject } from '@rollouts/plugin-sdk';

/** Where the checked-in CRD manifests are (the package's `third-party-crds`, from `src/testing` or `dist/testing`). */
export const APISIX_CRD_DIR = path.join(__dirname, '..', '..', 'third-party-crds');

/** The ApisixRoute CRD (`apisixroutes.apisix.apache.org`, version v2). */
export function apisixRouteCrd(): KubeObject {
  const docs = YAML.parseAllDocuments(fs.readFileSync(path.join(APISIX_CRD_DIR, 'ApisixRoute.yaml'), 'utf8')).map((d) => d.toJS() as KubeObject | null);
  const crd = docs.find((d) => d?.kind === 'CustomResourceDefinition');
  if (crd == null) throw new Error(`no CustomResourceDefinition in ${path.join(APISIX_CRD_DIR, 'ApisixRoute.yaml')}`);
  return crd;
}
