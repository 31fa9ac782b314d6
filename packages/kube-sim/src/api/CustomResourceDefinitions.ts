/** Validation and status of `CustomResourceDefinition` objects (apiextensions.k8s.io/v1). */
import { FieldProblem, invalidValue, requiredValue, unsupportedValue } from './ApiError';
import { isRecord, KubeObject } from '../store/KubeObject';
import { checkStructural, JsonSchemaProps } from '../schema/StructuralSchema';
import { checkLabelName, checkSubdomainName } from './ObjectNames';

type Rec = Record<string, unknown>;

/** Problems that make a CRD invalid (422), on create or update. */
export function validateCrd(crd: KubeObject, old: KubeObject | undefined): FieldProblem[] {
  const out: FieldProblem[] = [];
  const spec = isRecord(crd['spec']) ? (crd['spec'] as Rec) : undefined;
  if (spec === undefined) return [requiredValue('spec')];
  const group = spec['group'];
  const names = isRecord(spec['names']) ? spec['names'] : undefined;
  if (typeof group !== 'string' || group === '') out.push(requiredValue('spec.group'));
  else if (!group.includes('.')) out.push(invalidValue('spec.group', group, 'should be a domain with at least one dot'));
  else out.push(...checkSubdomainName('spec.group', group));
  if (names === undefined) out.push(requiredValue('spec.names'));
  const plural = names?.['plural'];
  const kind = names?.['kind'];
  if (typeof plural !== 'string' || plural === '') out.push(requiredValue('spec.names.plural'));
  else out.push(...checkLabelName('spec.names.plural', plural));
  if (typeof kind !== 'string' || kind === '') out.push(requiredValue('spec.names.kind'));
  if (typeof plural === 'string' && typeof group === 'string' && crd.metadata.name !== `${plural}.${group}`)
    out.push(invalidValue('metadata.name', crd.metadata.name ?? '', 'must be spec.names.plural+"."+spec.group'));
  const scope = spec['scope'];
  if (scope !== 'Namespaced' && scope !== 'Cluster') out.push(unsupportedValue('spec.scope', scope ?? '', ['Cluster', 'Namespaced']));
  const versions = Array.isArray(spec['versions']) ? (spec['versions'] as unknown[]) : [];
  if (versions.length === 0) out.push(requiredValue('spec.versions', 'must have exactly one version marked as storage version'));
  let storage = 0;
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`;
    if (!isRecord(v)) return;
    if (typeof v['name'] !== 'string' || v['name'] === '') out.push(requiredValue(`${p}.name`));
    else if (seen.has(v['name'])) out.push({ field: `${p}.name`, reason: 'FieldValueDuplicate', detail: `Duplicate value: "${v['name']}"` });
    else seen.add(v['name']);
    if (v['storage'] === true) storage++;
    const schema = isRecord(v['schema']) ? (v['schema'] as Rec)['openAPIV3Schema'] : undefined;
    out.push(...checkStructural(isRecord(schema) ? (schema as JsonSchemaProps) : undefined, `${p}.schema.openAPIV3Schema`));
  });
  if (versions.length > 0 && storage !== 1)
    out.push(invalidValue('spec.versions', versions.length, 'must have exactly one version marked as storage version'));
  if (old !== undefined) {
    const oldSpec = (old['spec'] ?? {}) as Rec;
    if (oldSpec['scope'] !== spec['scope']) out.push(invalidValue('spec.scope', spec['scope'] ?? '', 'field is immutable'));
    if (oldSpec['group'] !== spec['group']) out.push(invalidValue('spec.group', spec['group'] ?? '', 'field is immutable'));
  }
  return out;
}

/** The status of a CRD whose names were accepted: Established, NamesAccepted, acceptedNames, storedVersions. */
export function establishedStatus(crd: KubeObject, nowIso: string, previous: unknown): Rec {
  const spec = (crd['spec'] ?? {}) as Rec;
  const names = (spec['names'] ?? {}) as Rec;
  const kind = String(names['kind'] ?? '');
  const versions = Array.isArray(spec['versions']) ? (spec['versions'] as Rec[]) : [];
  const storageVersion = versions.find((v) => v['storage'] === true)?.['name'];
  const prevStored = isRecord(previous) && Array.isArray(previous['storedVersions']) ? (previous['storedVersions'] as string[]) : [];
  const storedVersions = [...prevStored];
  if (typeof storageVersion === 'string' && !storedVersions.includes(storageVersion)) storedVersions.push(storageVersion);
  const prevConditions = isRecord(previous) && Array.isArray(previous['conditions']) ? (previous['conditions'] as Rec[]) : [];
  const since = (type: string): string => String(prevConditions.find((c) => c['type'] === type)?.['lastTransitionTime'] ?? nowIso);
  return {
    conditions: [
      { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: since('NamesAccepted') },
      { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: since('Established') },
    ],
    acceptedNames: {
      plural: names['plural'],
      singular: names['singular'] ?? kind.toLowerCase(),
      kind,
      listKind: names['listKind'] ?? `${kind}List`,
      ...(Array.isArray(names['shortNames']) ? { shortNames: names['shortNames'] } : {}),
      ...(Array.isArray(names['categories']) ? { categories: names['categories'] } : {}),
    },
    storedVersions,
  };
}
