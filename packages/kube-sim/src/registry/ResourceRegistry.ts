import { isRecord, KubeObject } from '../store/KubeObject';
import { JsonSchemaProps } from '../schema/StructuralSchema';
import { BUILTIN_RESOURCES } from './BuiltinResources';
import { PrinterColumn, ResourceType, ScaleSpec, resourceKey } from './ResourceType';

/** The resources currently served: the built-ins plus whatever established CRDs define. */
export class ResourceRegistry {
  private readonly byKey = new Map<string, ResourceType>();
  /** CRD name -> resource key it defines. */
  private readonly crdResources = new Map<string, string>();

  constructor() {
    for (const t of BUILTIN_RESOURCES) this.byKey.set(resourceKey(t), t);
  }

  /** The resource served at `/apis/<group>/<version>/<resource>`, if any. */
  lookup(group: string, version: string, resource: string): ResourceType | undefined {
    const t = this.byKey.get(`${group}/${resource}`);
    return t !== undefined && t.versions.includes(version) ? t : undefined;
  }

  /** The resource of a stored key (`apps/deployments`). */
  byResourceKey(key: string): ResourceType | undefined {
    return this.byKey.get(key);
  }

  /** The resource serving objects of `apiVersion` + `kind` (as owner references name them). */
  forKind(apiVersion: string, kind: string): ResourceType | undefined {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    for (const t of this.byKey.values()) if (t.group === group && t.kind === kind && t.versions.includes(version)) return t;
    return undefined;
  }

  /** Every served resource. */
  all(): ResourceType[] {
    return [...this.byKey.values()];
  }

  /** Groups with their served versions, core (`''`) first, then in registration order. */
  groups(): Array<{ group: string; versions: string[] }> {
    const out = new Map<string, string[]>();
    for (const t of this.byKey.values()) {
      const vs = out.get(t.group) ?? [];
      for (const v of t.versions) if (!vs.includes(v)) vs.push(v);
      out.set(t.group, vs);
    }
    return [...out.entries()].map(([group, versions]) => ({ group, versions }));
  }

  /** Resources of one group version. */
  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.all().filter((t) => t.group === group && t.versions.includes(version));
  }

  /** Register (or re-register after an update) the resource a CRD defines. Returns its key. */
  defineFromCrd(crd: KubeObject): string {
    const t = resourceTypeFromCrd(crd);
    const key = resourceKey(t);
    this.byKey.set(key, t);
    this.crdResources.set(crd.metadata.name ?? '', key);
    return key;
  }

  /** Stop serving what a CRD defined. Returns the resource key it had. */
  removeCrd(crdName: string): string | undefined {
    const key = this.crdResources.get(crdName);
    if (key === undefined) return undefined;
    this.crdResources.delete(crdName);
    this.byKey.delete(key);
    return key;
  }

  /** Whether `group/resource` is already taken by a built-in or another CRD. */
  isTaken(group: string, resource: string, exceptCrd?: string): boolean {
    const key = `${group}/${resource}`;
    if (!this.byKey.has(key)) return false;
    return exceptCrd === undefined || this.crdResources.get(exceptCrd) !== key;
  }
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Read a CRD (apiextensions.k8s.io/v1) into the server's view of the resource it defines. */
export function resourceTypeFromCrd(crd: KubeObject): ResourceType {
  const spec = (crd['spec'] ?? {}) as Record<string, unknown>;
  const names = (spec['names'] ?? {}) as Record<string, unknown>;
  const versions = Array.isArray(spec['versions']) ? (spec['versions'] as Array<Record<string, unknown>>) : [];
  const served = versions.filter((v) => v['served'] === true);
  const storage = versions.find((v) => v['storage'] === true) ?? versions[0];
  // Prefer the storage version for subresources and printer columns (they may differ per version; we do not).
  const subresources = (storage?.['subresources'] ?? {}) as Record<string, unknown>;
  const scaleRaw = subresources['scale'];
  const scale: ScaleSpec | undefined = isRecord(scaleRaw)
    ? {
        specReplicasPath: str(scaleRaw['specReplicasPath']) ?? '.spec.replicas',
        statusReplicasPath: str(scaleRaw['statusReplicasPath']) ?? '.status.replicas',
        ...(str(scaleRaw['labelSelectorPath']) !== undefined ? { labelSelectorPath: str(scaleRaw['labelSelectorPath'])! } : {}),
      }
    : undefined;
  const schemas: Record<string, JsonSchemaProps | undefined> = {};
  for (const v of versions) {
    const schema = (v['schema'] as Record<string, unknown> | undefined)?.['openAPIV3Schema'];
    schemas[String(v['name'])] = isRecord(schema) ? (schema as JsonSchemaProps) : undefined;
  }
  const kind = str(names['kind']) ?? '';
  const plural = str(names['plural']) ?? '';
  // The preferred version is the highest priority served one; we take the storage version when served.
  const servedNames = served.map((v) => String(v['name']));
  const storageName = storage !== undefined ? String(storage['name']) : undefined;
  const ordered = storageName !== undefined && servedNames.includes(storageName) ? [storageName, ...servedNames.filter((n) => n !== storageName)] : servedNames;
  const fieldSelectors = Array.isArray(storage?.['selectableFields'])
    ? (storage['selectableFields'] as Array<Record<string, unknown>>).map((f) => String(f['jsonPath'] ?? '').replace(/^\./, ''))
    : [];
  return {
    group: str(spec['group']) ?? '',
    versions: ordered,
    resource: plural,
    singular: str(names['singular']) ?? kind.toLowerCase(),
    kind,
    listKind: str(names['listKind']) ?? `${kind}List`,
    namespaced: spec['scope'] !== 'Cluster',
    shortNames: Array.isArray(names['shortNames']) ? (names['shortNames'] as string[]) : [],
    categories: Array.isArray(names['categories']) ? (names['categories'] as string[]) : [],
    statusSubresource: isRecord(subresources['status']),
    ...(scale !== undefined ? { scale } : {}),
    generation: true,
    returnDeletedObject: true,
    fieldSelectors,
    createOnUpdate: false,
    custom: true,
    schemas,
    printerColumns: Array.isArray(storage?.['additionalPrinterColumns']) ? (storage['additionalPrinterColumns'] as PrinterColumn[]) : [],
  };
}

