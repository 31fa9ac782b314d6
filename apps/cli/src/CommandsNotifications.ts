/**
 * `notifications …`: Argo's plugin commands for testing a notification configuration.
 * - `notifications trigger get [NAME] [-o json|yaml|wide|name]`: the triggers and their conditions;
 * - `notifications template get [NAME] [-o json|yaml|wide|name]`: the templates and a preview of their message;
 * - `notifications template notify TEMPLATE ROLLOUT [--recipient svc:rcpt]…`: render the template for the Rollout
 *   and send it now (default `console:stdout`: print the rendered message);
 * - `notifications trigger run TRIGGER ROLLOUT`: evaluate each condition of the trigger on the Rollout.
 * The configuration is `argo-rollouts-notification-configmap` / `-secret` of the namespace (`-n`), or the files given
 * with `--config-map FILE` / `--secret FILE` (`--secret :empty`: no secret). The Rollout and its AnalysisRuns (of
 * its current pod hash, newest first) are read from the cluster. Secret values are never printed.
 *
 * The engine plans only for events and conditions, so `notify` and `run` ask it through a copy of the configuration
 * with one extra trigger (`on-rollouts-cli-run`, subscribed to by a copy of the Rollout): what it plans for that
 * trigger is exactly what the configured template renders, or whether the condition holds.
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either';
import YAML from 'yaml';
import { Resources, type ResourceKind } from '@rollouts/k8s';
import type { NotificationConfig, NotificationEngine, NotificationService, PlannedNotification } from '@rollouts/notifications';
import { clusterErrorMessage, type Cluster, type ClusterError } from './Cluster';
import { EXIT, withClusterFlags, type ClusterFlags, type CommandContext } from './CommandContext';
import { alignColumns } from './Table';

export const NOTIFICATION_CONFIG_MAP = 'argo-rollouts-notification-configmap';
export const NOTIFICATION_SECRET = 'argo-rollouts-notification-secret';
const CONFIG_MAPS: ResourceKind = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const SUBSCRIBE = 'notifications.argoproj.io/subscribe.';
/** The trigger `notify` and `run` add to a copy of the configuration (its event reason: `RolloutsCliRun`). */
const CLI_TRIGGER = 'on-rollouts-cli-run';
const CLI_REASON = 'RolloutsCliRun';
/** The service `console:stdout` and `run` plan through (never sent to: the message is printed); `.serviceType` renders `console`. */
const CLI_SERVICE = 'console';

/** The engine and the senders (the real ones by default; tests give doubles). */
export interface NotificationsDeps {
  readonly engine: NotificationEngine;
  readonly serviceFor: (type: string) => NotificationService | undefined;
  /** The triggers the engine has built in (Argo's nine), for a trigger the ConfigMap does not define. */
  readonly builtinTriggers?: ReadonlyMap<string, ReadonlyArray<{ readonly when: string; readonly send: ReadonlyArray<string> }>>;
}

interface NotificationFlags extends ClusterFlags {
  readonly configMap?: string;
  readonly secret?: string;
  readonly output?: string;
  readonly recipient?: string[];
}

interface Source {
  readonly data: Record<string, string>;
  readonly secret: Record<string, string>;
}

type Obj = { metadata?: { name?: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string>; creationTimestamp?: string; ownerReferences?: Array<{ kind: string; name: string }> }; status?: { currentPodHash?: string } };

