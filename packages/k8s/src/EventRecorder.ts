/**
 * Kubernetes Events (core/v1) about our objects, as `kubectl describe` shows them. A repeat of the same event
 * (same object, type, reason and message) updates the existing Event's `count` and `lastTimestamp` instead of
 * creating another. Recording never throws and never blocks reconciliation on the outcome: failures are logged.
 */
import * as E from 'fp-ts/lib/Either';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '@rollouts/plugin-sdk';
import { Clock, rfc3339, systemClock } from './Clock';
import { ApiTransport, createApiTransport } from './internal/ApiTransport';
import { kubeWriterOn } from './KubeWriter';
import type { RequestMetrics } from './RequestMetrics';
import { Resources } from './Resources';

/** The object an event is about. */
export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string | null; readonly uid?: string | null };
}

/** Records events; see the module comment. */
export interface EventRecorder {
  /** Create or update the Event; resolves when the API call is done (never rejects). */
  record(involved: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void>;
}

/** Options of {@link createEventRecorder}. */
export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent` (e.g. `rollouts-controller`). */
  readonly component: string;
  /** `reportingInstance` (e.g. the pod name); default: the component. */
  readonly instance?: string;
  readonly clock?: Clock;
  readonly metrics?: RequestMetrics;
  readonly log?: Logger;
  /** How many distinct events to remember for aggregation (default 4096; least recently used forgotten first). */
  readonly cacheSize?: number;
}

interface Seen {
  readonly name: string;
  readonly namespace: string;
  count: number;
  readonly firstTimestamp: string;
}

/** Kubernetes caps event messages at 1 KiB. */
const MAX_MESSAGE = 1024;

/** Create an {@link EventRecorder}. */
export function createEventRecorder(kc: KubeConfig, opts: EventRecorderOptions): EventRecorder {
  return eventRecorderOn(createApiTransport(kc, { ...(opts.metrics !== undefined ? { metrics: opts.metrics } : {}), ...(opts.log !== undefined ? { log: opts.log } : {}) }), opts);
}

function eventRecorderOn(transport: ApiTransport, opts: EventRecorderOptions): EventRecorder {
  const clock = opts.clock ?? systemClock;
  const writer = kubeWriterOn(transport, { fieldManager: opts.component });
  const capacity = opts.cacheSize ?? 4096;
  const seen = new Map<string, Seen>();
  /**
   * Records about one object run one after another, in the order they were asked for: a burst of repeats makes one
   * Event, and the Events of one reconcile reach the API server (and anyone watching) in the order they were decided.
   */
  const chains = new Map<string, Promise<void>>();
  let seq = 0;

  const remember = (key: string, s: Seen): void => {
    seen.delete(key);
    seen.set(key, s);
    if (seen.size > capacity) seen.delete(seen.keys().next().value!);
  };

  const create = async (key: string, involved: InvolvedObject, namespace: string, type: string, reason: string, message: string, now: number): Promise<void> => {
    const ts = rfc3339(now);
    const name = `${involved.metadata.name}.${(BigInt(now) * 1_000_000n + BigInt(seq++ % 1_000_000)).toString(16)}`;
    const event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: involved.apiVersion,
        kind: involved.kind,
        name: involved.metadata.name,
        ...(involved.metadata.namespace != null ? { namespace: involved.metadata.namespace } : {}),
        ...(involved.metadata.uid != null ? { uid: involved.metadata.uid } : {}),
      },
      type,
      reason,
      message,
      count: 1,
      firstTimestamp: ts,
      lastTimestamp: ts,
      source: { component: opts.component },
      reportingComponent: opts.component,
      reportingInstance: opts.instance ?? opts.component,
    };
    const r = await writer.create(Resources.events, namespace, event);
    if (E.isLeft(r)) {
      opts.log?.warn('could not record event', { reason, involved: `${involved.kind} ${namespace}/${involved.metadata.name}`, error: r.left.message });
      return;
    }
    remember(key, { name, namespace, count: 1, firstTimestamp: ts });
  };

  const recordNow = async (key: string, involved: InvolvedObject, type: string, reason: string, message: string): Promise<void> => {
    const namespace = involved.metadata.namespace != null && involved.metadata.namespace !== '' ? involved.metadata.namespace : 'default';
    const now = clock.now();
    const prior = seen.get(key);
    if (prior === undefined) return create(key, involved, namespace, type, reason, message, now);
    const count = prior.count + 1;
    const r = await writer.patch(Resources.events, prior.namespace, prior.name, { type: 'merge', body: { count, lastTimestamp: rfc3339(now) } });
    if (E.isRight(r)) {
      prior.count = count;
      remember(key, prior);
      return;
    }
    if (r.left._tag === 'KubeNotFound') {
      // the Event expired (events have a TTL): start a new one
      seen.delete(key);
      return create(key, involved, namespace, type, reason, message, now);
    }
    opts.log?.warn('could not update event', { reason, event: `${prior.namespace}/${prior.name}`, error: r.left.message });
  };

  return {
    record(involved, type, reason, message) {
      const msg = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
      const m = involved.metadata;
      const object = [involved.apiVersion, involved.kind, m.namespace ?? '', m.name, m.uid ?? ''].join('\u0000');
      const key = [object, type, reason, msg].join('\u0000');
      const previous = chains.get(object) ?? Promise.resolve();
      const next = previous
        .then(() => recordNow(key, involved, type, reason, msg))
        .catch((e: unknown) => opts.log?.error('event recorder failed', { reason, error: e instanceof Error ? e.message : String(e) }));
      chains.set(object, next);
      void next.then(() => {
        if (chains.get(object) === next) chains.delete(object);
      });
      return next;
    },
  };
}
