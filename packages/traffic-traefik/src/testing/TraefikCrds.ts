/**
 * The TraefikService CustomResourceDefinitions Traefik publishes (checked in unchanged under third-party-crds/, see its
 * README), for test clusters: kube-sim or a real API server, whose schema validation then checks every object
 * the router writes. `traefik.io` from Traefik v3.6.12, `traefik.containo.us` from Traefik v2.11.20.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import type { KubeObject } from '@rollouts/plugin-sdk';
import type { TraefikApiGroup } from '../TraefikRouter';

/** Where the checked-in CRD manifests are (the package's `third-party-crds`, from `src/testing` or `dist/testing`). */
export const TRAEFIK_CRD_DIR = path.join(__dirname, '..', '..', 'third-party-crds');

/** The TraefikService CRD of `group` (`traefikservices.<group>`, version v1alpha1), as published. */
export function traefikServiceCrd(group: TraefikApiGroup = 'traefik.io'): KubeObject {
  const file = path.join(TRAEFIK_CRD_DIR, `${group}_traefikservices.yaml`);
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as KubeObject | null);
  const crd = docs.find((d) => d?.kind === 'CustomResourceDefinition' && d.metadata.name === `traefikservices.${group}`);
  if (crd == null) throw new Error(`no CustomResourceDefinition traefikservices.${group} in ${file}`);
  return crd;
}