/** A ConfigMap or Secret manifest file: its data (a Secret's `data` base64-decoded, `stringData` as is). */
function readManifestData(file: string, kind: 'ConfigMap' | 'Secret'): E.Either<string, Record<string, string>> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    return E.left(`cannot read ${file}: ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (e) {
    return E.left(`${file}: not YAML: ${((e as Error).message.split('\n')[0] ?? '').trim()}`);
  }
  if (typeof doc !== 'object' || doc === null || (doc as { kind?: unknown }).kind !== kind) return E.left(`${file}: expected a ${kind} manifest (kind: ${kind})`);
  const out: Record<string, string> = {};
  const d = doc as { data?: Record<string, unknown> | null; stringData?: Record<string, unknown> | null };
  for (const [k, v] of Object.entries(d.data ?? {})) {
    if (typeof v !== 'string') return E.left(`${file}: data.${k}: expected a string`);
    out[k] = kind === 'Secret' ? Buffer.from(v, 'base64').toString('utf8') : v;
  }
  for (const [k, v] of Object.entries(d.stringData ?? {})) if (typeof v === 'string') out[k] = v;
  return E.right(out);
}

/** The configuration: files when given, else the namespace's ConfigMap and Secret. */
async function loadSource(ctx: CommandContext, flags: NotificationFlags, cluster: () => Cluster | undefined): Promise<E.Either<string, Source>> {
  let data: Record<string, string> | undefined;
  let secret: Record<string, string> | undefined;
  if (flags.configMap !== undefined) {
    const r = readManifestData(flags.configMap, 'ConfigMap');
    if (E.isLeft(r)) return r;
    data = r.right;
  }
  if (flags.secret === ':empty') secret = {};
  else if (flags.secret !== undefined) {
    const r = readManifestData(flags.secret, 'Secret');
    if (E.isLeft(r)) return r;
    secret = r.right;
  }
  if (data === undefined || secret === undefined) {
    const c = cluster();
    if (c === undefined) return E.left('');
    if (data === undefined) {
      const r = await c.get<{ data?: Record<string, string> }>(CONFIG_MAPS, c.namespace, NOTIFICATION_CONFIG_MAP);
      if (E.isLeft(r)) return E.left(r.left._tag === 'ObjectNotFound' ? `ConfigMap ${c.namespace}/${NOTIFICATION_CONFIG_MAP} not found (use -n with the controller's namespace, or --config-map FILE)` : clusterMessage(r.left));
      data = { ...(r.right.data ?? {}) };
    }
    if (secret === undefined) {
      const r = await c.get<{ data?: Record<string, string> }>(Resources.secrets, c.namespace, NOTIFICATION_SECRET);
      if (E.isLeft(r) && r.left._tag !== 'ObjectNotFound') return E.left(`${clusterMessage(r.left)} (or use --secret FILE, or --secret :empty)`);
      secret = {};
      if (E.isRight(r)) for (const [k, v] of Object.entries(r.right.data ?? {})) secret[k] = Buffer.from(v, 'base64').toString('utf8');
    }
  }
  void ctx;
  return E.right({ data, secret });
}

const clusterMessage = (e: ClusterError): string => clusterErrorMessage(e);

function parse(deps: NotificationsDeps, data: Record<string, string>, secret: Record<string, string>): E.Either<string, NotificationConfig> {
  const r = deps.engine.parseConfig(data, secret);
  return E.isLeft(r) ? E.left(`the notification configuration has problems: ${r.left.map((p) => `${p.key}: ${p.message}`).join('; ')}`) : E.right(r.right);
}

/** `trigger.<name>`'s conditions as written, else the engine's built-in ones (`[]` when neither has it). */
function conditionsOf(data: Record<string, string>, name: string, deps?: NotificationsDeps): Array<Record<string, unknown>> {
  const raw = data[`trigger.${name}`];
  if (raw === undefined) return (deps?.builtinTriggers?.get(name) ?? []).map((c) => ({ ...c, send: [...c.send] }));
  const v: unknown = YAML.parse(raw);
  return Array.isArray(v) ? (v.filter((c) => typeof c === 'object' && c !== null) as Array<Record<string, unknown>>) : [];
}

