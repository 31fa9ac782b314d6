/**
 * The notification engine: which triggers fire for a Rollout, to whom, with what text. Pure: no I/O, time is an
 * input (`subject.now`). Argo Rollouts' semantics (reference §3), with its known faults avoided:
 *
 * - event path ({@link planForEvent}): the reason of an Event the controller recorded becomes `on-<kebab reason>`;
 *   a condition with an empty `when` sends, a non-empty one sends when true; no bookkeeping;
 * - condition path ({@link planForConditions}): every subscribed trigger condition with a non-empty `when` sends
 *   on a false→true edge, or once per distinct `oncePer` value, recorded in `notified.notifications.argoproj.io`
 *   under Argo's key (`[<oncePer>:]<trigger>:[<i>].<sha1(when)>:<service>:<recipient>`, at most 100 entries);
 * - destinations: the global `subscriptions` whose selector matches the object's labels, plus its
 *   `notifications.argoproj.io/subscribe.<trigger>.<service>`, `…/subscribe.<service>` (default triggers) and
 *   `…/subscriptions` annotations; duplicates are sent once; a destination whose service is not configured, or a
 *   trigger that is not, plans nothing (not an error).
 *
 * A condition that cannot be evaluated or a template that cannot be rendered is returned as a problem naming the
 * trigger or template (Argo only logs it), so the delivery can report it.
 */
import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either';
import { parse } from 'yaml';
import { evaluateExpression } from '@rollouts/core';
import type { ConfigProblem, Destination, NotificationConfig, NotificationEngine, NotificationSubject, PlannedNotification, RenderedNotification } from './Types';
import type { CompiledTree, ParsedConfig, TriggerCondition } from './Config';
import { isParsedConfig, parseNotificationConfig } from './Config';
import { matchesSelector } from './Selector';
import type { CompiledTemplate } from './template/Template';
import { renderTemplate } from './template/Template';
import { GoFunc, GoTime, TemplateExecError, parseRfc3339, printValue } from './template/Values';


/** The annotation prefix of subscriptions and of the bookkeeping annotation. */
export const ANNOTATION_PREFIX = 'notifications.argoproj.io';
/** The annotation recording what the condition path sent. */
export const NOTIFIED_ANNOTATION = `notified.${ANNOTATION_PREFIX}`;
/** At most this many entries are kept in the notified annotation (the oldest go first), as Argo does. */
export const NOTIFIED_MAX_ENTRIES = 100;

