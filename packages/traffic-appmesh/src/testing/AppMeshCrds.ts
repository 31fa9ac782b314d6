/**
 * CustomResourceDefinitions of the App Mesh kinds the router reads and writes (VirtualService, VirtualRouter,
 * VirtualNode of `appmesh.k8s.aws/v1beta2`), for test clusters: kube-sim or a real API server, whose schema
 * validation then checks every object the router writes. They are apiextensions/v1 transcriptions of the
 * upstream schema (third-party-crds/README.md says from where, and what differs).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import type { KubeObject } from '@rollouts/plugin-sdk';

/** Where the checked-in CRD manifests are (the package's `third-party-crds`, from `src/testing` or `dist/testing`). */
export const APP_MESH_CRD_DIR = path.join(__dirname, '..', '..', 'third-party-crds');

function load(file: string): KubeObject {
  const full = path.join(APP_MESH_CRD_DIR, file);
  const crd = YAML.parse(fs.readFileSync(full, 'utf8')) as KubeObject | null;
  if (crd?.kind !== 'CustomResourceDefinition') throw new Error(`no CustomResourceDefinition in ${full}`);
  return crd;
}

/** `virtualservices.appmesh.k8s.aws`. */
export const virtualServiceCrd = (): KubeObject => load('appmesh.k8s.aws_virtualservices.yaml');
/** `virtualrouters.appmesh.k8s.aws`. */
export const virtualRouterCrd = (): KubeObject => load('appmesh.k8s.aws_virtualrouters.yaml');
/** `virtualnodes.appmesh.k8s.aws`. */
export const virtualNodeCrd = (): KubeObject => load('appmesh.k8s.aws_virtualnodes.yaml');
/** The three, in that order. */
export const appMeshCrds = (): KubeObject[] => [virtualServiceCrd(), virtualRouterCrd(), virtualNodeCrd()];
