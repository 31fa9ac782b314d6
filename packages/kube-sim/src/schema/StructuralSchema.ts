import { FieldProblem, invalidValue, requiredValue, unsupportedValue } from '../api/ApiError';
import { deepCopy, isRecord, jsonEqual } from '../store/KubeObject';

/** The subset of a CRD's `openAPIV3Schema` (JSONSchemaProps) the simulator interprets. */
export interface JsonSchemaProps {
  type?: string;
  format?: string;
  properties?: Record<string, JsonSchemaProps>;
  additionalProperties?: JsonSchemaProps | boolean;
  items?: JsonSchemaProps;
  required?: string[];
  enum?: unknown[];
  nullable?: boolean;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  uniqueItems?: boolean;
  anyOf?: JsonSchemaProps[];
  oneOf?: JsonSchemaProps[];
  allOf?: JsonSchemaProps[];
  not?: JsonSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  [other: string]: unknown;
}

/** The ObjectMeta fields kept on a custom resource; any other `metadata` field is pruned like a real server. */
const OBJECT_META_FIELDS = new Set([
  'name', 'generateName', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields', 'selfLink',
]);

const preserves = (s: JsonSchemaProps | undefined): boolean => s?.['x-kubernetes-preserve-unknown-fields'] === true;

/**
 * Remove the fields the schema does not declare (unless preserved by `x-kubernetes-preserve-unknown-fields`
 * or `additionalProperties`), in place. `apiVersion`, `kind` and `metadata` survive at the root and in
 * embedded resources. Returns the pruned field paths (`spec.foo`), which `fieldValidation=Strict` reports.
 */
export function pruneUnknownFields(obj: Record<string, unknown>, schema: JsonSchemaProps): string[] {
  const pruned: string[] = [];
  pruneObject(obj, schema, '', pruned, true);
  return pruned;
}

function join(path: string, k: string): string {
  return path === '' ? k : `${path}.${k}`;
}

function pruneValue(v: unknown, s: JsonSchemaProps | undefined, path: string, pruned: string[]): void {
  if (s === undefined || s['x-kubernetes-int-or-string'] === true) return;
  if (isRecord(v)) pruneObject(v, s, path, pruned, s['x-kubernetes-embedded-resource'] === true);
  else if (Array.isArray(v)) v.forEach((e, i) => pruneValue(e, s.items, `${path}[${i}]`, pruned));
}

function pruneObject(obj: Record<string, unknown>, s: JsonSchemaProps, path: string, pruned: string[], resourceRoot: boolean): void {
  const props = s.properties ?? {};
  const additional = isRecord(s.additionalProperties) ? (s.additionalProperties as JsonSchemaProps) : undefined;
  for (const k of Object.keys(obj)) {
    const p = join(path, k);
    if (resourceRoot && (k === 'apiVersion' || k === 'kind')) continue;
    if (resourceRoot && k === 'metadata') {
      const meta = obj[k];
      if (isRecord(meta)) for (const mk of Object.keys(meta)) if (!OBJECT_META_FIELDS.has(mk)) {
        delete meta[mk];
        pruned.push(`${p}.${mk}`);
      }
      continue;
    }
    const child = props[k] ?? additional;
    if (child !== undefined) pruneValue(obj[k], child, p, pruned);
    else if (preserves(s) || s.additionalProperties === true) continue;
    else {
      delete obj[k];
      pruned.push(p);
    }
  }
}

/**
 * Apply `default`s in place (absent properties get a copy of their default, recursively), after dropping
 * `null` values of fields that are not `nullable`, as the API server does before defaulting.
 */
