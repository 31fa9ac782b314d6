/**
 * How an API server's answer becomes a {@link PluginError}: by HTTP status, with the request and the object
 * named in the message and the server's `Status` (reason, causes) kept as `cause` for logs.
 */
import { PluginErrors } from '@rollouts/plugin-sdk';
import type { PluginError } from '@rollouts/plugin-sdk';

/** What a request was about, to name it in messages and metrics. */
export interface RequestTarget {
  /** `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`. */
  readonly verb: string;
  /** The kind (`Rollout`) or, when unknown, the resource (`rollouts`). */
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
  /** `status` or `scale`. */
  readonly subresource?: string;
}

/** One cause of a `Status` (a field that failed validation, for instance). */
export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

/** The `Status` object an API server answers errors with (the fields we use). */
export interface KubeStatus {
  readonly code?: number;
  readonly reason?: string;
  readonly message?: string;
  readonly details?: { readonly causes?: readonly StatusCause[]; readonly retryAfterSeconds?: number };
}

/** `update status of Rollout default/guestbook`, `list ReplicaSet in default`. */
export function describeTarget(t: RequestTarget): string {
  const verb = t.subresource !== undefined ? `${t.verb} ${t.subresource} of` : t.verb;
  if (t.name !== undefined) return `${verb} ${t.kind} ${t.namespace !== undefined && t.namespace !== '' ? `${t.namespace}/` : ''}${t.name}`;
  return `${verb} ${t.kind}${t.namespace !== undefined && t.namespace !== '' ? ` in ${t.namespace}` : ''}`;
}

/** Read a response body as a `Status`, when it is one. */
export function asStatus(body: unknown): KubeStatus | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (b['kind'] !== 'Status' && typeof b['message'] !== 'string') return undefined;
  return b as KubeStatus;
}

function causesText(status: KubeStatus | undefined): string {
  const causes = status?.details?.causes ?? [];
  const message = status?.message ?? '';
  const parts = causes
    .map((c) => (c.field !== undefined && c.field !== '' ? `${c.field}: ${c.message ?? c.reason ?? ''}` : (c.message ?? c.reason ?? '')))
    .filter((p) => p !== '' && !message.includes(p));
  return parts.length > 0 ? ` (${parts.join('; ')})` : '';
}

function bodyText(body: unknown): string {
  if (typeof body === 'string') return body.trim().slice(0, 300);
  return '';
}

/**
 * Map an HTTP error answer to a PluginError: 409 `KubeConflict`; 404 `KubeNotFound`; 408, 429, 5xx, and 401
 * (credentials that may be refreshed) `KubeUnavailable`; any other 4xx (400, 403, 422 ...) `KubeRejected`.
 */
export function kubeErrorFromResponse(code: number, body: unknown, target: RequestTarget): PluginError {
  const status = asStatus(body);
  const what = status?.message ?? (bodyText(body) || `HTTP ${code}`);
  const reason = status?.reason !== undefined && status.reason !== '' ? `${status.reason}: ` : '';
  const message = `${describeTarget(target)}: ${reason}${what}${causesText(status)}`;
  const cause = status ?? body;
  if (code === 409) return PluginErrors.kubeConflict({ message, cause });
  if (code === 404) return PluginErrors.kubeNotFound({ message, cause });
  if (code === 401 || code === 408 || code === 429 || code >= 500 || code < 400) return PluginErrors.kubeUnavailable({ message, status: code, cause });
  return PluginErrors.kubeRejected({ message, status: code, cause });
}

/** A request that got no HTTP answer (refused connection, reset, timeout, credentials plugin failure). */
export function kubeErrorFromException(e: unknown, target: RequestTarget): PluginError {
  const detail = e instanceof Error ? (e.name === 'AbortError' || e.name === 'TimeoutError' ? `request timed out (${e.message})` : e.message) : String(e);
  return PluginErrors.kubeUnavailable({ message: `${describeTarget(target)}: ${detail}`, cause: e });
}
