/**
 * Whether a Service's endpoints are registered in its target group — Argo Rollouts' TargetGroupBinding check
 * (`--aws-verify-target-group` for blue-green switches and canary stable-service changes): every ready endpoint
 * `ip:port` of the Service must appear among the target group's targets (from `DescribeTargetHealth`), ignoring
 * targets that are draining. Pure; the targets come from {@link Elbv2TargetGroupReader.targetHealth}.
 */
import type { TargetHealth } from './Elbv2TargetGroupReader';

/** One ready endpoint of the Service (`EndpointSlice` address and port). */
export interface ServiceEndpoint {
  readonly ip: string;
  readonly port: number;
}

export interface TargetRegistration {
  /** Every endpoint is registered (and, with `requireHealthy`, healthy). */
  readonly verified: boolean;
  readonly endpointsTotal: number;
  readonly endpointsRegistered: number;
  /** `ip:port` of the endpoints not (yet) registered, for the status message. */
  readonly missing: ReadonlyArray<string>;
}

const key = (ip: string, port: number | undefined): string => `${ip}:${port ?? ''}`;

/**
 * Compare the endpoints with the targets. `requireHealthy` (default false, as Argo) also demands each target's
 * state be `healthy`, for callers that want traffic-ready targets rather than registered ones.
 */
export function verifyTargetRegistration(endpoints: ReadonlyArray<ServiceEndpoint>, targets: ReadonlyArray<TargetHealth>, requireHealthy = false): TargetRegistration {
  const registered = new Set(targets.filter((t) => !t.state.startsWith('draining') && t.state !== 'unhealthy.draining' && (!requireHealthy || t.state === 'healthy')).map((t) => key(t.id, t.port)));
  const wanted = [...new Set(endpoints.map((e) => key(e.ip, e.port)))];
  const missing = wanted.filter((k) => !registered.has(k));
  return { verified: missing.length === 0, endpointsTotal: wanted.length, endpointsRegistered: wanted.length - missing.length, missing };
}
