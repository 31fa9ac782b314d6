/**
 * `service.slack[.<name>]`: Slack's Web API `chat.postMessage` (and `chat.update`) with a bot token, as Argo's
 * Slack service sends it. The recipient is the channel (name or ID); text = message; the template's
 * `slack.attachments` / `slack.blocks` (JSON strings) go along, `slack.username` / `slack.icon` override the
 * service's. Slack answers HTTP 200 with `{"ok": false, "error": …}` for most failures: `ratelimited` and
 * Slack-side errors are retryable, the rest (invalid_auth, channel_not_found, …) are not.
 *
 * `slack.groupingKey` groups messages: the first message of a key (per instance and channel) is posted and its
 * `ts` remembered, then by `slack.deliveryPolicy`:
 * - `Post` (default): each later message is posted as a reply in that message's thread;
 * - `PostAndUpdate`: each later message is posted in the thread and the first message is updated to it;
 * - `Update`: each later message replaces the first message (chat.update); nothing new is posted.
 * By default the `ts` is kept in this process's memory only: after a controller restart (or a leader change)
 * the next message of a key starts a new first message (and thread), as if the key were new. Keys are bounded
 * (least recently used dropped past 10 000). A caller that wants threads to survive restarts passes its own
 * {@link SlackThreadStore} (backed by an annotation or a ConfigMap) to {@link createSlackService}.
 */
import * as E from 'fp-ts/lib/Either';
import type { NotificationService, SendContext, SendError, ServiceInstance } from '../Types';
import {
  JSON_HEADERS,
  OptionChecker,
  blockJson,
  blockString,
  booleanOption,
  describe,
  destinationLabel,
  exchange,
  guarded,
  joinUrl,
  jsonBody,
  permanent,
  retryable,
  secretsOf,
  stringOption,
  templateBlock,
  expectStatus,
} from './ServiceSupport';

export const SLACK_API_URL = 'https://slack.com/api/';
const POLICIES = ['Post', 'PostAndUpdate', 'Update'] as const;
type DeliveryPolicy = (typeof POLICIES)[number];
const MAX_THREADS = 10_000;

/** Slack `error` codes worth trying again. */
const RETRYABLE_ERRORS = new Set(['ratelimited', 'rate_limited', 'service_unavailable', 'internal_error', 'fatal_error', 'request_timeout']);

/** The first message of a grouping key: where it is (channel ID) and its timestamp. */
export interface SlackThreadHead {
  readonly channel: string;
  readonly ts: string;
}

/** Where grouping keys' first messages are remembered; `key` is opaque (instance, channel, groupingKey). */
export interface SlackThreadStore {
  get(key: string): SlackThreadHead | undefined;
  set(key: string, head: SlackThreadHead): void;
}

/** The default store: this process's memory, least recently used keys dropped past `max`. */
export function memorySlackThreadStore(max = MAX_THREADS): SlackThreadStore {
  const threads = new Map<string, SlackThreadHead>();
  return {
    get: (key) => threads.get(key),
    set: (key, head) => {
      threads.delete(key);
      threads.set(key, head);
      if (threads.size > max) {
        const oldest = threads.keys().next().value;
        if (oldest !== undefined) threads.delete(oldest);
      }
    },
  };
}

