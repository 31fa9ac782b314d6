/**
 * `argo-rollouts-notification-configmap` and `argo-rollouts-notification-secret` as Argo reads them: every
 * problem is collected (each naming its key), and a configuration with problems is not used.
 *
 * - `service.<type>[.<name>]`: YAML options; `$key` in any string is replaced with the Secret's `key` (a reference
 *   to a key the Secret lacks stays as written, as in Argo). The services validate their own options.
 * - `template.<name>`: `message` plus per-service blocks; every string is a Go template, compiled here.
 * - `trigger.<name>`: a list of `{when, send, oncePer, description}`; `when` and `oncePer` are expressions of the
 *   analysis condition language over `rollout`, `analysisRuns` and `secrets`.
 * - `defaultTriggers`, `defaultTriggers.<service>`: lists of trigger names.
 * - `subscriptions`: a list of `{recipients: ["<service>[:<recipient>]"], triggers: [...], selector: "k=v"}` (no
 *   `triggers`: the default triggers; a recipient is split at its first `:`).
 *
 * The nine templates and triggers Argo ships are built in (see Builtins.ts); ConfigMap keys replace them by name.
 */
import * as E from 'fp-ts/lib/Either';
import { parse } from 'yaml';
import { evaluateExpression } from '@rollouts/core';
import type { ConfigProblem, NotificationConfig, ServiceInstance } from './Types';
import { BUILTIN_TEMPLATES, BUILTIN_TRIGGERS } from './Builtins';
import type { TemplateSource } from './Builtins';
import type { Selector } from './Selector';
import { parseSelector } from './Selector';
import type { CompiledTemplate } from './template/Template';
import { compileTemplate } from './template/Template';

/** A compiled template: the same shape as its YAML, with every string compiled. */
export type CompiledTree = CompiledTemplate | ReadonlyArray<CompiledTree> | { readonly [k: string]: CompiledTree } | number | boolean | null;

export interface TriggerCondition {
  readonly when: string;
  readonly send: ReadonlyArray<string>;
  readonly oncePer: string;
  readonly description: string;
}

export interface GlobalSubscription {
  readonly recipients: ReadonlyArray<string>;
  readonly triggers: ReadonlyArray<string>;
  readonly selector: Selector;
}

/** The parsed configuration (what `NotificationConfig` is, opaque outside the engine). */
export interface ParsedConfig extends NotificationConfig {
  readonly triggerDefs: ReadonlyMap<string, ReadonlyArray<TriggerCondition>>;
  readonly templateDefs: ReadonlyMap<string, { readonly [k: string]: CompiledTree }>;
  readonly defaultTriggers: ReadonlyArray<string>;
  readonly serviceDefaultTriggers: ReadonlyMap<string, ReadonlyArray<string>>;
  readonly subscriptions: ReadonlyArray<GlobalSubscription>;
  readonly secrets: Readonly<Record<string, string>>;
  /** The names still bound to the built-in definitions (not replaced by a ConfigMap key). */
  readonly builtInTriggers: ReadonlySet<string>;
  readonly builtInTemplates: ReadonlySet<string>;
}

export const isParsedConfig = (c: NotificationConfig): c is ParsedConfig => 'triggerDefs' in c && 'templateDefs' in c;

const typeOf = (v: unknown): string => (v === null || v === undefined ? 'null' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'map' : typeof v);

const yamlOf = (key: string, text: string, problems: ConfigProblem[]): unknown => {
  try {
    return parse(text, { prettyErrors: false, maxAliasCount: 100 });
  } catch (e) {
    problems.push({ key, message: `not valid YAML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` });
    return undefined;
  }
};

const KEY_REF = /\$[\w-]+/g;

/** Replaces `$key` references in every string of `v` (Argo: `[$][\w-_]+`). */
const substitute = (v: unknown, secret: Readonly<Record<string, string>>): unknown => {
  if (typeof v === 'string') return v.replace(KEY_REF, (ref) => (Object.prototype.hasOwnProperty.call(secret, ref.slice(1)) ? secret[ref.slice(1)]! : ref));
  if (Array.isArray(v)) return v.map((e) => substitute(e, secret));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, substitute(e, secret)]));
  return v;
};

