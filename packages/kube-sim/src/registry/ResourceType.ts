import { JsonSchemaProps } from '../schema/StructuralSchema';

/** Where the `scale` subresource reads and writes replicas (CRD `subresources.scale`). */
export interface ScaleSpec {
  readonly specReplicasPath: string;
  readonly statusReplicasPath: string;
  /** A path to a string selector (CRDs) or, for built-ins, `spec.selector` in object form. */
  readonly labelSelectorPath?: string;
}

/** An additional printer column (`kubectl get` table output). */
export interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
  readonly description?: string;
  readonly priority?: number;
  readonly format?: string;
}

/**
 * Everything the server knows about one REST resource: names, scope, verbs, subresources, and for
 * custom resources the schema per version.
 */
export interface ResourceType {
  /** API group, `''` for core. */
  readonly group: string;
  /** Served versions; the first is preferred. */
  readonly versions: readonly string[];
  /** Plural resource name used in URLs. */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly listKind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** `status` subresource: writes to the main resource ignore status, writes to /status only status. */
  readonly statusSubresource: boolean;
  readonly scale?: ScaleSpec;
  /** Whether `metadata.generation` is tracked (bumped on changes outside metadata and status). */
  readonly generation: boolean;
  /** Whether DELETE answers with the deleted object (true) or a `Status` (false). */
  readonly returnDeletedObject: boolean;
  /** Field selector keys supported besides `metadata.name` and `metadata.namespace`. */
  readonly fieldSelectors: readonly string[];
  /** Whether PUT may create an object that does not exist yet. */
  readonly createOnUpdate: boolean;
  /** Defined by a CRD (no strategic merge patch, schema applied). */
  readonly custom: boolean;
  /** Per served version: the structural schema (custom resources only). */
  readonly schemas?: Readonly<Record<string, JsonSchemaProps | undefined>>;
  readonly printerColumns?: readonly PrinterColumn[];
}

/** The store key of a resource: `group/resource` (`/pods` for core). */
export function resourceKey(t: Pick<ResourceType, 'group' | 'resource'>): string {
  return `${t.group}/${t.resource}`;
}

/** `apps/v1` or `v1`. */
export function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}