/** A Slack service remembering grouping keys in `threads` (by default, in memory: one per controller process). */
export function createSlackService(threads: SlackThreadStore = memorySlackThreadStore()): NotificationService {
  const remember = (key: string, head: SlackThreadHead) => threads.set(key, head);

  async function call(ctx: SendContext, instance: ServiceInstance, label: string, method: string, payload: Record<string, unknown>): Promise<E.Either<SendError, Record<string, unknown>>> {
    const token = stringOption(instance, 'token') ?? '';
    const url = joinUrl(stringOption(instance, 'apiURL') ?? SLACK_API_URL, method);
    const res = await exchange(ctx, label, {
      method: 'POST',
      url,
      headers: { ...JSON_HEADERS, 'Content-Type': 'application/json; charset=utf-8', Authorization: `Bearer ${token}` },
      body: JSON.stringify(payload),
      insecureSkipVerify: booleanOption(instance, 'insecureSkipVerify'),
    })();
    if (E.isLeft(res)) return res;
    const judged = expectStatus(label, url, res.right);
    if (E.isLeft(judged)) return judged;
    const body = jsonBody(label, res.right);
    if (E.isLeft(body)) return body;
    if (body.right['ok'] === true) return body;
    const code = typeof body.right['error'] === 'string' ? body.right['error'] : 'unknown_error';
    const msg = `${label}: Slack ${method} failed: ${code}`;
    return E.left(RETRYABLE_ERRORS.has(code) ? retryable(msg) : permanent(msg));
  }

  return {
    type: 'slack',

    validate(instance) {
      const c = new OptionChecker(instance);
      c.requiredString('token');
      c.optionalString('username');
      c.optionalString('icon');
      c.optionalString('signingSecret');
      c.url('apiURL', false);
      c.optionalBoolean('disableUnfurl');
      c.optionalBoolean('insecureSkipVerify');
      const ch = instance.options['channels'];
      if (ch !== undefined && ch !== null && !(Array.isArray(ch) && ch.every((x) => typeof x === 'string'))) c.add('channels', `expected a list of channel names, found ${describe(ch)}`);
      return c.problems;
    },

    send(ctx, instance, notification, recipient) {
      const label = destinationLabel(instance, recipient);
      return guarded(secretsOf(instance, ['token', 'signingSecret']), async (): Promise<E.Either<SendError, void>> => {
        if (recipient === '') return E.left(permanent(`${label}: a Slack recipient (channel) is required`));
        const block = templateBlock(notification, 'slack');
        const attachments = blockJson(block, 'attachments', label);
        if (E.isLeft(attachments)) return attachments;
        const blocks = blockJson(block, 'blocks', label);
        if (E.isLeft(blocks)) return blocks;
        const policyText = blockString(block, 'deliveryPolicy') ?? 'Post';
        if (!(POLICIES as ReadonlyArray<string>).includes(policyText)) {
          return E.left(permanent(`${label}: template field slack.deliveryPolicy: expected one of ${POLICIES.join(', ')}, found ${JSON.stringify(policyText)}`));
        }
        const policy = policyText as DeliveryPolicy;
        const username = blockString(block, 'username') ?? stringOption(instance, 'username');
        const icon = blockString(block, 'icon') ?? stringOption(instance, 'icon');
        const content: Record<string, unknown> = { text: notification.message };
        if (attachments.right !== undefined) content['attachments'] = attachments.right;
        if (blocks.right !== undefined) content['blocks'] = blocks.right;
        const post: Record<string, unknown> = { channel: recipient, ...content };
        if (username !== undefined) post['username'] = username;
        if (icon !== undefined) post[/^https?:\/\//.test(icon) ? 'icon_url' : 'icon_emoji'] = icon;
        if (booleanOption(instance, 'disableUnfurl')) {
          post['unfurl_links'] = false;
          post['unfurl_media'] = false;
        }
        const groupingKey = blockString(block, 'groupingKey');
        const memoryKey = groupingKey === undefined ? undefined : JSON.stringify([instance.name, recipient, groupingKey]);
        const head = memoryKey === undefined ? undefined : threads.get(memoryKey);

        if (head === undefined) {
          const r = await call(ctx, instance, label, 'chat.postMessage', post);
          if (E.isLeft(r)) return r;
          const ts = r.right['ts'];
          const channel = r.right['channel'];
          if (memoryKey !== undefined && typeof ts === 'string') remember(memoryKey, { ts, channel: typeof channel === 'string' ? channel : recipient });
          return E.right(undefined);
        }
        remember(memoryKey!, head);
        if (policy === 'Post' || policy === 'PostAndUpdate') {
          const reply: Record<string, unknown> = { ...post, thread_ts: head.ts };
          if (block['notifyBroadcast'] === true || block['notifyBroadcast'] === 'true') reply['reply_broadcast'] = true;
          const r = await call(ctx, instance, label, 'chat.postMessage', reply);
          if (E.isLeft(r)) return r;
        }
        if (policy === 'PostAndUpdate' || policy === 'Update') {
          const r = await call(ctx, instance, label, 'chat.update', { channel: head.channel, ts: head.ts, ...content });
          if (E.isLeft(r)) return r;
        }
        return E.right(undefined);
      });
    },
  };
}
