/**
 * Objects from the informer caches, checked once against our codecs. Each cached object is an immutable
 * snapshot, so the result is kept per object identity: a reconcile never decodes (or copies) an object the
 * controller has seen before.
 */
import * as E from 'fp-ts/lib/Either';
import { AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate, decode, Experiment, Rollout, type Codec, type FieldError } from '@rollouts/api';
import type { Logger } from '@rollouts/k8s';

/** A decoder that remembers its answer for every object it has seen. */
export interface CachedDecoder<A> {
  (u: unknown): E.Either<ReadonlyArray<FieldError>, A>;
}

/**
 * Decode with `codec`, once per object identity. Numbers are read leniently (`lenientNumbers`): the API server
 * admitted the object, so a fraction or an out-of-range integer in a spec is the user's to fix, and validation
 * reports it at its field path (InvalidSpec, or the run's Error phase) instead of the object going unread.
 */
export function cachedDecoder<A>(codec: Codec<A>): CachedDecoder<A> {
  const seen = new WeakMap<object, E.Either<ReadonlyArray<FieldError>, A>>();
  const options = { lenientNumbers: true } as const;
  return (u) => {
    if (u === null || typeof u !== 'object') return decode(codec, u, options);
    const hit = seen.get(u);
    if (hit !== undefined) return hit;
    const r = decode(codec, u, options);
    seen.set(u, r);
    return r;
  };
}

/** The decoders of the CRD kinds, shared by every loop (so each object version is decoded once). */
export const decodeRollout = cachedDecoder(Rollout);
export const decodeAnalysisRun = cachedDecoder(AnalysisRun);
export const decodeExperiment = cachedDecoder(Experiment);
export const decodeAnalysisTemplate = cachedDecoder(AnalysisTemplate);
export const decodeClusterAnalysisTemplate = cachedDecoder(ClusterAnalysisTemplate);

/** `spec.foo: expected integer, got "x"` (and N more). */
export function describeDecodeErrors(errors: ReadonlyArray<FieldError>): string {
  const first = errors[0];
  if (first === undefined) return 'invalid object';
  return errors.length > 1 ? `${first.message} (and ${errors.length - 1} more)` : first.message;
}

/** The objects of `items` that decode; the others are logged and left out, as if absent. */
export function decodedAll<A>(items: ReadonlyArray<unknown>, decoder: CachedDecoder<A>, what: string, log: Logger): A[] {
  const out: A[] = [];
  for (const item of items) {
    const r = decoder(item);
    if (E.isRight(r)) out.push(r.right);
    else {
      const meta = (item as { metadata?: { namespace?: string; name?: string } }).metadata;
      log.warn(`ignoring a ${what} that does not decode`, { object: `${meta?.namespace ?? ''}/${meta?.name ?? ''}`, error: describeDecodeErrors(r.left) });
    }
  }
  return out;
}
