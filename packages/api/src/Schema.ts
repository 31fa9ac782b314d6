/**
 * One definition, three uses: every API type in this package is declared once with these combinators, and
 * that declaration is at the same time
 *  - an io-ts codec (`Codec<A>` is a `t.Type<A, A, unknown>`) that decodes, collecting every error with its
 *    field path, and keeps unknown fields so that `encode(decode(x))` deep-equals `x`;
 *  - the source of our CRD OpenAPI schemas (`toOpenApiSchema` in Crd.ts);
 *  - a walkable tree that the strict checker, the field-coverage test and the generators read.
 *
 * Decoding never transforms values (durations stay strings, IntOrString stays number | string), so encoding
 * is the identity and round trips are exact. Defaulting and parsing are separate, named functions.
 */
import * as t from 'io-ts';
import * as E from 'fp-ts/lib/Either';

/** A node of the schema tree. */
export type SchemaNode =
  | StringNode
  | IntegerNode
  | { readonly type: 'number'; readonly description?: string }
  | { readonly type: 'boolean'; readonly description?: string }
  | { readonly type: 'int-or-string'; readonly description?: string }
  | { readonly type: 'quantity'; readonly description?: string }
  | { readonly type: 'array'; readonly items: SchemaNode; readonly description?: string }
  | { readonly type: 'map'; readonly values: SchemaNode; readonly description?: string }
  | ObjectNode
  | { readonly type: 'any'; readonly description?: string };

export interface StringNode {
  readonly type: 'string';
  readonly enum?: readonly string[];
  readonly format?: 'date-time';
  readonly description?: string;
}

export interface IntegerNode {
  readonly type: 'integer';
  readonly format: 'int32' | 'int64';
  readonly description?: string;
}

export interface PropertyNode {
  readonly node: SchemaNode;
  readonly required: boolean;
}

export interface ObjectNode {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, PropertyNode>>;
  /** Unknown fields are legal here (pod specs, plugin configs): kept, never reported by strict decoding. */
  readonly preserveUnknown: boolean;
  readonly description?: string;
}

/** A codec that also carries its schema node. */
export class Codec<A> extends t.Type<A, A, unknown> {
  readonly _tag = 'RolloutsCodec' as const;
  constructor(
    name: string,
    readonly node: SchemaNode,
  ) {
    super(
      name,
      (u): u is A => collectErrors(node, u, '', false).length === 0,
      (u, c) => {
        const errors = collectErrors(node, u, '', false);
        return errors.length === 0 ? t.success(u as A) : t.failures(errors.map((e) => ({ value: e.found, context: c, message: e.message })));
      },
      (a) => a,
    );
  }

  /** The same codec with a description, for the CRD schema and `kubectl explain`. */
  describe(description: string): Codec<A> {
    return new Codec<A>(this.name, { ...this.node, description } as SchemaNode);
  }
}

export type TypeOf<C> = C extends Codec<infer A> ? A : never;

/** One problem found while decoding: where, what was expected, what was found. */
export interface FieldError {
  readonly path: string;
  readonly expected: string;
  readonly found: unknown;
  /** The problem without the path: `expected integer, got "abc"`. */
  readonly detail: string;
  /** `path: detail`. */
  readonly message: string;
}

export interface DecodeOptions {
  /** Report fields that the schema does not know (as `kubectl --validate=strict` would). Default false. */
  readonly strict?: boolean;
  /** Path prefix for messages, e.g. `spec` when decoding a sub-object. */
  readonly path?: string;
  /**
   * Accept any number where an integer (or an IntOrString number) is expected: fractions, values beyond the
   * field's range, infinities; and any value in a resource list (which the CRD leaves unchecked). For a controller reading objects the API server admitted, so that such values
   * reach validation (`numericFieldProblems`), which reports each at its field path, instead of making the
   * whole object unreadable. Default false.
   */
  readonly lenientNumbers?: boolean;
}

/** Decode with every error reported at its field path. */
export function decode<A>(codec: Codec<A>, value: unknown, options: DecodeOptions = {}): E.Either<ReadonlyArray<FieldError>, A> {
  const errors = collectErrors(codec.node, value, options.path ?? '', options.strict ?? false, options.lenientNumbers ?? false);
  return errors.length === 0 ? E.right(value as A) : E.left(errors);
}

/** The identity, typed: decoding does not transform, so this is what `codec.encode` does too. */
export function encode<A>(codec: Codec<A>, value: A): unknown {
  return codec.encode(value);
}

// ---------------------------------------------------------------------------------------------------------
// Combinators

export const string = (options: { enum?: readonly string[]; format?: 'date-time' } = {}): Codec<string> =>
  new Codec<string>('string', { type: 'string', ...options });

/**
 * A string whose usual values are known but which must accept others: status fields written by a controller
 * (a newer Argo Rollouts may write a phase or reason we do not know yet, and reading it must not fail).
 * No enum in the CRD; the type is the union plus any string.
 */
