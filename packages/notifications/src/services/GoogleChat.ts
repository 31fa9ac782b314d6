/**
 * `service.googlechat[.<name>]`: a Google Chat incoming webhook, `webhooks[<recipient>]` (the URL carries the
 * space's key and token), as Argo's Google Chat service sends it. A text message (`{"text": message}`), or the
 * template's `googlechat.cardsV2` / `googlechat.cards` (JSON) as a card message. `googlechat.threadKey` posts
 * into the thread of that key (created when new) via `threadKey` and
 * `messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD` on the URL.
 */
import * as E from 'fp-ts/lib/Either';
import type { NotificationService, SendError } from '../Types';
import { OptionChecker, blockJson, blockString, destinationLabel, exchangeOk, guarded, mapOption, permanent, secretsOf, templateBlock } from './ServiceSupport';

export const googleChatService: NotificationService = {
  type: 'googlechat',

  validate(instance) {
    const c = new OptionChecker(instance);
    c.stringMap('webhooks', true, true);
    return c.problems;
  },

  send(ctx, instance, notification, recipient) {
    const label = destinationLabel(instance, recipient);
    return guarded(secretsOf(instance, ['webhooks']), async (): Promise<E.Either<SendError, void>> => {
      const webhook = mapOption(instance, 'webhooks')[recipient];
      if (webhook === undefined) return E.left(permanent(`${label}: webhooks has no entry ${JSON.stringify(recipient)}`));
      const block = templateBlock(notification, 'googlechat');
      const cardsV2 = blockJson(block, 'cardsV2', label);
      if (E.isLeft(cardsV2)) return cardsV2;
      const cards = blockJson(block, 'cards', label);
      if (E.isLeft(cards)) return cards;
      const payload: Record<string, unknown> =
        cardsV2.right !== undefined ? { cardsV2: cardsV2.right } : cards.right !== undefined ? { cards: cards.right } : { text: notification.message };
      const url = new URL(webhook);
      const threadKey = blockString(block, 'threadKey');
      if (threadKey !== undefined) {
        url.searchParams.set('threadKey', threadKey);
        url.searchParams.set('messageReplyOption', 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
      }
      const res = await exchangeOk(ctx, label, {
        method: 'POST',
        url: url.toString(),
        headers: { 'Content-Type': 'application/json; charset=UTF-8' },
        body: JSON.stringify(payload),
      })();
      return E.isLeft(res) ? res : E.right(undefined);
    });
  },
};
