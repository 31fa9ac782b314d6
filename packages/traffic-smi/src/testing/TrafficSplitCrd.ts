/**
 * A minimal structural CustomResourceDefinition of SMI's TrafficSplit, for test clusters (kube-sim or a real
 * apiserver) that have no service mesh installed: v1alpha1 weights are Quantities (an int or a string), later
 * versions integers. Not the mesh's own CRD: only what the router reads and writes.
 */
import type { KubeObject } from '@rollouts/plugin-sdk';
import type { TrafficSplitApiVersion } from '../TrafficSplit';

const ALL: ReadonlyArray<TrafficSplitApiVersion> = ['split.smi-spec.io/v1alpha1', 'split.smi-spec.io/v1alpha2', 'split.smi-spec.io/v1alpha3'];

/** The CRD serving `versions` (default all three); the last one listed is the storage version. */
export function trafficSplitCrd(versions: ReadonlyArray<TrafficSplitApiVersion> = ALL): KubeObject {
  if (versions.length === 0) throw new Error('trafficSplitCrd: name at least one version');
  const schema = (weight: Record<string, unknown>) => ({
    openAPIV3Schema: {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          required: ['service', 'backends'],
          properties: {
            service: { type: 'string' },
            backends: { type: 'array', items: { type: 'object', required: ['service', 'weight'], properties: { service: { type: 'string' }, weight } } },
            matches: { type: 'array', items: { type: 'object', properties: { kind: { type: 'string' }, name: { type: 'string' }, apiGroup: { type: 'string' } } } },
          },
        },
      },
    },
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'trafficsplits.split.smi-spec.io' },
    spec: {
      group: 'split.smi-spec.io',
      scope: 'Namespaced',
      names: { plural: 'trafficsplits', singular: 'trafficsplit', kind: 'TrafficSplit', listKind: 'TrafficSplitList', shortNames: ['ts'] },
      versions: versions.map((v, i) => ({
        name: v.slice('split.smi-spec.io/'.length),
        served: true,
        storage: i === versions.length - 1,
        schema: schema(v === 'split.smi-spec.io/v1alpha1' ? { 'x-kubernetes-int-or-string': true } : { type: 'integer', minimum: 0 }),
      })),
    },
  };
}
