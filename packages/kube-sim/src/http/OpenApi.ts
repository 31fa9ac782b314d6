/**
 * A minimal OpenAPI v3 index, enough for kubectl: per group-version, the PATCH operation of each kind with
 * its `x-kubernetes-group-version-kind` and query parameters. kubectl reads it to learn that the server
 * validates fields itself (`fieldValidation`), so it needs no client-side schema. No object schemas are
 * published (`kubectl explain` has nothing to show; client-side apply falls back to its built-in types).
 * `/openapi/v2` is an empty document, which older kubectl versions need to exist.
 */
import { ResourceRegistry } from '../registry/ResourceRegistry';

function gvPath(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** `/openapi/v3`: where each group-version's document lives. */
export function openApiRoot(registry: ResourceRegistry): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const g of registry.groups()) for (const v of g.versions) paths[gvPath(g.group, v)] = { serverRelativeURL: `/openapi/v3/${gvPath(g.group, v)}` };
  return { paths };
}

const PARAM = (name: string): Record<string, unknown> => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });

/** `/openapi/v3/apis/<group>/<version>` (or `api/v1`), or undefined when nothing is served there. */
export function openApiGroupVersion(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const t of types) {
    const base = `/${gvPath(group, version)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.resource}/{name}`;
    const gvk = { group, version, kind: t.kind };
    const content: Record<string, unknown> = {
      'application/json-patch+json': { schema: { type: 'object' } },
      'application/merge-patch+json': { schema: { type: 'object' } },
      'application/apply-patch+yaml': { schema: { type: 'object' } },
    };
    paths[base] = {
      patch: {
        operationId: `patch${t.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
        parameters: [PARAM('dryRun'), PARAM('fieldManager'), PARAM('fieldValidation'), { name: 'force', in: 'query', schema: { type: 'boolean', uniqueItems: true } }],
        requestBody: { content, required: true },
        responses: { '200': { description: 'OK' } },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes (kube-sim)', version: 'v1.31.0' },
    paths,
    components: { schemas: {} },
  };
}

/** `/openapi/v2` as JSON: a valid document describing nothing. */
export function openApiV2Json(): Record<string, unknown> {
  return { swagger: '2.0', info: { title: 'Kubernetes (kube-sim)', version: 'v1.31.0' }, paths: {}, definitions: {} };
}