const compileTree = (templateName: string, path: string, v: unknown, problems: ConfigProblem[], key: string): CompiledTree => {
  if (typeof v === 'string') {
    const c = compileTemplate(path === '' ? templateName : `${templateName}.${path}`, v);
    if (E.isLeft(c)) {
      problems.push({ key, message: `${path === '' ? '' : `${path}: `}${c.left}` });
      return null;
    }
    return c.right;
  }
  if (Array.isArray(v)) return v.map((e, i) => compileTree(templateName, `${path}[${i}]`, e, problems, key));
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, compileTree(templateName, path === '' ? k : `${path}.${k}`, e, problems, key)]));
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
  problems.push({ key, message: `${path}: unsupported value of type ${typeof v}` });
  return null;
};

const compileTemplateSource = (name: string, source: unknown, key: string, problems: ConfigProblem[]): { [k: string]: CompiledTree } | undefined => {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    problems.push({ key, message: `expected a map with message and per-service blocks, got ${typeOf(source)}` });
    return undefined;
  }
  const src = source as TemplateSource;
  if (src.message !== undefined && typeof src.message !== 'string') problems.push({ key, message: `message: expected a string, got ${typeOf(src.message)}` });
  const before = problems.length;
  const tree = compileTree(name, '', src, problems, key);
  return problems.length === before ? (tree as { [k: string]: CompiledTree }) : undefined;
};

const stringList = (key: string, field: string, v: unknown, problems: ConfigProblem[]): string[] => {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v) && v.every((e) => typeof e === 'string')) return v as string[];
  if (typeof v === 'string') return [v];
  problems.push({ key, message: `${field}expected a list of strings, got ${typeOf(v)}` });
  return [];
};

/** The variables `when` and `oncePer` see; a name outside them is a syntax error at load. */
export const CONDITION_VARIABLES = ['rollout', 'analysisRuns', 'secrets'] as const;

const checkExpression = (key: string, field: string, expr: string, problems: ConfigProblem[]): void => {
  const r = evaluateExpression(expr, { rollout: {}, analysisRuns: [], secrets: {} });
  if (E.isLeft(r) && r.left._tag === 'ConditionSyntaxError') problems.push({ key, message: `${field}: ${r.left.message}` });
};

const parseTrigger = (key: string, v: unknown, problems: ConfigProblem[]): TriggerCondition[] | undefined => {
  if (!Array.isArray(v)) {
    problems.push({ key, message: `expected a list of conditions ({when, send, oncePer}), got ${typeOf(v)}` });
    return undefined;
  }
  const out: TriggerCondition[] = [];
  v.forEach((c: unknown, i) => {
    const at = `[${i}]`;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      problems.push({ key, message: `${at}: expected a map, got ${typeOf(c)}` });
      return;
    }
    const cond = c as Record<string, unknown>;
    for (const k of Object.keys(cond))
      if (!['when', 'send', 'oncePer', 'description'].includes(k)) problems.push({ key, message: `${at}.${k}: unknown field (expected when, send, oncePer, description)` });
    const str = (f: string): string => {
      const x = cond[f];
      if (x === undefined || x === null) return '';
      if (typeof x === 'string') return x;
      problems.push({ key, message: `${at}.${f}: expected a string, got ${typeOf(x)}` });
      return '';
    };
    const when = str('when');
    const oncePer = str('oncePer');
    const send = stringList(key, `${at}.send: `, cond.send, problems);
    if (send.length === 0) problems.push({ key, message: `${at}.send: at least one template is required` });
    if (when.trim() !== '') checkExpression(key, `${at}.when`, when, problems);
    if (oncePer.trim() !== '') checkExpression(key, `${at}.oncePer`, oncePer, problems);
    out.push({ when, send, oncePer, description: str('description') });
  });
  return out;
};

