/**
 * `service.teams[.<name>]`: an Office 365 connector `MessageCard` POSTed to `recipientUrls[<recipient>]`, as
 * Argo's Teams service sends it. Text = `teams.text`, else the message; `teams.title`, `teams.summary`,
 * `teams.themeColor`; `teams.sections`, `teams.facts` (one more section) and `teams.potentialAction` are JSON;
 * `teams.template` (JSON) replaces the whole card. The connector answers 200 "1" on success and sometimes 200
 * with "Webhook message delivery failed…": that is an error too (retryable when it names HTTP 429).
 */
import * as E from 'fp-ts/lib/Either';
import type { NotificationService, SendError } from '../Types';
import { JSON_HEADERS, OptionChecker, blockJson, blockString, destinationLabel, exchangeOk, guarded, mapOption, permanent, retryable, secretsOf, snippet, templateBlock } from './ServiceSupport';

/** The MessageCard for a rendered notification (exported for tests of the card shape). */
export function messageCard(notification: Readonly<Record<string, unknown>> & { readonly message: string }, label: string): E.Either<SendError, Record<string, unknown>> {
  const block = templateBlock(notification, 'teams');
  const whole = blockJson(block, 'template', label);
  if (E.isLeft(whole)) return whole;
  if (whole.right !== undefined) {
    if (typeof whole.right !== 'object' || whole.right === null || Array.isArray(whole.right)) return E.left(permanent(`${label}: template field teams.template must be a JSON object`));
    return E.right(whole.right as Record<string, unknown>);
  }
  const sections = blockJson(block, 'sections', label);
  if (E.isLeft(sections)) return sections;
  const facts = blockJson(block, 'facts', label);
  if (E.isLeft(facts)) return facts;
  const actions = blockJson(block, 'potentialAction', label);
  if (E.isLeft(actions)) return actions;
  const title = blockString(block, 'title');
  const text = blockString(block, 'text') ?? notification.message;
  const card: Record<string, unknown> = { '@type': 'MessageCard', '@context': 'https://schema.org/extensions', summary: blockString(block, 'summary') ?? title ?? text.slice(0, 200), text };
  if (title !== undefined) card['title'] = title;
  const color = blockString(block, 'themeColor');
  if (color !== undefined) card['themeColor'] = color;
  const allSections: unknown[] = Array.isArray(sections.right) ? [...sections.right] : sections.right !== undefined ? [sections.right] : [];
  if (facts.right !== undefined) allSections.push({ facts: facts.right });
  if (allSections.length > 0) card['sections'] = allSections;
  if (actions.right !== undefined) card['potentialAction'] = actions.right;
  return E.right(card);
}

export const teamsService: NotificationService = {
  type: 'teams',

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
      const card = messageCard(notification, label);
      if (E.isLeft(card)) return card;
      const res = await exchangeOk(ctx, label, { method: 'POST', url, headers: JSON_HEADERS, body: JSON.stringify(card.right) })();
      if (E.isLeft(res)) return res;
      const body = res.right.body.trim();
      if (/delivery failed/i.test(body)) return E.left((/\b429\b/.test(body) ? retryable : permanent)(`${label}: Teams did not deliver the card: ${snippet(body)}`));
      return E.right(undefined);
    });
  },
};