/** `RolloutCompleted` → `on-rollout-completed`, `PatchingALBIngress` → `on-patching-alb-ingress` (Argo's rule). */
export function triggerForReason(reason: string): string {
  const first = reason.replace(/(.)([A-Z][a-z]+)/g, '$1-$2');
  return `on-${first.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
}

/** Argo's condition key part: `base64url(sha1(when))` without padding. */
export const hashCondition = (when: string): string => createHash('sha1').update(when).digest('base64url');

const meta = (o: Readonly<Record<string, unknown>>, field: 'labels' | 'annotations'): Record<string, string> => {
  const m = o.metadata;
  if (typeof m !== 'object' || m === null) return {};
  const v = (m as Record<string, unknown>)[field];
  if (typeof v !== 'object' || v === null) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'));
};

const configOf = (config: NotificationConfig): ParsedConfig => {
  if (!isParsedConfig(config)) throw new Error('NotificationConfig was not produced by parseConfig');
  return config;
};

const splitRecipients = (v: string): string[] => (v === '' ? [''] : v.split(';').map((r) => r.trim()).filter((r) => r !== ''));

/**
 * Destinations by trigger for one object: the global subscriptions matching its labels, then its annotations.
 * `problems` receives a malformed `notifications.argoproj.io/subscriptions` annotation.
 */
export function destinationsByTrigger(config: NotificationConfig, object: Readonly<Record<string, unknown>>, problems: ConfigProblem[] = []): ReadonlyMap<string, ReadonlyArray<Destination>> {
  const cfg = configOf(config);
  const out = new Map<string, Destination[]>();
  const add = (trigger: string, d: Destination): void => {
    const list = out.get(trigger) ?? [];
    if (!list.some((x) => x.service === d.service && x.recipient === d.recipient)) list.push(d);
    out.set(trigger, list);
  };
  const defaultsFor = (service: string): ReadonlyArray<string> => cfg.serviceDefaultTriggers.get(service) ?? cfg.defaultTriggers;
  const labels = meta(object, 'labels');
  for (const s of cfg.subscriptions) {
    if (!matchesSelector(s.selector, labels)) continue;
    for (const trigger of s.triggers.length > 0 ? s.triggers : cfg.defaultTriggers)
      for (const r of s.recipients) {
        const i = r.indexOf(':');
        add(trigger, i < 0 ? { service: r, recipient: '' } : { service: r.slice(0, i), recipient: r.slice(i + 1) });
      }
  }
  const annotations = meta(object, 'annotations');
  const subscribe = `${ANNOTATION_PREFIX}/subscribe.`;
  for (const key of Object.keys(annotations).sort()) {
    const value = annotations[key]!;
    if (key.startsWith(subscribe)) {
      const parts = key.slice(subscribe.length).split('.');
      const [trigger, service] = parts.length >= 2 ? [parts[0]!, parts[1]!] : ['', parts[0]!];
      for (const t of trigger === '' ? defaultsFor(service) : [trigger]) for (const r of splitRecipients(value)) add(t, { service, recipient: r });
    } else if (key === `${ANNOTATION_PREFIX}/subscriptions`) {
      let subs: unknown;
      try {
        subs = parse(value);
      } catch (e) {
        problems.push({ key: `metadata.annotations[${key}]`, message: `not valid YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` });
        continue;
      }
      if (subs === null || subs === undefined) continue;
      if (!Array.isArray(subs)) {
        problems.push({ key: `metadata.annotations[${key}]`, message: 'expected a list of {trigger, destinations}' });
        continue;
      }
      subs.forEach((s: unknown, i) => {
        const sub = (typeof s === 'object' && s !== null ? s : {}) as { trigger?: unknown; destinations?: unknown };
        const triggers = Array.isArray(sub.trigger) ? sub.trigger.filter((t): t is string => typeof t === 'string') : typeof sub.trigger === 'string' ? [sub.trigger] : [];
        const dests = Array.isArray(sub.destinations) ? sub.destinations : [];
        if (dests.length === 0) problems.push({ key: `metadata.annotations[${key}]`, message: `[${i}].destinations: at least one destination is required` });
        for (const d of dests) {
          const dest = (typeof d === 'object' && d !== null ? d : {}) as { service?: unknown; recipients?: unknown };
          if (typeof dest.service !== 'string' || dest.service === '') {
            problems.push({ key: `metadata.annotations[${key}]`, message: `[${i}].destinations: service is required` });
            continue;
          }
          const recipients = Array.isArray(dest.recipients) ? dest.recipients.filter((r): r is string => typeof r === 'string') : [];
          for (const t of triggers.length > 0 ? triggers : defaultsFor(dest.service)) for (const r of recipients.length > 0 ? recipients : ['']) add(t, { service: dest.service, recipient: r });
        }
      });
    }
  }
  return out;
}

/** The data templates see (`.rollout`, `.analysisRuns`, `.time`, `.secrets`, `.recipient`, `.serviceType`). */
export function templateVars(config: NotificationConfig, subject: NotificationSubject, destination: Destination): Record<string, unknown> {
  const cfg = configOf(config);
  return {
    rollout: subject.object,
    analysisRuns: subject.analysisRuns,
    time: {
      Now: new GoFunc('Now', () => new GoTime(subject.now)),
      Parse: new GoFunc('Parse', (s: unknown) => {
        const t = typeof s === 'string' ? parseRfc3339(s) : undefined;
        if (t === undefined) throw new TemplateExecError(`time.Parse: ${printValue(s)} is not an RFC 3339 time`);
        return t;
      }),
    },
    secrets: cfg.secrets,
    recipient: destination.recipient,
    // As Argo does: the destination's service name (the type when the service key has no name).
    serviceType: destination.service,
  };
}

const isCompiled = (t: CompiledTree): t is CompiledTemplate => typeof t === 'object' && t !== null && !Array.isArray(t) && 'nodes' in t && 'name' in t;

const renderTree = (t: CompiledTree, vars: Record<string, unknown>, now: () => number): E.Either<string, unknown> => {
  if (isCompiled(t)) return renderTemplate(t, vars, now);
  if (Array.isArray(t)) {
    const out: unknown[] = [];
    for (const e of t as ReadonlyArray<CompiledTree>) {
      const r = renderTree(e, vars, now);
      if (E.isLeft(r)) return r;
      out.push(r.right);
    }
    return E.right(out);
  }
  if (typeof t === 'object' && t !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(t as { [k: string]: CompiledTree })) {
      const r = renderTree(e, vars, now);
      if (E.isLeft(r)) return r;
      out[k] = r.right;
    }
    return E.right(out);
  }
  return E.right(t);
};

/**
 * Renders templates (in order; a later one's non-empty message and service blocks win, as Argo merges them) for
 * one destination. Unknown template: a problem.
 */
export function renderNotification(
  config: NotificationConfig,
  templates: ReadonlyArray<string>,
  subject: NotificationSubject,
  destination: Destination,
): E.Either<ConfigProblem, RenderedNotification> {
  const cfg = configOf(config);
  const vars = templateVars(cfg, subject, destination);
  let message = '';
  const blocks: Record<string, unknown> = {};
  for (const name of templates) {
    const t = cfg.templateDefs.get(name);
    if (t === undefined) return E.left({ key: `template.${name}`, message: 'template is not defined' });
    const r = renderTree(t, vars, () => subject.now);
    if (E.isLeft(r)) return E.left({ key: `template.${name}`, message: `${r.left} (for ${destination.service}:${destination.recipient})` });
    for (const [k, v] of Object.entries(r.right as Record<string, unknown>)) {
      if (k === 'message') {
        if (typeof v === 'string' && v !== '') message = v;
      } else if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof blocks[k] === 'object' && blocks[k] !== null) blocks[k] = { ...(blocks[k] as object), ...v };
      else blocks[k] = v;
    }
  }
  return E.right({ ...blocks, message });
}

const conditionEnv = (cfg: ParsedConfig, subject: NotificationSubject): Record<string, unknown> => ({
  rollout: subject.object,
  analysisRuns: subject.analysisRuns,
  secrets: cfg.secrets,
});

const evalWhen = (trigger: string, i: number, c: TriggerCondition, env: Record<string, unknown>): E.Either<ConfigProblem, boolean> => {
  const r = evaluateExpression(c.when, env);
  if (E.isLeft(r)) return E.left({ key: `trigger.${trigger}`, message: `[${i}].when: ${r.left.message}` });
  if (typeof r.right !== 'boolean') return E.left({ key: `trigger.${trigger}`, message: `[${i}].when: must evaluate to a boolean, got ${printValue(r.right)}` });
  return E.right(r.right);
};

const plan = (
  cfg: ParsedConfig,
  subject: NotificationSubject,
  trigger: string,
  c: TriggerCondition,
  destination: Destination,
  problems: ConfigProblem[],
  onceKey?: string,
): PlannedNotification | undefined => {
  const service = cfg.services.find((s) => s.name === destination.service);
  if (service === undefined) return undefined;
  const rendered = renderNotification(cfg, c.send, subject, destination);
  if (E.isLeft(rendered)) {
    problems.push(rendered.left);
    return undefined;
  }
  return { trigger, template: c.send.join(','), destination, serviceType: service.type, notification: rendered.right, ...(onceKey === undefined ? {} : { onceKey }) };
};

/** See {@link NotificationEngine.planForEvent}. */
export function planForEvent(config: NotificationConfig, subject: NotificationSubject, reason: string): E.Either<ReadonlyArray<ConfigProblem>, ReadonlyArray<PlannedNotification>> {
  const cfg = configOf(config);
  const trigger = triggerForReason(reason);
  const problems: ConfigProblem[] = [];
  const destinations = destinationsByTrigger(cfg, subject.object, problems).get(trigger) ?? [];
  const conditions = cfg.triggerDefs.get(trigger);
  if (conditions === undefined || destinations.length === 0) return problems.length > 0 ? E.left(problems) : E.right([]);
  const env = conditionEnv(cfg, subject);
  const out: PlannedNotification[] = [];
  conditions.forEach((c, i) => {
    if (c.when.trim() !== '') {
      const w = evalWhen(trigger, i, c, env);
      if (E.isLeft(w)) {
        problems.push(w.left);
        return;
      }
      if (!w.right) return;
    }
    for (const d of destinations) {
      const p = plan(cfg, subject, trigger, c, d, problems);
      if (p !== undefined) out.push(p);
    }
  });
  return problems.length > 0 ? E.left(problems) : E.right(out);
}

/** Argo's state key: `[<oncePer>:]<trigger>:[<i>].<hash(when)>:<service>:<recipient>`. */
export const notifiedKey = (trigger: string, index: number, when: string, d: Destination, oncePer: string): string =>
  `${oncePer === '' ? '' : `${oncePer}:`}${trigger}:[${index}].${hashCondition(when)}:${d.service}:${d.recipient}`;

/** Keeps the newest {@link NOTIFIED_MAX_ENTRIES} entries (by their recorded time). */
const truncate = (state: Record<string, unknown>): Record<string, unknown> => {
  const keys = Object.keys(state);
  if (keys.length <= NOTIFIED_MAX_ENTRIES) return state;
  const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
  const keep = keys.sort((a, b) => num(state[a]) - num(state[b]) || (a < b ? -1 : 1)).slice(keys.length - NOTIFIED_MAX_ENTRIES);
  return Object.fromEntries(keep.map((k) => [k, state[k]]));
};

/** Options of {@link planForConditions} beyond the contract of Types.ts. */
export interface PlanOptions {
  /**
   * Self-service mode (`--self-service-notification-enabled`): the namespace of the configuration that planned,
   * put before the trigger in the keys (`<namespace>:<trigger>:…`, as Argo does) so that the controller's and the
   * Rollout namespace's configurations each keep their own record.
   */
  readonly configNamespace?: string;
}

/** See {@link NotificationEngine.planForConditions}. */
export function planForConditions(
  config: NotificationConfig,
  subject: NotificationSubject,
  notified: Readonly<Record<string, unknown>>,
  options: PlanOptions = {},
): E.Either<ReadonlyArray<ConfigProblem>, { readonly planned: ReadonlyArray<PlannedNotification>; readonly notified: Readonly<Record<string, unknown>> }> {
  const cfg = configOf(config);
  const problems: ConfigProblem[] = [];
  const state: Record<string, unknown> = { ...notified };
  const planned: PlannedNotification[] = [];
  const env = conditionEnv(cfg, subject);
  const nowSeconds = Math.floor(subject.now / 1000);
  for (const [trigger, destinations] of [...destinationsByTrigger(cfg, subject.object, problems)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const conditions = cfg.triggerDefs.get(trigger);
    if (conditions === undefined) continue;
    conditions.forEach((c, i) => {
      // An empty `when` belongs to the event path only.
      if (c.when.trim() === '') return;
      const w = evalWhen(trigger, i, c, env);
      if (E.isLeft(w)) {
        problems.push(w.left);
        return;
      }
      let oncePer = '';
      if (w.right && c.oncePer.trim() !== '') {
        const o = evaluateExpression(c.oncePer, env);
        if (E.isLeft(o)) {
          problems.push({ key: `trigger.${trigger}`, message: `[${i}].oncePer: ${o.left.message}` });
          return;
        }
        oncePer = printValue(o.right ?? null);
      }
      for (const d of destinations) {
        if (!cfg.services.some((s) => s.name === d.service)) continue;
        const key = notifiedKey(options.configNamespace === undefined ? trigger : `${options.configNamespace}:${trigger}`, i, c.when, d, oncePer);
        if (!w.right) {
          // Re-arms the edge (a oncePer entry is kept: that value was sent once and for all).
          delete state[key];
          continue;
        }
        if (Object.prototype.hasOwnProperty.call(state, key)) continue;
        const p = plan(cfg, subject, trigger, c, d, problems, key);
        if (p !== undefined) {
          planned.push(p);
          state[key] = nowSeconds;
        }
      }
    });
  }
  if (problems.length > 0) return E.left(problems);
  return E.right({ planned, notified: truncate(state) });
}

/** The engine as the controller and the CLI use it. */
export const notificationEngine: NotificationEngine = {
  parseConfig: (configMapData, secretData) => parseNotificationConfig(configMapData, secretData),
  planForEvent,
  planForConditions,
};

/** A trigger as `kubectl rollouts notifications trigger get` shows it. */
export interface TriggerDescription {
  readonly name: string;
  readonly builtIn: boolean;
  readonly conditions: ReadonlyArray<{ readonly when: string; readonly send: ReadonlyArray<string>; readonly oncePer: string; readonly description: string }>;
}

/** The configured triggers, by name, with whether each is the built-in one. */
export function describeTriggers(config: NotificationConfig): ReadonlyArray<TriggerDescription> {
  const cfg = configOf(config);
  return [...cfg.triggerDefs.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, conditions]) => ({ name, builtIn: cfg.builtInTriggers.has(name), conditions }));
}

/** The configured templates, by name, with whether each is the built-in one and the service blocks it has. */
export function describeTemplates(config: NotificationConfig): ReadonlyArray<{ readonly name: string; readonly builtIn: boolean; readonly services: ReadonlyArray<string> }> {
  const cfg = configOf(config);
  return [...cfg.templateDefs.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, t]) => ({ name, builtIn: cfg.builtInTemplates.has(name), services: Object.keys(t).filter((k) => k !== 'message').sort() }));
}
