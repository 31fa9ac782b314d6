/**
 * Kubernetes `Status` failures. Inside the server every refusal is an {@link ApiError}, thrown by the
 * layer that detects it and turned into a `Status` body with the same code at the HTTP edge (and into an
 * `ERROR` event inside a watch stream).
 */

/** One entry of `Status.details.causes`. */
export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field?: string;
}

/** The `Status` object the API server returns for failures (and for some successful deletes). */
export interface Status {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure' | 'Success';
  readonly message?: string;
  readonly reason?: string;
  readonly details?: {
    readonly name?: string;
    readonly group?: string;
    readonly kind?: string;
    readonly uid?: string;
    readonly causes?: readonly StatusCause[];
    readonly retryAfterSeconds?: number;
  };
  readonly code: number;
}

/** Identifies the object an error is about, as Kubernetes puts it in `details`. */
export interface ErrorTarget {
  /** Resource plural (`pods`) — Kubernetes puts the resource, not the Kind, in `details.kind`. */
  readonly resource: string;
  readonly group: string;
  readonly name?: string;
}

/** A refusal with a Kubernetes status code and reason; see the constructors below. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Status['details'],
    /** Extra response headers, e.g. `Retry-After` for 429. */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The `Status` body for this error. */
  toStatus(): Status {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details !== undefined ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** `pods "x"` or `deployments.apps "x"`: how Kubernetes names an object in messages. */
export function qualifiedName(t: ErrorTarget): string {
  const gr = t.group === '' ? t.resource : `${t.resource}.${t.group}`;
  return t.name !== undefined ? `${gr} "${t.name}"` : gr;
}

function detailsOf(t: ErrorTarget): NonNullable<Status['details']> {
  return { ...(t.name !== undefined ? { name: t.name } : {}), ...(t.group !== '' ? { group: t.group } : {}), kind: t.resource };
}

/** 404 NotFound for one object. */
export function notFound(t: ErrorTarget): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedName(t)} not found`, detailsOf(t));
}

/** 404 NotFound for a path the server does not serve. */
export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

/** 409 AlreadyExists. */
export function alreadyExists(t: ErrorTarget): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedName(t)} already exists`, detailsOf(t));
}

/** 409 Conflict: a write based on a stale resourceVersion (or a failed precondition). */
export function conflict(t: ErrorTarget, why = 'the object has been modified; please apply your changes to the latest version and try again'): ApiError {
  return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedName(t)}: ${why}`, detailsOf(t));
}

/** 410 Expired: a watch or continue token from a compacted resourceVersion. */
export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message, {});
}

/** 400 BadRequest. */
export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message, {});
}

/** 405 MethodNotAllowed. */
export function methodNotAllowed(message: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', message, {});
}

/** 415 UnsupportedMediaType. */
export function unsupportedMediaType(message: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', message, {});
}

/** 403 Forbidden. */
export function forbidden(t: ErrorTarget, why: string): ApiError {
  return new ApiError(403, 'Forbidden', `${qualifiedName(t)} is forbidden: ${why}`, detailsOf(t));
}

/** 401 Unauthorized. */
export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized', {});
}

/** 429 TooManyRequests with a Retry-After. */
export function tooManyRequests(retryAfterSeconds = 1): ApiError {
  return new ApiError(
    429,
    'TooManyRequests',
    'the server has received too many requests and has asked us to try again later',
    { retryAfterSeconds },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

/** 500 InternalError. */
export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ reason: 'UnexpectedServerResponse', message }] });
}

/** 503 ServiceUnavailable. */
export function serviceUnavailable(message: string): ApiError {
  return new ApiError(503, 'ServiceUnavailable', message, {});
}

/** One field problem of a 422, as Kubernetes' field errors: `spec.replicas: Invalid value: -1: must be >= 0`. */
export interface FieldProblem {
  readonly field: string;
  /** `FieldValueInvalid`, `FieldValueRequired`, `FieldValueNotSupported`, `FieldValueTypeInvalid`, `FieldValueForbidden`, `FieldValueDuplicate`, `FieldValueTooLong`. */
  readonly reason: string;
  /** The part after the field name, e.g. `Invalid value: "x": must be an integer` or `Required value`. */
  readonly detail: string;
}

/** 422 Invalid with one cause per field problem. `kindGroup` is `Rollout.argoproj.io` or `Pod`. */
export function invalid(kindGroup: string, name: string, problems: readonly FieldProblem[], t: ErrorTarget): ApiError {
  const parts = problems.map((p) => `${p.field}: ${p.detail}`);
  const summary = parts.length === 1 ? parts[0]! : `[${parts.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${kindGroup} "${name}" is invalid: ${summary}`, {
    name,
    ...(t.group !== '' ? { group: t.group } : {}),
    kind: kindGroup.split('.')[0]!,
    causes: problems.map((p) => ({ reason: p.reason, message: p.detail, field: p.field })),
  });
}

/** A field problem for an invalid value, rendering the value the way Kubernetes does. */
export function invalidValue(field: string, value: unknown, why: string): FieldProblem {
  return { field, reason: 'FieldValueInvalid', detail: `Invalid value: ${renderValue(value)}: ${why}` };
}

/** A field problem for a missing required value. */
export function requiredValue(field: string, why?: string): FieldProblem {
  return { field, reason: 'FieldValueRequired', detail: why !== undefined ? `Required value: ${why}` : 'Required value' };
}

/** A field problem for a value outside an enumeration. */
export function unsupportedValue(field: string, value: unknown, allowed: readonly unknown[]): FieldProblem {
  return {
    field,
    reason: 'FieldValueNotSupported',
    detail: `Unsupported value: ${renderValue(value)}: supported values: ${allowed.map(renderValue).join(', ')}`,
  };
}

/** A field problem for a value that may not be set or changed. */
export function forbiddenValue(field: string, why: string): FieldProblem {
  return { field, reason: 'FieldValueForbidden', detail: `Forbidden: ${why}` };
}

function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[]' + (v.length > 0 ? 'interface {}' : '');
  if (typeof v === 'object') return '"object"';
  return String(v);
}

/** True if `e` is an {@link ApiError}. */
export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
