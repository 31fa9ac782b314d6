/**
 * Argo Rollouts' notification ConfigMap in the controller's namespace, checked once at start so that a broken
 * configuration is said at once (the plugins of `argo-rollouts-config` are loaded, and reported, by PluginLoader.ts):
 * - `argo-rollouts-notification-configmap` (with `argo-rollouts-notification-secret`): the controller sends the
 *   notifications it configures (packages/controller/src/Notifications.ts). At start the configuration is parsed
 *   once: its problems are an error naming each key (nothing is sent from a configuration with problems), else an
 *   info line says which services, triggers and templates are configured.
 * The findings are returned as log entries (level, message, fields) for the caller to log; nothing here throws.
 */
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

export async function checkArgoConfigMaps(
  read: ConfigMapReader,
  namespace: string,
  checkNotifications?: NotificationConfigCheck,
): Promise<Finding[]> {
  const findings: Finding[] = [];
  const notifications = await read(namespace, NOTIFICATION_CONFIG_MAP);

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
