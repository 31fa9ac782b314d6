/** One AWS SDK call with a deadline and the caller's cancellation, failures turned into PluginError values. */
import * as E from 'fp-ts/lib/Either';
import type { PluginError } from '@rollouts/plugin-sdk';
import { awsFailure, type AwsFailureKind } from './AwsFailure';

export interface AwsCallSpec {
  readonly kind: AwsFailureKind;
  /** `ELBv2 DescribeRules` */
  readonly what: string;
  /** `elasticloadbalancing:DescribeRules` */
  readonly permission: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly endpoint: string | undefined;
}

/** Any object with the SDK's abort-aware `send` shape is called through `run(abortSignal)`. */
export async function callAws<T>(spec: AwsCallSpec, run: (abortSignal: AbortSignal) => Promise<T>): Promise<E.Either<PluginError, T>> {
  const ac = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, spec.timeoutMs);
  const onAbort = (): void => ac.abort();
  if (spec.signal?.aborted === true) ac.abort();
  spec.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return E.right(await run(ac.signal));
  } catch (err) {
    return E.left(awsFailure(spec.kind, spec.what, spec.permission, err, timedOut, spec.endpoint));
  } finally {
    clearTimeout(timer);
    spec.signal?.removeEventListener('abort', onAbort);
  }
}