function templateOf(data: Record<string, string>, name: string): Record<string, unknown> {
  const raw = data[`template.${name}`];
  if (raw === undefined) return {};
  const v: unknown = YAML.parse(raw);
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

const sendList = (c: Record<string, unknown>): string => (Array.isArray(c['send']) ? (c['send'] as unknown[]).map(String).join(', ') : '');
const oneLine = (s: string, max: number): string => {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
};

function printListing(ctx: CommandContext, output: string | undefined, names: readonly string[], rows: (wide: boolean) => string[][], data: () => unknown): number {
  if (output === 'name') {
    for (const n of names) ctx.io.stdout.write(`${n}\n`);
    return EXIT.ok;
  }
  if (output === 'json' || output === 'yaml') {
    const printed = ctx.print(output, data());
    return E.isLeft(printed) ? ctx.fail(printed.left) : EXIT.ok;
  }
  if (output !== undefined && output !== 'wide') return ctx.fail(`unknown output format "${output}": use json, yaml, wide or name`);
  for (const line of alignColumns(rows(output === 'wide'))) ctx.io.stdout.write(`${line}\n`);
  return EXIT.ok;
}

async function triggerGet(ctx: CommandContext, deps: NotificationsDeps, name: string | undefined, flags: NotificationFlags): Promise<number> {
  const src = await loadSource(ctx, flags, () => ctx.cluster(flags));
  if (E.isLeft(src)) return src.left === '' ? EXIT.failed : ctx.fail(src.left);
  const config = parse(deps, src.right.data, src.right.secret);
  if (E.isLeft(config)) return ctx.fail(config.left);
  const all = [...config.right.triggers].sort();
  if (name !== undefined && !all.includes(name)) return ctx.fail(`trigger "${name}" is not configured (configured: ${all.join(', ') || 'none'})`);
  const names = name !== undefined ? [name] : all;
  return printListing(
    ctx,
    flags.output,
    names,
    (wide) => {
      const rows = [wide ? ['NAME', 'TEMPLATE', 'CONDITION', 'ONCE PER', 'DESCRIPTION'] : ['NAME', 'TEMPLATE', 'CONDITION']];
      for (const n of names) {
        const conds = conditionsOf(src.right.data, n, deps);
        if (conds.length === 0) rows.push(wide ? [n, '(built-in)', '', '', ''] : [n, '(built-in)', '']);
        for (const c of conds) {
          const row = [n, sendList(c), String(c['when'] ?? '')];
          rows.push(wide ? [...row, String(c['oncePer'] ?? ''), String(c['description'] ?? '')] : row);
        }
      }
      return rows;
    },
    () => (name !== undefined ? conditionsOf(src.right.data, name, deps) : Object.fromEntries(names.map((n) => [n, conditionsOf(src.right.data, n, deps)]))),
  );
}

async function templateGet(ctx: CommandContext, deps: NotificationsDeps, name: string | undefined, flags: NotificationFlags): Promise<number> {
  const src = await loadSource(ctx, flags, () => ctx.cluster(flags));
  if (E.isLeft(src)) return src.left === '' ? EXIT.failed : ctx.fail(src.left);
  const config = parse(deps, src.right.data, src.right.secret);
  if (E.isLeft(config)) return ctx.fail(config.left);
  const all = [...config.right.templates].sort();
  if (name !== undefined && !all.includes(name)) return ctx.fail(`template "${name}" is not configured (configured: ${all.join(', ') || 'none'})`);
  const names = name !== undefined ? [name] : all;
  return printListing(
    ctx,
    flags.output,
    names,
    (wide) => {
      const rows = [wide ? ['NAME', 'PREVIEW', 'SERVICES'] : ['NAME', 'PREVIEW']];
      for (const n of names) {
        const t = templateOf(src.right.data, n);
        const preview = oneLine(String(t['message'] ?? ''), wide ? 120 : 60);
        const services = Object.keys(t).filter((k) => k !== 'message').sort().join(',');
        rows.push(wide ? [n, preview, services] : [n, preview]);
      }
      return rows;
    },
    () => (name !== undefined ? templateOf(src.right.data, name) : Object.fromEntries(names.map((n) => [n, templateOf(src.right.data, n)]))),
  );
}

/** The Rollout and its AnalysisRuns (current pod hash, owned by it, newest first). */
async function subjectOf(ctx: CommandContext, cluster: Cluster, name: string): Promise<E.Either<string, { rollout: Obj; runs: Obj[] }>> {
  const r = await cluster.get<Obj>(Resources.rollouts, cluster.namespace, name);
  if (E.isLeft(r)) return E.left(r.left._tag === 'ObjectNotFound' ? `rollout "${name}" not found in namespace "${cluster.namespace}"` : clusterMessage(r.left));
  const hash = r.right.status?.currentPodHash;
  let runs: Obj[] = [];
  if (hash !== undefined && hash !== '') {
    const l = await cluster.list<Obj>(Resources.analysisRuns, cluster.namespace, { labelSelector: `rollouts-pod-template-hash=${hash}` });
    if (E.isLeft(l)) return E.left(clusterMessage(l.left));
    runs = l.right
      .filter((a) => (a.metadata?.ownerReferences ?? []).some((o) => o.kind === 'Rollout' && o.name === name))
      .sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '') || (b.metadata?.name ?? '').localeCompare(a.metadata?.name ?? ''));
  }
  void ctx;
  return E.right({ rollout: r.right, runs });
}

/** A copy of the Rollout whose only subscription is `CLI_TRIGGER` to `service:recipient`. */
function subscribedCopy(rollout: Obj, service: string, recipient: string): Obj {
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(rollout.metadata?.annotations ?? {})) if (!k.startsWith(SUBSCRIBE) && k !== 'notifications.argoproj.io/subscriptions') annotations[k] = v;
  annotations[`${SUBSCRIBE}${CLI_TRIGGER}.${service}`] = recipient;
  return { ...rollout, metadata: { ...rollout.metadata, annotations } };
}

