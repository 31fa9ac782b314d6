/** A sink for one record per API request (the controller turns it into `controller_clientset_k8s_request_total`). */
export interface RequestMetrics {
  /**
   * `verb`: get, list, watch, create, update, patch, delete. `kind`: the resource kind (`Rollout`).
   * `code`: the HTTP status, or 0 when no answer came (connection refused, reset, timeout).
   */
  record(r: { verb: string; kind: string; namespace?: string; name?: string; code: number }): void;
}