export function applyDefaults(v: unknown, s: JsonSchemaProps | undefined): void {
  if (s === undefined) return;
  if (isRecord(v)) {
    const props = s.properties ?? {};
    const additional = isRecord(s.additionalProperties) ? (s.additionalProperties as JsonSchemaProps) : undefined;
    for (const [k, ps] of Object.entries(props)) {
      if (v[k] === null && ps.nullable !== true) delete v[k];
      if (!(k in v) && ps.default !== undefined) v[k] = deepCopy(ps.default);
    }
    for (const [k, child] of Object.entries(v)) applyDefaults(child, props[k] ?? additional);
  } else if (Array.isArray(v)) {
    for (const e of v) applyDefaults(e, s.items);
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isRecord(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

/**
 * Validate a value against the schema's value validations: `type`, `nullable`, `enum`, `required`,
 * numeric bounds, lengths, `pattern`, item and property counts, `uniqueItems`, list-map key uniqueness,
 * `x-kubernetes-int-or-string` and `anyOf`/`oneOf`/`allOf`/`not`. Field problems read like the API
 * server's (`spec.replicas in body must be of type integer: "string"`). CEL rules are not evaluated.
 */
export function validateAgainstSchema(v: unknown, s: JsonSchemaProps | undefined, path: string): FieldProblem[] {
  const out: FieldProblem[] = [];
  validate(v, s, path, out, true);
  return out;
}

function validate(v: unknown, s: JsonSchemaProps | undefined, path: string, out: FieldProblem[], resourceRoot: boolean): void {
  if (s === undefined) return;
  const at = path === '' ? '<root>' : path;
  if (v === null) {
    if (s.nullable !== true && s.type !== undefined) out.push(invalidValue(at, 'null', `${at} in body must be of type ${s.type}: "null"`));
    return;
  }
  if (s['x-kubernetes-int-or-string'] === true) {
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) {
      out.push(invalidValue(at, typeName(v), `${at} in body must be of type integer,string: "${typeName(v)}"`));
      return;
    }
  } else if (s.type !== undefined && !typeMatches(v, s.type)) {
    out.push(invalidValue(at, typeName(v), `${at} in body must be of type ${s.type}: "${typeName(v)}"`));
    return;
  }
  if (s.enum !== undefined && !s.enum.some((e) => jsonEqual(e, v))) out.push(unsupportedValue(at, v, s.enum));
  if (typeof v === 'number') {
    if (s.minimum !== undefined && (s.exclusiveMinimum === true ? v <= s.minimum : v < s.minimum))
      out.push(invalidValue(at, v, `${at} in body should be greater than ${s.exclusiveMinimum === true ? '' : 'or equal to '}${s.minimum}`));
    if (s.maximum !== undefined && (s.exclusiveMaximum === true ? v >= s.maximum : v > s.maximum))
      out.push(invalidValue(at, v, `${at} in body should be less than ${s.exclusiveMaximum === true ? '' : 'or equal to '}${s.maximum}`));
  }
  if (typeof v === 'string') {
    if (s.minLength !== undefined && [...v].length < s.minLength) out.push(invalidValue(at, v, `${at} in body should be at least ${s.minLength} chars long`));
    if (s.maxLength !== undefined && [...v].length > s.maxLength)
      out.push({ field: at, reason: 'FieldValueTooLong', detail: `Too long: may not be more than ${s.maxLength} bytes` });
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v)) out.push(invalidValue(at, v, `${at} in body should match '${s.pattern}'`));
  }
  if (Array.isArray(v)) {
    if (s.minItems !== undefined && v.length < s.minItems) out.push(invalidValue(at, v.length, `${at} in body should have at least ${s.minItems} items`));
    if (s.maxItems !== undefined && v.length > s.maxItems)
      out.push({ field: at, reason: 'FieldValueTooMany', detail: `Too many: ${v.length}: must have at most ${s.maxItems} items` });
    const listType = s['x-kubernetes-list-type'];
    if (s.uniqueItems === true || listType === 'set') {
      v.forEach((e, i) => {
        if (v.findIndex((x) => jsonEqual(x, e)) < i) out.push({ field: `${at}[${i}]`, reason: 'FieldValueDuplicate', detail: `Duplicate value: ${JSON.stringify(e)}` });
      });
    }
    if (listType === 'map') {
      const keys = s['x-kubernetes-list-map-keys'] ?? [];
      const keyOf = (e: unknown): string => JSON.stringify(keys.map((k) => (isRecord(e) ? e[k] : undefined)));
      v.forEach((e, i) => {
        if (v.findIndex((x) => keyOf(x) === keyOf(e)) < i) out.push({ field: `${at}[${i}]`, reason: 'FieldValueDuplicate', detail: `Duplicate value: ${keyOf(e)}` });
      });
    }
    v.forEach((e, i) => validate(e, s.items, `${path}[${i}]`, out, false));
  }
  if (isRecord(v)) {
    for (const r of s.required ?? []) if (!(r in v) || v[r] === undefined) out.push(requiredValue(join(path, r)));
    const n = Object.keys(v).length;
    if (s.minProperties !== undefined && n < s.minProperties) out.push(invalidValue(at, n, `${at} in body should have at least ${s.minProperties} properties`));
    if (s.maxProperties !== undefined && n > s.maxProperties) out.push(invalidValue(at, n, `${at} in body should have at most ${s.maxProperties} properties`));
    const props = s.properties ?? {};
    const additional = isRecord(s.additionalProperties) ? (s.additionalProperties as JsonSchemaProps) : undefined;
    for (const [k, child] of Object.entries(v)) {
      if (resourceRoot && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
      validate(child, props[k] ?? additional, join(path, k), out, false);
    }
  }
  const branchOk = (b: JsonSchemaProps): boolean => {
    const sub: FieldProblem[] = [];
    validate(v, b, path, sub, false);
    return sub.length === 0;
  };
  if (s.allOf !== undefined) for (const b of s.allOf) validate(v, b, path, out, false);
  if (s.anyOf !== undefined && !s.anyOf.some(branchOk)) out.push(invalidValue(at, typeName(v), `${at} in body must match at least one schema in anyOf`));
  if (s.oneOf !== undefined && s.oneOf.filter(branchOk).length !== 1) out.push(invalidValue(at, typeName(v), `${at} in body must validate one and only one schema (oneOf)`));
  if (s.not !== undefined && branchOk(s.not)) out.push(invalidValue(at, typeName(v), `${at} in body must not validate the schema (not)`));
}

/** Problems that make a CRD schema unusable (a subset of the structural-schema rules). */
export function checkStructural(s: JsonSchemaProps | undefined, path: string): FieldProblem[] {
  const out: FieldProblem[] = [];
  if (s === undefined) return [requiredValue(path, 'schemas are required')];
  const walk = (n: JsonSchemaProps, p: string, root: boolean): void => {
    const special = n['x-kubernetes-int-or-string'] === true || n['x-kubernetes-preserve-unknown-fields'] === true;
    if (n.type === undefined && !special && !root) out.push(requiredValue(`${p}.type`, 'must not be empty for specified object fields'));
    if (root && n.type !== 'object') out.push(invalidValue(`${p}.type`, n.type ?? '', 'must be object at the root'));
    for (const [k, c] of Object.entries(n.properties ?? {})) if (isRecord(c)) walk(c, `${p}.properties[${k}]`, false);
    if (isRecord(n.items)) walk(n.items, `${p}.items`, false);
    if (isRecord(n.additionalProperties)) walk(n.additionalProperties as JsonSchemaProps, `${p}.additionalProperties`, false);
  };
  walk(s, path, true);
  return out;
}
