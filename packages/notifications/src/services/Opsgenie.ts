/**
 * `service.opsgenie[.<name>]`: an Opsgenie alert, `POST <apiUrl>/v2/alerts` with `Authorization: GenieKey
 * <apiKeys[<recipient>]>` and the recipient team as the responder, as Argo's Opsgenie service sends it.
 * message = the message (Opsgenie keeps 130 characters; a longer one is cut there and sent whole as the
 * description when the template sets none); the template's `opsgenie: {description, priority, alias, note,
 * actions, tags, details, entity, visibleTo, user}` fill the rest. Unlike Argo (which says "Argo CD"), source
 * is "Argo Rollouts". `apiUrl` defaults to https://api.opsgenie.com (https://api.eu.opsgenie.com for the EU).
 */
import * as E from 'fp-ts/lib/Either';
import type { NotificationService, SendError } from '../Types';
import { JSON_HEADERS, OptionChecker, blockJson, blockString, destinationLabel, exchangeOk, guarded, joinUrl, mapOption, permanent, secretsOf, stringOption, templateBlock } from './ServiceSupport';

export const OPSGENIE_API_URL = 'https://api.opsgenie.com';
const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'];
const MESSAGE_MAX = 130;

/** A list field: a YAML list, a JSON list in a string, or a comma-separated string. */
function listField(block: Readonly<Record<string, unknown>>, field: string): string[] | undefined {
  const v = block[field];
  if (Array.isArray(v)) return v.map(String);
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const t = v.trim();
  if (t.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(t);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // a plain string after all
    }
  }
  return t.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export const opsgenieService: NotificationService = {
  type: 'opsgenie',

  validate(instance) {
    const c = new OptionChecker(instance);
    c.stringMap('apiKeys', true, false);
    c.url('apiUrl', false);
    return c.problems;
  },

  send(ctx, instance, notification, recipient) {
    const label = destinationLabel(instance, recipient);
    return guarded(secretsOf(instance, ['apiKeys']), async (): Promise<E.Either<SendError, void>> => {
      const key = mapOption(instance, 'apiKeys')[recipient];
      if (key === undefined) return E.left(permanent(`${label}: apiKeys has no entry ${JSON.stringify(recipient)}`));
      const block = templateBlock(notification, 'opsgenie');
      const message = notification.message.trim();
      if (message === '') return E.left(permanent(`${label}: the message is empty (Opsgenie requires one)`));
      const alert: Record<string, unknown> = { message: message.slice(0, MESSAGE_MAX), responders: [{ type: 'team', name: recipient }], source: 'Argo Rollouts' };
      const description = blockString(block, 'description') ?? (message.length > MESSAGE_MAX ? message : undefined);
      if (description !== undefined) alert['description'] = description;
      const priority = blockString(block, 'priority');
      if (priority !== undefined) {
        if (!PRIORITIES.includes(priority)) return E.left(permanent(`${label}: template field opsgenie.priority: expected one of ${PRIORITIES.join(', ')}, found ${JSON.stringify(priority)}`));
        alert['priority'] = priority;
      }
      for (const f of ['alias', 'note', 'entity', 'user']) {
        const v = blockString(block, f);
        if (v !== undefined) alert[f] = v;
      }
      for (const f of ['actions', 'tags']) {
        const v = listField(block, f);
        if (v !== undefined) alert[f] = v;
      }
      const details = blockJson(block, 'details', label);
      if (E.isLeft(details)) return details;
      if (details.right !== undefined) {
        if (typeof details.right !== 'object' || details.right === null || Array.isArray(details.right)) return E.left(permanent(`${label}: template field opsgenie.details must be a map`));
        alert['details'] = Object.fromEntries(Object.entries(details.right).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
      }
      const visibleTo = blockJson(block, 'visibleTo', label);
      if (E.isLeft(visibleTo)) return visibleTo;
      if (visibleTo.right !== undefined) alert['visibleTo'] = visibleTo.right;
      const res = await exchangeOk(ctx, label, {
        method: 'POST',
        url: joinUrl(stringOption(instance, 'apiUrl') ?? OPSGENIE_API_URL, 'v2/alerts'),
        headers: { ...JSON_HEADERS, Authorization: `GenieKey ${key}` },
        body: JSON.stringify(alert),
      })();
      return E.isLeft(res) ? res : E.right(undefined);
    });
  },
};
