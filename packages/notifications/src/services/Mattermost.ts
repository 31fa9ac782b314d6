/**
 * `service.mattermost[.<name>]`: Mattermost's REST API v4, `POST <apiURL>/api/v4/posts` with a bot or personal
 * access token, as Argo's Mattermost service sends it. The recipient is the channel ID; message = the message;
 * the template's `mattermost.attachments` (JSON) go into `props.attachments`. Mattermost answers 201.
 */
import * as E from 'fp-ts/lib/Either';
import type { NotificationService, SendError } from '../Types';
import { JSON_HEADERS, OptionChecker, blockJson, booleanOption, destinationLabel, exchangeOk, guarded, joinUrl, permanent, secretsOf, stringOption, templateBlock } from './ServiceSupport';

export const mattermostService: NotificationService = {
  type: 'mattermost',

  validate(instance) {
    const c = new OptionChecker(instance);
    c.url('apiURL', true);
    c.requiredString('token');
    c.optionalBoolean('insecureSkipVerify');
    return c.problems;
  },

  send(ctx, instance, notification, recipient) {
    const label = destinationLabel(instance, recipient);
    return guarded(secretsOf(instance, ['token']), async (): Promise<E.Either<SendError, void>> => {
      const api = stringOption(instance, 'apiURL');
      if (api === undefined) return E.left(permanent(`${label}: apiURL is not configured`));
      if (recipient === '') return E.left(permanent(`${label}: a Mattermost recipient (channel ID) is required`));
      const attachments = blockJson(templateBlock(notification, 'mattermost'), 'attachments', label);
      if (E.isLeft(attachments)) return attachments;
      const post: Record<string, unknown> = { channel_id: recipient, message: notification.message };
      if (attachments.right !== undefined) post['props'] = { attachments: attachments.right };
      const res = await exchangeOk(ctx, label, {
        method: 'POST',
        url: joinUrl(api, 'api/v4/posts'),
        headers: { ...JSON_HEADERS, Authorization: `Bearer ${stringOption(instance, 'token') ?? ''}` },
        body: JSON.stringify(post),
        insecureSkipVerify: booleanOption(instance, 'insecureSkipVerify'),
      })();
      return E.isLeft(res) ? res : E.right(undefined);
    });
  },
};
