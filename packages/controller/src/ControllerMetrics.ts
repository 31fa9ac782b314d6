/**
 * What the controller reports for metrics, as a port: the app turns it into Prometheus series
 * (`rollout_reconcile`, `rollout_reconcile_error`, `rollout_events_total`, ...), tests count with it, and
 * `@rollouts/controller` itself depends on no metrics library. Every method is optional.
 */
import type { RequestMetrics } from '@rollouts/k8s';

/** The kinds the controller reconciles. */
export type ReconciledKind = 'Rollout' | 'AnalysisRun' | 'Experiment';

export interface ControllerMetrics {
  /** One reconcile finished; `error` when it is retried with backoff (a conflict, an API or plugin error, a bug). */
  reconciled?(r: { readonly kind: ReconciledKind; readonly namespace: string; readonly name: string; readonly durationMs: number; readonly error: boolean }): void;
  /** The controller recorded a Kubernetes Event. */
  event?(e: { readonly kind: ReconciledKind; readonly namespace: string; readonly name: string; readonly type: string; readonly reason: string }): void;
  /**
   * One planned notification's final outcome, after its retries (`notification_send_success` / `_error`, the
   * `notification_send` histogram): `type` and `reason` are the Event's (a condition trigger: `Normal` and its name).
   */
  notificationSent?(n: { readonly namespace: string; readonly name: string; readonly type: string; readonly reason: string; readonly durationMs: number; readonly error: boolean }): void;
  /** Every API request (for `controller_clientset_k8s_request_total`). */
  readonly requests?: RequestMetrics;
}