export const knownString = <L extends string>(...values: readonly L[]): Codec<L | (string & {})> =>
  new Codec<L | (string & {})>(`${values.map((v) => JSON.stringify(v)).join(' | ')} | string`, { type: 'string' });

/** A string restricted to the given values; the type is their union. */
export const literal = <L extends string>(...values: readonly L[]): Codec<L> => new Codec<L>(values.map((v) => JSON.stringify(v)).join(' | '), { type: 'string', enum: values });

export const int32 = (): Codec<number> => new Codec<number>('int32', { type: 'integer', format: 'int32' });
export const int64 = (): Codec<number> => new Codec<number>('int64', { type: 'integer', format: 'int64' });
export const number = (): Codec<number> => new Codec<number>('number', { type: 'number' });
export const boolean = (): Codec<boolean> => new Codec<boolean>('boolean', { type: 'boolean' });

/** Kubernetes IntOrString: an integer, or a string (for example `"25%"`). */
export type IntOrString = number | string;
export const intOrString = (): Codec<IntOrString> => new Codec<IntOrString>('IntOrString', { type: 'int-or-string' });

/** A Kubernetes resource quantity (`"500m"`, `"1Gi"`, `2`), kept as written; `parseQuantity` checks it. */
export type Quantity = number | string;
export const quantity = (): Codec<Quantity> => new Codec<Quantity>('Quantity', { type: 'quantity' });

/** Any JSON value, kept as it is (plugin configs, JSON bodies, raw extension objects). */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
export const json = (): Codec<Json> => new Codec<Json>('Json', { type: 'any' });

export const array = <A>(items: Codec<A>): Codec<ReadonlyArray<A>> =>
  new Codec<ReadonlyArray<A>>(`Array<${items.name}>`, { type: 'array', items: items.node });

/** A string-keyed map (labels, annotations, resource lists). */
export const record = <A>(values: Codec<A>): Codec<Readonly<Record<string, A>>> =>
  new Codec<Readonly<Record<string, A>>>(`Record<string, ${values.name}>`, { type: 'map', values: values.node });

type Props = Record<string, Codec<any>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** Optional fields may be absent or `null` (Go decodes both to the zero value). */
export type StructOf<R extends Props, O extends Props> = Simplify<
  { readonly [K in keyof R]: TypeOf<R[K]> } & { readonly [K in keyof O]?: TypeOf<O[K]> | null }
>;

/** An object with required and optional properties. Unknown fields are kept at run time. */
export function struct<R extends Props, O extends Props>(
  name: string,
  required: R,
  optional: O,
  options: { preserveUnknown?: boolean; description?: string } = {},
): Codec<StructOf<R, O>> {
  const properties: Record<string, PropertyNode> = {};
  for (const [k, c] of Object.entries(required)) properties[k] = { node: c.node, required: true };
  for (const [k, c] of Object.entries(optional)) properties[k] = { node: c.node, required: false };
  return new Codec(name, {
    type: 'object',
    properties,
    preserveUnknown: options.preserveUnknown ?? false,
    ...(options.description === undefined ? {} : { description: options.description }),
  });
}

/** An optional-only object: shorthand for `struct(name, {}, optional)`. */
export const partial = <O extends Props>(name: string, optional: O, options: { preserveUnknown?: boolean } = {}) =>
  struct(name, {}, optional, options);

// ---------------------------------------------------------------------------------------------------------
// Checking

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** `a.b[2]["app.kubernetes.io/name"]` style path joining. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** How a value reads in an error message: strings quoted, objects and arrays named. */
export function describeValue(u: unknown): string {
  if (u === undefined) return 'nothing';
  if (u === null) return 'null';
  if (Array.isArray(u)) return 'array';
  if (typeof u === 'object') return 'object';
  if (typeof u === 'string') return JSON.stringify(u.length > 60 ? `${u.slice(0, 57)}...` : u);
  return String(u);
}

function describeNode(node: SchemaNode): string {
  switch (node.type) {
    case 'string':
      return node.enum ? `one of ${node.enum.map((v) => JSON.stringify(v)).join(', ')}` : node.format === 'date-time' ? 'RFC 3339 date-time string' : 'string';
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'int-or-string':
      return 'integer or string';
    case 'quantity':
      return 'quantity (string or number)';
    case 'array':
      return 'array';
    case 'map':
      return 'object (map)';
    case 'object':
      return 'object';
    case 'any':
      return 'any value';
  }
}

const isPlainObject = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function fail(errors: FieldError[], path: string, expected: string, found: unknown): void {
  const where = path === '' ? '(root)' : path;
  const detail = `expected ${expected}, got ${describeValue(found)}`;
  errors.push({ path: where, expected, found, detail, message: `${where}: ${detail}` });
}

/** Every error in `u` against `node`. `strict` also reports unknown fields; `lenientNumbers` as in `DecodeOptions`. */
export function collectErrors(node: SchemaNode, u: unknown, path: string, strict: boolean, lenientNumbers = false): FieldError[] {
  const errors: FieldError[] = [];
  check(node, u, path, { strict, lenientNumbers }, errors);
  return errors;
}

