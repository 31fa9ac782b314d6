/**
 * `service.pagerduty[.<name>]`: a PagerDuty incident through the REST API, `POST <apiURL>/incidents` with
 * `Authorization: Token token=<token>` and `From: <from>`, on the service whose ID is the recipient, as Argo's
 * PagerDuty (v1) service creates it. The template's `pagerduty: {title, body, urgency, priorityId}` fill the
 * incident; title defaults to the message. `apiURL` (default https://api.pagerduty.com) is ours, for a proxy or a
 * test server. Prefer `pagerdutyv2` (Events API, a routing key per service) for alerting.
 */
import * as E from 'fp-ts/lib/Either';
import type { NotificationService, SendError } from '../Types';
import { JSON_HEADERS, OptionChecker, blockString, destinationLabel, exchangeOk, guarded, joinUrl, permanent, secretsOf, stringOption, templateBlock } from './ServiceSupport';

export const PAGERDUTY_REST_URL = 'https://api.pagerduty.com';

export const pagerDutyService: NotificationService = {
  type: 'pagerduty',

  validate(instance) {
    const c = new OptionChecker(instance);
    c.requiredString('token');
    c.requiredString('from');
    c.optionalString('serviceId');
    c.url('apiURL', false);
    return c.problems;
  },

  send(ctx, instance, notification, recipient) {
    const label = destinationLabel(instance, recipient);
    return guarded(secretsOf(instance, ['token']), async (): Promise<E.Either<SendError, void>> => {
      const serviceId = recipient !== '' ? recipient : stringOption(instance, 'serviceId');
      if (serviceId === undefined) return E.left(permanent(`${label}: the recipient (a PagerDuty service ID) is required`));
      const block = templateBlock(notification, 'pagerduty');
      const incident: Record<string, unknown> = {
        type: 'incident',
        title: blockString(block, 'title') ?? notification.message,
        service: { id: serviceId, type: 'service_reference' },
      };
      const urgency = blockString(block, 'urgency');
      if (urgency !== undefined) {
        if (urgency !== 'high' && urgency !== 'low') return E.left(permanent(`${label}: template field pagerduty.urgency: expected high or low, found ${JSON.stringify(urgency)}`));
        incident['urgency'] = urgency;
      }
      const body = blockString(block, 'body');
      if (body !== undefined) incident['body'] = { type: 'incident_body', details: body };
      const priority = blockString(block, 'priorityId');
      if (priority !== undefined) incident['priority'] = { id: priority, type: 'priority_reference' };
      const res = await exchangeOk(ctx, label, {
        method: 'POST',
        url: joinUrl(stringOption(instance, 'apiURL') ?? PAGERDUTY_REST_URL, 'incidents'),
        headers: { ...JSON_HEADERS, Accept: 'application/vnd.pagerduty+json;version=2', Authorization: `Token token=${stringOption(instance, 'token') ?? ''}`, From: stringOption(instance, 'from') ?? '' },
        body: JSON.stringify({ incident }),
      })();
      return E.isLeft(res) ? res : E.right(undefined);
    });
  },
};