/** The configuration data with `trigger.on-rollouts-cli-run` set to `conditions`, without global subscriptions. */
function withCliTrigger(data: Record<string, string>, conditions: ReadonlyArray<Record<string, unknown>>, console: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (k !== 'subscriptions' && !k.startsWith('defaultTriggers')) out[k] = v;
  out[`trigger.${CLI_TRIGGER}`] = YAML.stringify(conditions);
  if (console) out[`service.webhook.${CLI_SERVICE}`] = 'url: http://127.0.0.1:9/\n';
  return out;
}

function planCli(deps: NotificationsDeps, data: Record<string, string>, secret: Record<string, string>, subject: { rollout: Obj; runs: Obj[] }, now: number): E.Either<string, PlannedNotification[]> {
  const config = parse(deps, data, secret);
  if (E.isLeft(config)) return config;
  const plan = deps.engine.planForEvent(config.right, { object: subject.rollout as Record<string, unknown>, analysisRuns: subject.runs as Array<Record<string, unknown>>, now }, CLI_REASON);
  if (E.isLeft(plan)) return E.left(plan.left.map((p) => `${p.key}: ${p.message}`).join('; '));
  return E.right(plan.right.filter((p) => p.trigger === CLI_TRIGGER));
}

async function templateNotify(ctx: CommandContext, deps: NotificationsDeps, template: string, name: string, flags: NotificationFlags): Promise<number> {
  const cluster = ctx.cluster(flags);
  if (cluster === undefined) return EXIT.failed;
  const src = await loadSource(ctx, flags, () => cluster);
  if (E.isLeft(src)) return src.left === '' ? EXIT.failed : ctx.fail(src.left);
  const base = parse(deps, src.right.data, src.right.secret);
  if (E.isLeft(base)) return ctx.fail(base.left);
  if (!base.right.templates.includes(template)) return ctx.fail(`template "${template}" is not configured (configured: ${[...base.right.templates].sort().join(', ') || 'none'})`);
  const recipients = flags.recipient !== undefined && flags.recipient.length > 0 ? flags.recipient : ['console:stdout'];
  const subject = await subjectOf(ctx, cluster, name);
  if (E.isLeft(subject)) return ctx.fail(subject.left);
  let failed = 0;
  for (const r of recipients) {
    const at = r.indexOf(':');
    if (at <= 0) return ctx.fail(`--recipient "${r}": expected <service>:<recipient>, such as slack:my-channel or console:stdout`);
    const service = r.slice(0, at);
    const recipient = r.slice(at + 1);
    const console = service === 'console';
    if (!console && !base.right.services.some((s) => s.name === service))
      return ctx.fail(`--recipient "${r}": service "${service}" is not configured (configured: ${base.right.services.map((s) => s.name).join(', ') || 'none'}; or console:stdout)`);
    const data = withCliTrigger(src.right.data, [{ send: [template] }], console);
    const plan = planCli(deps, data, src.right.secret, { rollout: subscribedCopy(subject.right.rollout, console ? CLI_SERVICE : service, recipient), runs: subject.right.runs }, ctx.now());
    if (E.isLeft(plan)) return ctx.fail(`template "${template}": ${plan.left}`);
    const p = plan.right[0];
    if (p === undefined) return ctx.fail(`template "${template}": the engine planned nothing for ${r}`);
    if (console) {
      ctx.io.stdout.write(`${p.notification.message}\n`);
      continue;
    }
    const instance = base.right.services.find((s) => s.name === service)!;
    const sender = deps.serviceFor(instance.type);
    if (sender === undefined) return ctx.fail(`service "${service}": this build cannot send to type "${instance.type}"`);
    const timeoutMs = 30_000;
    const sent = await sender.send({ signal: AbortSignal.timeout(timeoutMs), timeoutMs, now: ctx.now }, instance, p.notification, recipient)();
    if (E.isLeft(sent)) {
      ctx.io.stderr.write(`Error: ${r}: ${sent.left.message}\n`);
      failed++;
    } else ctx.io.stdout.write(`notification sent to ${r}\n`);
  }
  return failed > 0 ? EXIT.failed : EXIT.ok;
}