interface CheckOptions {
  readonly strict: boolean;
  readonly lenientNumbers: boolean;
}

function check(node: SchemaNode, u: unknown, path: string, options: CheckOptions, errors: FieldError[]): void {
  switch (node.type) {
    case 'string':
      if (typeof u !== 'string') return fail(errors, path, describeNode(node), u);
      if (node.enum && !node.enum.includes(u)) return fail(errors, path, describeNode(node), u);
      if (node.format === 'date-time' && !DATE_TIME.test(u)) return fail(errors, path, describeNode(node), u);
      return;
    case 'integer':
      if (options.lenientNumbers && typeof u === 'number') return;
      if (typeof u !== 'number' || !Number.isInteger(u)) return fail(errors, path, 'integer', u);
      if (node.format === 'int32' && (u < INT32_MIN || u > INT32_MAX)) return fail(errors, path, '32-bit integer', u);
      if (!Number.isSafeInteger(u)) return fail(errors, path, '64-bit integer within 2^53', u);
      return;
    case 'number':
      if (typeof u !== 'number' || !Number.isFinite(u)) return fail(errors, path, 'number', u);
      return;
    case 'boolean':
      if (typeof u !== 'boolean') return fail(errors, path, 'boolean', u);
      return;
    case 'int-or-string':
      if (typeof u === 'string' || (options.lenientNumbers && typeof u === 'number')) return;
      if (typeof u === 'number' && Number.isInteger(u) && u >= INT32_MIN && u <= INT32_MAX) return;
      return fail(errors, path, 'integer or string', u);
    case 'quantity':
      if (typeof u === 'string' || (typeof u === 'number' && Number.isFinite(u))) return;
      return fail(errors, path, 'quantity (string or number)', u);
    case 'any':
      return;
    case 'array':
      if (!Array.isArray(u)) return fail(errors, path, 'array', u);
      u.forEach((item, i) => check(node.items, item, childPath(path, i), options, errors));
      return;
    case 'map':
      if (!isPlainObject(u)) return fail(errors, path, 'object (map)', u);
      // A resource list keeps its values unchecked in the CRD (x-kubernetes-preserve-unknown-fields): what the
      // API server admits there is the pod template's business (see the core's TemplateQuantities).
      if (options.lenientNumbers && node.values.type === 'quantity') return;
      for (const [k, v] of Object.entries(u)) check(node.values, v, childPath(path, k), options, errors);
      return;
    case 'object': {
      if (!isPlainObject(u)) return fail(errors, path, 'object', u);
      for (const [k, p] of Object.entries(node.properties)) {
        const v = u[k];
        if (v === undefined || v === null) {
          if (p.required) {
            const where = childPath(path, k);
            const detail = `required field is missing (expected ${describeNode(p.node)})`;
            errors.push({ path: where, expected: describeNode(p.node), found: v, detail, message: `${where}: ${detail}` });
          }
          continue;
        }
        check(p.node, v, childPath(path, k), options, errors);
      }
      if (options.strict && !node.preserveUnknown) {
        for (const k of Object.keys(u)) {
          if (!(k in node.properties)) {
            const where = childPath(path, k);
            const detail = `unknown field "${k}"`;
            errors.push({ path: where, expected: 'no such field', found: u[k], detail, message: `${where}: ${detail}` });
          }
        }
      }
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Walking

/** Every property path the schema knows, in the `a.b[].c` / `labels{}` notation used by the coverage test. */
export function schemaPaths(node: SchemaNode, prefix = ''): string[] {
  switch (node.type) {
    case 'array':
      return schemaPaths(node.items, `${prefix}[]`);
    case 'map':
      return [`${prefix}{}`, ...schemaPaths(node.values, `${prefix}{}`).filter((p) => p !== `${prefix}{}`)];
    case 'object': {
      const out: string[] = [prefix];
      for (const [k, p] of Object.entries(node.properties)) out.push(...schemaPaths(p.node, prefix === '' ? k : `${prefix}.${k}`));
      return out;
    }
    default:
      return [prefix];
  }
}

/** The node at a dotted path (`spec.strategy.canary`, `steps[]`), or undefined. */
export function nodeAt(node: SchemaNode, path: string): SchemaNode | undefined {
  let cur: SchemaNode | undefined = node;
  for (const seg of path.split('.').filter((s) => s !== '')) {
    const m = /^([^[{]*)((?:\[\]|\{\})*)$/.exec(seg);
    if (!m || cur === undefined) return undefined;
    const [, name = '', suffix = ''] = m;
    if (name !== '') {
      if (cur.type !== 'object') return undefined;
      cur = cur.properties[name]?.node;
    }
    for (const s of suffix.match(/\[\]|\{\}/g) ?? []) {
      if (cur === undefined) return undefined;
      if (s === '[]' && cur.type === 'array') cur = cur.items;
      else if (s === '{}' && cur.type === 'map') cur = cur.values;
      else return undefined;
    }
  }
  return cur;
}
