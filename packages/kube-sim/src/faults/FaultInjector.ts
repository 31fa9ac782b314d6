/**
 * Fault injection: extra latency, error responses and forced conflicts per verb and resource, dropped watch
 * streams and compaction. Rules apply to HTTP requests only (the in-process workload controllers are not
 * affected). Probabilistic rules draw from a seeded generator so a run can be repeated.
 */
import { ApiError, conflict, internalError, serviceUnavailable, tooManyRequests } from '../api/ApiError';
import { Verb } from '../log/RequestLog';

/** Which requests a rule applies to; omitted fields match anything. */
export interface FaultMatch {
  readonly verb?: Verb | readonly Verb[];
  /** `pods`, `rollouts` or `rollouts.argoproj.io`. */
  readonly resource?: string;
  /** `status`, `scale`, or `''` for the main resource only. */
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** Respond with an error instead of serving the request. */
export interface ErrorFault extends FaultMatch {
  /** HTTP code: 409 (Conflict), 429 (with Retry-After), 500, 503, or any other (generic Status). */
  readonly code: number;
  /** Probability per matching request, 0..1 (default 1). */
  readonly rate?: number;
  /** Stop after this many injected errors (default: unlimited). */
  readonly times?: number;
  readonly message?: string;
  /** For 429: seconds in Retry-After (default 1). */
  readonly retryAfterSeconds?: number;
}

/** Delay matching requests before serving them. */
export interface LatencyFault extends FaultMatch {
  readonly ms: number;
  /** Extra random delay up to this many ms. */
  readonly jitterMs?: number;
  readonly rate?: number;
  readonly times?: number;
}

/** A rule once added: remove it, or ask how often it fired. */
export interface FaultHandle {
  readonly remove: () => void;
  readonly hits: () => number;
}

/** What the HTTP layer needs to know about a request to match rules. */
export interface FaultRequest {
  readonly verb: Verb;
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly name: string;
}

interface Rule<T> {
  readonly spec: T;
  hits: number;
}

function matchRule(m: FaultMatch, r: FaultRequest): boolean {
  if (m.verb !== undefined && (typeof m.verb === 'string' ? m.verb !== r.verb : !m.verb.includes(r.verb))) return false;
  if (m.resource !== undefined && m.resource !== r.resource && m.resource !== `${r.resource}.${r.group}`) return false;
  if (m.subresource !== undefined && m.subresource !== r.subresource) return false;
  if (m.namespace !== undefined && m.namespace !== r.namespace) return false;
  if (m.name !== undefined && m.name !== r.name) return false;
  return true;
}

/** A small seeded PRNG (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The hooks into the server that stream faults need. */
export interface WatchControl {
  /** Abruptly close open watch streams matching; returns how many were dropped. */
  dropWatches(match: FaultMatch): number;
  /** Forget event history so that older resourceVersions answer 410. */
  compact(resource?: string): void;
}

/** The fault rules, and the public `inject` API. */
export class FaultInjector {
  private errors: Array<Rule<ErrorFault>> = [];
  private latencies: Array<Rule<LatencyFault>> = [];
  private dropAfter: Array<Rule<FaultMatch & { readonly events: number; readonly times?: number }>> = [];

  constructor(
    private readonly random: () => number,
    private readonly watches: WatchControl,
  ) {}

  /** Fail matching requests with `code`. */
  error(spec: ErrorFault): FaultHandle {
    return this.add(this.errors, spec);
  }

  /** Answer matching writes with 409 Conflict (as if the object changed underneath). */
  conflict(spec: FaultMatch & { readonly times?: number; readonly rate?: number }): FaultHandle {
    return this.add(this.errors, { verb: ['update', 'patch'], ...spec, code: 409 });
  }

  /** Delay matching requests. */
  latency(spec: LatencyFault): FaultHandle {
    return this.add(this.latencies, spec);
  }

  /** Close matching open watch streams now. Returns how many were closed. */
  dropWatches(match: FaultMatch = {}): number {
    return this.watches.dropWatches(match);
  }

  /** Close each matching watch stream after it has sent `events` events (bookmarks not counted). */
  dropWatchesAfter(spec: FaultMatch & { readonly events: number; readonly times?: number }): FaultHandle {
    return this.add(this.dropAfter, spec);
  }

  /** Compact the event history (of one resource key like `apps/deployments`, or all). */
  compact(resourceKey?: string): void {
    this.watches.compact(resourceKey);
  }

  /** Remove every rule. */
  clear(): void {
    this.errors = [];
    this.latencies = [];
    this.dropAfter = [];
  }

  private add<T>(list: Array<Rule<T>>, spec: T): FaultHandle {
    const rule: Rule<T> = { spec, hits: 0 };
    list.push(rule);
    return {
      remove: () => {
        const i = list.indexOf(rule);
        if (i >= 0) list.splice(i, 1);
      },
      hits: () => rule.hits,
    };
  }

  private fires(rule: Rule<{ readonly rate?: number; readonly times?: number }>): boolean {
    if (rule.spec.times !== undefined && rule.hits >= rule.spec.times) return false;
    if (rule.spec.rate !== undefined && rule.spec.rate < 1 && this.random() >= rule.spec.rate) return false;
    rule.hits++;
    return true;
  }

  /** Milliseconds to delay this request (0 for none). */
  delayFor(r: FaultRequest): number {
    let ms = 0;
    for (const rule of this.latencies)
      if (matchRule(rule.spec, r) && this.fires(rule)) ms += rule.spec.ms + (rule.spec.jitterMs !== undefined ? this.random() * rule.spec.jitterMs : 0);
    return ms;
  }

  /** The error to answer this request with, if a rule fires. */
  errorFor(r: FaultRequest): ApiError | undefined {
    for (const rule of this.errors) {
      if (!matchRule(rule.spec, r) || !this.fires(rule)) continue;
      const s = rule.spec;
      const target = { resource: r.resource, group: r.group, ...(r.name !== '' ? { name: r.name } : {}) };
      switch (s.code) {
        case 409:
          return conflict(target);
        case 429:
          return tooManyRequests(s.retryAfterSeconds ?? 1);
        case 500:
          return internalError(s.message ?? 'injected fault');
        case 503:
          return serviceUnavailable(s.message ?? 'the server is currently unable to handle the request (injected fault)');
        default:
          return new ApiError(s.code, 'InjectedFault', s.message ?? `injected fault ${s.code}`, {});
      }
    }
    return undefined;
  }

  /** For a new watch stream: after how many events to drop it, if a rule says so. */
  dropAfterFor(r: FaultRequest): number | undefined {
    for (const rule of this.dropAfter) if (matchRule(rule.spec, r) && this.fires(rule)) return rule.spec.events;
    return undefined;
  }
}

export { matchRule as faultMatches };