/** Parses ConfigMap data and (decoded) Secret data; see the module comment. */
export function parseNotificationConfig(
  configMapData: Readonly<Record<string, string>>,
  secretData: Readonly<Record<string, string>>,
): E.Either<ReadonlyArray<ConfigProblem>, ParsedConfig> {
  const problems: ConfigProblem[] = [];
  const services: ServiceInstance[] = [];
  const triggerDefs = new Map<string, ReadonlyArray<TriggerCondition>>([...BUILTIN_TRIGGERS].map(([k, v]) => [k, v.map((c) => ({ ...c, oncePer: '', description: '' }))]));
  const templateDefs = new Map<string, { [k: string]: CompiledTree }>();
  for (const [name, src] of BUILTIN_TEMPLATES) {
    const t = compileTemplateSource(name, src, `template.${name}`, problems);
    if (t !== undefined) templateDefs.set(name, t);
  }
  let defaultTriggers: string[] = [];
  const serviceDefaultTriggers = new Map<string, string[]>();
  const subscriptions: GlobalSubscription[] = [];

  for (const key of Object.keys(configMapData).sort()) {
    const text = configMapData[key]!;
    const parts = key.split('.');
    if (key.startsWith('service.')) {
      if (parts.length !== 2 && parts.length !== 3) {
        problems.push({ key, message: `expected service.<type> or service.<type>.<name>` });
        continue;
      }
      const type = parts[1]!;
      const name = parts[2] ?? type;
      if (type === '' || name === '') {
        problems.push({ key, message: `expected service.<type> or service.<type>.<name>` });
        continue;
      }
      const opts = yamlOf(key, text, problems);
      if (opts === undefined && text.trim() !== '') continue;
      if (opts !== undefined && opts !== null && (typeof opts !== 'object' || Array.isArray(opts))) {
        problems.push({ key, message: `expected a map of options, got ${typeOf(opts)}` });
        continue;
      }
      if (services.some((s) => s.name === name)) problems.push({ key, message: `a service named "${name}" is defined twice` });
      services.push({ type, name, options: substitute(opts ?? {}, secretData) as Record<string, unknown> });
    } else if (key.startsWith('template.')) {
      const name = parts.slice(1).join('.');
      const src = yamlOf(key, text, problems);
      if (src === undefined) continue;
      templateDefs.delete(name);
      const t = compileTemplateSource(name, src, key, problems);
      if (t !== undefined) templateDefs.set(name, t);
    } else if (key.startsWith('trigger.')) {
      const name = parts.slice(1).join('.');
      const v = yamlOf(key, text, problems);
      if (v === undefined) continue;
      const t = parseTrigger(key, v, problems);
      if (t !== undefined) triggerDefs.set(name, t);
      else triggerDefs.delete(name);
    } else if (key === 'defaultTriggers') {
      const v = yamlOf(key, text, problems);
      defaultTriggers = stringList(key, '', v, problems);
    } else if (key.startsWith('defaultTriggers.')) {
      const v = yamlOf(key, text, problems);
      serviceDefaultTriggers.set(parts.slice(1).join('.'), stringList(key, '', v, problems));
    } else if (key === 'subscriptions') {
      const v = yamlOf(key, text, problems);
      if (v === undefined || v === null) continue;
      if (!Array.isArray(v)) {
        problems.push({ key, message: `expected a list of {recipients, triggers, selector}, got ${typeOf(v)}` });
        continue;
      }
      v.forEach((s: unknown, i) => {
        if (typeof s !== 'object' || s === null || Array.isArray(s)) {
          problems.push({ key, message: `[${i}]: expected a map, got ${typeOf(s)}` });
          return;
        }
        const sub = s as Record<string, unknown>;
        const recipients = stringList(key, `[${i}].recipients: `, sub.recipients, problems);
        for (const r of recipients) if (r === '' || r.startsWith(':')) problems.push({ key, message: `[${i}].recipients: "${r}" names no service (expected <service>[:<recipient>])` });
        const triggers = stringList(key, `[${i}].triggers: `, sub.triggers, problems);
        const selectorText = sub.selector === undefined || sub.selector === null ? '' : sub.selector;
        if (typeof selectorText !== 'string') {
          problems.push({ key, message: `[${i}].selector: expected a label selector string, got ${typeOf(selectorText)}` });
          return;
        }
        const selector = parseSelector(selectorText);
        if (E.isLeft(selector)) problems.push({ key, message: `[${i}].selector: ${selector.left}` });
        else subscriptions.push({ recipients, triggers, selector: selector.right });
      });
    }
    // Other keys (Argo CD's `context`, comments) are not read by Argo Rollouts either.
  }
  for (const [name, conds] of triggerDefs)
    conds.forEach((c, i) => {
      for (const t of c.send) if (!templateDefs.has(t)) problems.push({ key: `trigger.${name}`, message: `[${i}].send: template "${t}" is not defined` });
    });
  if (problems.length > 0) return E.left(problems);
  return E.right({
    services,
    triggers: [...triggerDefs.keys()].sort(),
    templates: [...templateDefs.keys()].sort(),
    triggerDefs,
    templateDefs,
    defaultTriggers,
    serviceDefaultTriggers,
    subscriptions,
    secrets: secretData,
    builtInTriggers: new Set([...BUILTIN_TRIGGERS.keys()].filter((k) => !Object.prototype.hasOwnProperty.call(configMapData, `trigger.${k}`))),
    builtInTemplates: new Set([...BUILTIN_TEMPLATES.keys()].filter((k) => !Object.prototype.hasOwnProperty.call(configMapData, `template.${k}`))),
  });
}
