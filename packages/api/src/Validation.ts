/**
 * The result of semantic validation: one entry per problem, at its true field path, with Argo's message.
 */

/** How the problem reads in Go's `field.Error` terms (Argo's lint prints these). */
export type ValidationErrorType = 'Invalid' | 'Required' | 'Forbidden' | 'NotSupported' | 'InternalError' | 'NotFound' | 'Duplicate';

export interface ValidationError {
  /** Full field path, e.g. `spec.strategy.canary.steps[2].setWeight`. */
  readonly path: string;
  readonly type: ValidationErrorType;
  /** The rule's message without the path, e.g. `SetWeight needs to be between 0 and 100`. */
  readonly message: string;
  /** The offending value, when the rule reports one (rendered as Go would: strings quoted, others JSON). */
  readonly value?: unknown;
  /** Rule identifier from our validation catalogue (`R1`, `C1`, `ST3`, ...), for docs and tests. */
  readonly rule: string;
}

/** `path: body` as Go's `field.Error.Error()` renders it. */
export function formatValidationError(e: ValidationError): string {
  return `${e.path}: ${validationErrorBody(e)}`;
}

/** The body without the path: `Invalid value: 0: MaxSurge and MaxUnavailable both can not be zero`. */
export function validationErrorBody(e: ValidationError): string {
  switch (e.type) {
    case 'Invalid':
      return `Invalid value: ${renderValue(e.value)}: ${e.message}`;
    case 'Required':
      return e.message === '' ? 'Required value' : `Required value: ${e.message}`;
    case 'Duplicate':
      return `Duplicate value: ${renderValue(e.value)}`;
    case 'Forbidden':
      return `Forbidden: ${e.message}`;
    case 'NotSupported':
      return `Unsupported value: ${renderValue(e.value)}: ${e.message}`;
    case 'InternalError':
      return `Internal error: ${e.message}`;
    case 'NotFound':
      return `Not found: ${renderValue(e.value)}`;
  }
}

/** Go's rendering of a value in a field error: numbers and booleans bare, strings quoted, the rest JSON. */
export function renderValue(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
