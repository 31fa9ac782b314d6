/**
 * `service.teams-workflows[.<name>]`: a Teams Workflows (Power Automate) webhook, POSTed a `message` with one
 * Adaptive Card attachment, to `recipientUrls[<recipient>]`. The card is the template's
 * `teams-workflows.adaptiveCard` (JSON) when given; otherwise it is built from the same fields as the Teams
 * MessageCard (`title`, `text` or the message, `facts`), read from the `teams-workflows:` block, else `teams:`.
 * The flow answers 202 Accepted.
 */
import * as E from 'fp-ts/lib/Either';
import type { NotificationService, SendError } from '../Types';
import { JSON_HEADERS, OptionChecker, blockJson, blockString, destinationLabel, exchangeOk, guarded, mapOption, permanent, secretsOf, templateBlock } from './ServiceSupport';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** The Adaptive Card for a rendered notification. */
export function adaptiveCard(notification: Readonly<Record<string, unknown>> & { readonly message: string }, label: string): E.Either<SendError, unknown> {
  const own = templateBlock(notification, 'teams-workflows');
  const block = Object.keys(own).length > 0 ? own : templateBlock(notification, 'teams');
  const given = blockJson(block, 'adaptiveCard', label);
  if (E.isLeft(given)) return given;
  if (given.right !== undefined) {
    if (typeof given.right !== 'object' || given.right === null || Array.isArray(given.right)) return E.left(permanent(`${label}: template field adaptiveCard must be a JSON object`));
    return given;
  }
  const facts = blockJson(block, 'facts', label);
  if (E.isLeft(facts)) return facts;
  const body: unknown[] = [];
  const title = blockString(block, 'title');
  if (title !== undefined) body.push({ type: 'TextBlock', text: title, size: 'Large', weight: 'Bolder', wrap: true });
  body.push({ type: 'TextBlock', text: blockString(block, 'text') ?? notification.message, wrap: true });
  if (Array.isArray(facts.right)) {
    body.push({
      type: 'FactSet',
      facts: facts.right.map((f: unknown) => {
        const o = (f ?? {}) as { name?: unknown; title?: unknown; value?: unknown };
        return { title: String(o.title ?? o.name ?? ''), value: String(o.value ?? '') };
      }),
    });
  }
  return E.right({ type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: '1.4', body });
}

export const teamsWorkflowsService: NotificationService = {
  type: 'teams-workflows',

  validate(instance) {
    const c = new OptionChecker(instance);
    c.stringMap('recipientUrls', true, true);
    return c.problems;
  },

  send(ctx, instance, notification, recipient) {
    const label = destinationLabel(instance, recipient);
    return guarded(secretsOf(instance, ['recipientUrls']), async (): Promise<E.Either<SendError, void>> => {
      const url = mapOption(instance, 'recipientUrls')[recipient];
      if (url === undefined) return E.left(permanent(`${label}: recipientUrls has no entry ${JSON.stringify(recipient)}`));
      const card = adaptiveCard(notification, label);
      if (E.isLeft(card)) return card;
      const payload = { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card.right }] };
      const res = await exchangeOk(ctx, label, { method: 'POST', url, headers: JSON_HEADERS, body: JSON.stringify(payload) })();
      return E.isLeft(res) ? res : E.right(undefined);
    });
  },
};
