/**
 * Argo Rollouts' configuration ConfigMaps in the controller's namespace, read once at start so that nothing a
 * migrated install configured is ignored in silence:
 * - `argo-rollouts-config`: `trafficRouterPlugins`, `metricProviderPlugins`, `stepPlugins` (`[{name, location}]`).
 *   A plugin whose name is a kind this controller registers (a built-in such as `argoproj-labs/gatewayAPI`) is
 *   served by it; any other is not loaded (loading plugins from configuration is not implemented yet), which is
 *   logged as an error naming them: Rollouts that use one are InvalidSpec, metrics that use one measure Error.
 * - `argo-rollouts-notification-configmap` (with `argo-rollouts-notification-secret`): the controller sends the
 *   notifications it configures (packages/controller/src/Notifications.ts). At start the configuration is parsed
 *   once: its problems are an error naming each key (nothing is sent from a configuration with problems), else an
 *   info line says which services, triggers and templates are configured.
 * The findings are returned as log entries (level, message, fields) for the caller to log; nothing here throws.
 */
import { parse } from 'yaml';

export const CONFIG_MAP = 'argo-rollouts-config';
export const NOTIFICATION_CONFIG_MAP = 'argo-rollouts-notification-configmap';

export interface ConfigMapLike {
  readonly data?: Readonly<Record<string, string>> | null;
}

/** The ConfigMap, undefined when it does not exist, or an Error (forbidden, unreachable). */
export type ConfigMapReader = (namespace: string, name: string) => Promise<ConfigMapLike | undefined | Error>;

/** Parses the notification ConfigMap's data (with the Secret the caller reads): the problems, each naming its key, or what is configured. */
export type NotificationConfigCheck = (
  configMapData: Readonly<Record<string, string>>,
) => Promise<{ readonly problems: ReadonlyArray<{ readonly key: string; readonly message: string }> } | { readonly services: readonly string[]; readonly triggers: readonly string[]; readonly templates: readonly string[] }>;

export interface Finding {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

const PLUGIN_KEYS = ['trafficRouterPlugins', 'metricProviderPlugins', 'stepPlugins'] as const;

/** Plugin names configured under one key, or an error message when the value is not a list of `{name}`. */
function pluginNames(raw: string | undefined, key: string): string[] | string {
  if (raw === undefined || raw.trim() === '') return [];
  let v: unknown;
  try {
    v = parse(raw);
  } catch (e) {
    return `${key}: not YAML: ${(e as Error).message.split('\n')[0] ?? ''}`;
  }
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) return `${key}: expected a list of {name, location}, got ${typeof v}`;
  const names: string[] = [];
  for (const [i, p] of v.entries()) {
    const name = typeof p === 'object' && p !== null ? (p as { name?: unknown }).name : undefined;
    if (typeof name !== 'string' || name === '') return `${key}[${i}].name: required (a string)`;
    names.push(name);
  }
  return names;
}

export async function checkArgoConfigMaps(
  read: ConfigMapReader,
  namespace: string,
  registered: { readonly trafficRouters: readonly string[]; readonly metricProviders: readonly string[] },
  checkNotifications?: NotificationConfigCheck,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const [config, notifications] = await Promise.all([read(namespace, CONFIG_MAP), read(namespace, NOTIFICATION_CONFIG_MAP)]);

  if (config instanceof Error) {
    findings.push({ level: 'warn', message: `cannot read ConfigMap ${namespace}/${CONFIG_MAP}: plugins configured there are not checked`, fields: { error: config.message } });
  } else if (config !== undefined) {
    const data = config.data ?? {};
    const known: Record<(typeof PLUGIN_KEYS)[number], readonly string[]> = { trafficRouterPlugins: registered.trafficRouters, metricProviderPlugins: registered.metricProviders, stepPlugins: [] };
    for (const key of PLUGIN_KEYS) {
      const names = pluginNames(data[key], key);
      if (typeof names === 'string') {
        findings.push({ level: 'error', message: `ConfigMap ${namespace}/${CONFIG_MAP}: ${names}`, fields: {} });
        continue;
      }
      const builtIn = names.filter((n) => known[key].includes(n));
      const missing = names.filter((n) => !known[key].includes(n));
      if (builtIn.length > 0) findings.push({ level: 'info', message: `ConfigMap ${namespace}/${CONFIG_MAP}: ${key} served by this controller's built-in implementation`, fields: { plugins: builtIn.join(',') } });
      if (missing.length > 0)
        findings.push({
          level: 'error',
          message: `ConfigMap ${namespace}/${CONFIG_MAP}: ${key} not loaded: this controller does not load plugins from configuration yet; ${key === 'stepPlugins' ? 'Rollouts with such a step are InvalidSpec' : key === 'trafficRouterPlugins' ? 'Rollouts that route through them are InvalidSpec' : 'metrics that use them measure Error'}`,
          fields: { plugins: missing.join(',') },
        });
    }
  }

  if (notifications instanceof Error) {
    findings.push({ level: 'warn', message: `cannot read ConfigMap ${namespace}/${NOTIFICATION_CONFIG_MAP}: notification settings are not checked`, fields: { error: notifications.message } });
  } else if (notifications !== undefined) {
    const data = notifications.data ?? {};
    const keys = Object.keys(data).filter((k) => /^(service|template|trigger)\./.test(k) || k === 'subscriptions' || k === 'defaultTriggers');
    if (keys.length > 0 && checkNotifications !== undefined) {
      let checked: Awaited<ReturnType<NotificationConfigCheck>> | Error;
      try {
        checked = await checkNotifications(data);
      } catch (e) {
        checked = e instanceof Error ? e : new Error(String(e));
      }
      if (checked instanceof Error)
        findings.push({ level: 'warn', message: `ConfigMap ${namespace}/${NOTIFICATION_CONFIG_MAP}: notification settings could not be checked at start`, fields: { error: checked.message } });
      else if ('problems' in checked)
        findings.push({
          level: 'error',
          message: `ConfigMap ${namespace}/${NOTIFICATION_CONFIG_MAP}: the notification configuration has problems; no notification is sent from it until they are fixed`,
          fields: { problems: checked.problems.map((p) => `${p.key}: ${p.message}`).join('; ') },
        });
      else
        findings.push({
          level: 'info',
          message: `ConfigMap ${namespace}/${NOTIFICATION_CONFIG_MAP}: notifications configured`,
          fields: { services: checked.services.join(',') || '(none)', triggers: checked.triggers.length, templates: checked.templates.length },
        });
    }
  }
  return findings;
}
