/**
 * `service.grafana[.<name>]`: a Grafana annotation, `POST <apiUrl>/annotations` with a service account token
 * (`apiKey`), as Argo's Grafana service sends it. The recipient is the annotation's tags, separated by `|`;
 * text = the message; time = now (milliseconds).
 */
import * as E from 'fp-ts/lib/Either';
import type { NotificationService, SendError } from '../Types';
import { JSON_HEADERS, OptionChecker, booleanOption, destinationLabel, exchangeOk, guarded, joinUrl, permanent, secretsOf, stringOption } from './ServiceSupport';

export const grafanaService: NotificationService = {
  type: 'grafana',

  validate(instance) {
    const c = new OptionChecker(instance);
    c.url('apiUrl', true);
    c.requiredString('apiKey');
    c.optionalBoolean('insecureSkipVerify');
    return c.problems;
  },

  send(ctx, instance, notification, recipient) {
    const label = destinationLabel(instance, recipient);
    return guarded(secretsOf(instance, ['apiKey']), async (): Promise<E.Either<SendError, void>> => {
      const api = stringOption(instance, 'apiUrl');
      if (api === undefined) return E.left(permanent(`${label}: apiUrl is not configured`));
      const tags = recipient.split('|').filter((t) => t !== '');
      const res = await exchangeOk(ctx, label, {
        method: 'POST',
        url: joinUrl(api, 'annotations'),
        headers: { ...JSON_HEADERS, Authorization: `Bearer ${stringOption(instance, 'apiKey') ?? ''}` },
        body: JSON.stringify({ time: ctx.now(), isRegion: false, tags, text: notification.message }),
        insecureSkipVerify: booleanOption(instance, 'insecureSkipVerify'),
      })();
      return E.isLeft(res) ? res : E.right(undefined);
    });
  },
};