async function triggerRun(ctx: CommandContext, deps: NotificationsDeps, trigger: string, name: string, flags: NotificationFlags): Promise<number> {
  const cluster = ctx.cluster(flags);
  if (cluster === undefined) return EXIT.failed;
  const src = await loadSource(ctx, flags, () => cluster);
  if (E.isLeft(src)) return src.left === '' ? EXIT.failed : ctx.fail(src.left);
  const base = parse(deps, src.right.data, src.right.secret);
  if (E.isLeft(base)) return ctx.fail(base.left);
  if (!base.right.triggers.includes(trigger)) return ctx.fail(`trigger "${trigger}" is not configured (configured: ${[...base.right.triggers].sort().join(', ') || 'none'})`);
  const conditions = conditionsOf(src.right.data, trigger, deps);
  if (conditions.length === 0) return ctx.fail(`trigger "${trigger}" has no conditions to run (neither the ConfigMap nor the built-in triggers define it)`);
  const subject = await subjectOf(ctx, cluster, name);
  if (E.isLeft(subject)) return ctx.fail(subject.left);
  const rows = [['#', 'CONDITION', 'RESULT']];
  for (const [i, c] of conditions.entries()) {
    const data = withCliTrigger(src.right.data, [c], true);
    const plan = planCli(deps, data, src.right.secret, { rollout: subscribedCopy(subject.right.rollout, CLI_SERVICE, ''), runs: subject.right.runs }, ctx.now());
    if (E.isLeft(plan)) return ctx.fail(`trigger "${trigger}" condition ${i}: ${plan.left}`);
    rows.push([String(i), String(c['when'] ?? '') || '(no when: sends on the event)', String(plan.right.length > 0)]);
  }
  for (const line of alignColumns(rows)) ctx.io.stdout.write(`${line}\n`);
  return EXIT.ok;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Register `notifications`; `deps` gives the engine and senders (loaded from `@rollouts/notifications` when omitted). */
export function registerNotifications(program: Command, ctx: CommandContext, setExit: (code: number) => void, deps?: () => NotificationsDeps): void {
  const load = deps ?? defaultDeps;
  const n = program.command('notifications').description('Inspect and test the notification configuration (argo-rollouts-notification-configmap / -secret): triggers, templates, a send now');
  const common = (c: Command) =>
    withClusterFlags(c)
      .option('--config-map <file>', `a ConfigMap manifest to use instead of ${NOTIFICATION_CONFIG_MAP} of the namespace`)
      .option('--secret <file>', `a Secret manifest to use instead of ${NOTIFICATION_SECRET} of the namespace (:empty for none)`);
  const trigger = n.command('trigger').description('Notification triggers');
  const template = n.command('template').description('Notification templates');
  common(trigger.command('get [name]').description('List the triggers (or show one): name, templates sent, condition'))
    .option('-o, --output <format>', 'json, yaml, wide or name')
    .action(async (name: string | undefined, flags: NotificationFlags) => setExit(await triggerGet(ctx, load(), name, ctx.flags(flags))));
  common(trigger.command('run <trigger> <rollout>').description('Evaluate each condition of a trigger on a Rollout'))
    .action(async (t: string, r: string, flags: NotificationFlags) => setExit(await triggerRun(ctx, load(), t, r, ctx.flags(flags))));
  common(template.command('get [name]').description('List the templates (or show one) with a preview of the message'))
    .option('-o, --output <format>', 'json, yaml, wide or name')
    .action(async (name: string | undefined, flags: NotificationFlags) => setExit(await templateGet(ctx, load(), name, ctx.flags(flags))));
  common(template.command('notify <template> <rollout>').description('Render a template for a Rollout and send it now (default: print it, console:stdout)'))
    .option('--recipient <service:recipient>', 'where to send, e.g. slack:my-channel; repeatable (default console:stdout)', collect)
    .action(async (t: string, r: string, flags: NotificationFlags) => setExit(await templateNotify(ctx, load(), t, r, ctx.flags(flags))));
}

function defaultDeps(): NotificationsDeps {
  // Loaded on use: the other commands do not pay for the engine and the senders.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require('@rollouts/notifications') as { notificationEngine: NotificationEngine; serviceFor: (type: string) => NotificationService | undefined; BUILTIN_TRIGGERS: NotificationsDeps['builtinTriggers'] };
  return { engine: m.notificationEngine, serviceFor: m.serviceFor, ...(m.BUILTIN_TRIGGERS !== undefined ? { builtinTriggers: m.BUILTIN_TRIGGERS } : {}) };
}
