/**
 * The Gateway API route CRDs as published (v1.2.1, experimental channel: the one serving TCPRoute and TLSRoute
 * and keeping `rules[].name`), for test clusters — kube-sim or a real apiserver — that have no Gateway API
 * installed. The manifests are checked in verbatim under `third-party-crds/` (see the README there).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import type { KubeObject } from '@rollouts/plugin-sdk';

/** The route kinds whose CRDs are available. */
export type GatewayApiCrdKind = 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute' | 'TLSRoute';

/** The Gateway API release the manifests come from. */
export const GATEWAY_API_CRD_VERSION = 'v1.2.1';

const FILES: Readonly<Record<GatewayApiCrdKind, string>> = {
  HTTPRoute: 'gateway.networking.k8s.io_httproutes.yaml',
  GRPCRoute: 'gateway.networking.k8s.io_grpcroutes.yaml',
  TCPRoute: 'gateway.networking.k8s.io_tcproutes.yaml',
  TLSRoute: 'gateway.networking.k8s.io_tlsroutes.yaml',
};

/** `third-party-crds` of this package, from `src/testing` and from `dist/testing` alike. */
const CRD_DIR = path.join(__dirname, '..', '..', 'third-party-crds');

const cache = new Map<GatewayApiCrdKind, KubeObject>();

/** The CustomResourceDefinitions of `kinds` (default all four), parsed from the published manifests. */
export function gatewayApiCrds(kinds: ReadonlyArray<GatewayApiCrdKind> = ['HTTPRoute', 'GRPCRoute', 'TCPRoute', 'TLSRoute']): KubeObject[] {
  return kinds.map((kind) => {
    let crd = cache.get(kind);
    if (crd === undefined) {
      crd = YAML.parse(fs.readFileSync(path.join(CRD_DIR, FILES[kind]), 'utf8')) as KubeObject;
      cache.set(kind, crd);
    }
    return JSON.parse(JSON.stringify(crd)) as KubeObject;
  });
}
