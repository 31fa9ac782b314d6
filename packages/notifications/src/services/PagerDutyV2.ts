/**
 * `service.pagerdutyv2[.<name>]`: a PagerDuty Events API v2 `trigger` event, `POST <apiURL>/v2/enqueue`, with the
 * routing key `serviceKeys[<recipient>]`, as Argo's PagerDuty v2 service sends it. The template's
 * `pagerdutyv2: {summary, severity, source, component, group, class, url, dedupKey}` fills the event; summary
 * defaults to the message; severity (critical, error, warning, info) and source are required by PagerDuty and
 * a template without them is an error naming the field. `apiURL` (default https://events.pagerduty.com) is
 * ours, for a proxy or a test server; Argo has no such option.
 */
import * as E from 'fp-ts/lib/Either';
import type { NotificationService, SendError } from '../Types';
import { JSON_HEADERS, OptionChecker, blockString, destinationLabel, exchangeOk, guarded, joinUrl, mapOption, permanent, secretsOf, stringOption, templateBlock } from './ServiceSupport';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com';
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

export const pagerDutyV2Service: NotificationService = {
  type: 'pagerdutyv2',

  validate(instance) {
    const c = new OptionChecker(instance);
    c.stringMap('serviceKeys', true, false);
    c.url('apiURL', false);
    return c.problems;
  },

  send(ctx, instance, notification, recipient) {
    const label = destinationLabel(instance, recipient);
    return guarded(secretsOf(instance, ['serviceKeys']), async (): Promise<E.Either<SendError, void>> => {
      const routingKey = mapOption(instance, 'serviceKeys')[recipient];
      if (routingKey === undefined) return E.left(permanent(`${label}: serviceKeys has no entry ${JSON.stringify(recipient)}`));
      const block = templateBlock(notification, 'pagerdutyv2');
      const severity = blockString(block, 'severity');
      if (severity === undefined || !SEVERITIES.includes(severity)) {
        return E.left(permanent(`${label}: template field pagerdutyv2.severity: expected one of ${SEVERITIES.join(', ')}, found ${severity === undefined ? 'nothing' : JSON.stringify(severity)}`));
      }
      const source = blockString(block, 'source');
      if (source === undefined) return E.left(permanent(`${label}: template field pagerdutyv2.source: required`));
      const payload: Record<string, unknown> = { summary: (blockString(block, 'summary') ?? notification.message).slice(0, 1024), severity, source };
      for (const f of ['component', 'group', 'class']) {
        const v = blockString(block, f);
        if (v !== undefined) payload[f] = v;
      }
      const event: Record<string, unknown> = { routing_key: routingKey, event_action: 'trigger', payload };
      const dedupKey = blockString(block, 'dedupKey');
      if (dedupKey !== undefined) event['dedup_key'] = dedupKey;
      const link = blockString(block, 'url');
      if (link !== undefined) event['links'] = [{ href: link }];
      const res = await exchangeOk(ctx, label, {
        method: 'POST',
        url: joinUrl(stringOption(instance, 'apiURL') ?? PAGERDUTY_EVENTS_URL, 'v2/enqueue'),
        headers: JSON_HEADERS,
        body: JSON.stringify(event),
      })();
      return E.isLeft(res) ? res : E.right(undefined);
    });
  },
};
