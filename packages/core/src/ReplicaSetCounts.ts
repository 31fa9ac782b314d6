/**
 * The two numbers of a ReplicaSet the replica arithmetic looks at.
 */
import { requireWholeNumber } from './internal/WholeNumber';

/** A ReplicaSet as the arithmetic sees it: `spec.replicas` and `status.availableReplicas`. */
export interface ReplicaSetCounts {
  /** `spec.replicas`. */
  readonly replicas: number;
  /** `status.availableReplicas`; may exceed `replicas` while the ReplicaSet scales down. */
  readonly available: number;
}

/**
 * Throw a `RangeError` naming `field` unless both counts are non-negative integers; returns the counts.
 * A null or undefined ReplicaSet (one that does not exist) passes through unchanged.
 */
export function requireReplicaSetCounts<R extends ReplicaSetCounts | null | undefined>(field: string, rs: R): R {
  if (rs != null) {
    requireWholeNumber(`${field}.replicas`, rs.replicas);
    requireWholeNumber(`${field}.available`, rs.available);
  }
  return rs;
}
