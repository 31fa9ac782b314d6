/**
 * The `cloudWatch` metric provider: one `GetMetricData` over the last `interval` (default 5m) with the
 * metric's `metricDataQueries`, every page read (`NextToken`). `result` in the conditions is the list of
 * `MetricDataResult`s with the SDK's PascalCase field names, as in Argo Rollouts — `result[0].Values`,
 * `result[0].Timestamps` (RFC 3339 strings), `Id`, `Label`, `StatusCode`, `Messages`. The top-level
 * `Messages` of the answer go to the measurement metadata as `messages`.
 *
 * Region, endpoint and credentials come from the standard AWS chain through `@rollouts/plugin-aws`
 * (`AWS_REGION`, `AWS_ENDPOINT_URL_CLOUDWATCH`/`AWS_ENDPOINT_URL`, keys, profile, IRSA, instance role).
 * IAM permission: `cloudwatch:GetMetricData`.
 */
import * as E from 'fp-ts/lib/Either';
import type { TaskEither } from 'fp-ts/lib/TaskEither';
import { CloudWatchClient, GetMetricDataCommand, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { CloudWatchMetric } from '@rollouts/api';
import { awsSettings, callAws, type AwsCredentialIdentity, type AwsCredentialIdentityProvider } from '@rollouts/plugin-aws';
import { defineMetricProvider, type MetricProvider, type MetricProviderPlugin, type PluginError, type ProviderObservation } from '@rollouts/plugin-sdk';
import { planCloudWatchQuery } from './CloudWatchQuery';

/** The SDK's service id (`AWS_ENDPOINT_URL_CLOUDWATCH`). */
export const CLOUDWATCH_SERVICE_ID = 'CloudWatch';
/** Deadline of one `GetMetricData` page when not configured. */
export const DEFAULT_CLOUDWATCH_TIMEOUT_MS = 30_000;
/** Pages read at most (500 queries × 100,800 points each is far beyond what a condition reads). */
const MAX_PAGES = 50;

/** One result as `result[i]` in a condition. */
export interface CloudWatchResult {
  readonly Id: string;
  readonly Label: string;
  readonly StatusCode: string;
  readonly Timestamps: string[];
  readonly Values: number[];
  readonly Messages: Array<{ readonly Code: string; readonly Value: string }>;
}

export interface CloudWatchProviderOptions {
  /** Deadline of each `GetMetricData` page (default {@link DEFAULT_CLOUDWATCH_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
  /** SDK attempts per page, retries included (default 3). */
  readonly maxAttempts?: number;
  /** Pin the region / endpoint / credentials instead of the chain (tests, embedding). */
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

function merge(into: Map<string, CloudWatchResult>, page: ReadonlyArray<MetricDataResult>): void {
  for (const r of page) {
    const id = r.Id ?? '';
    const seen = into.get(id);
    const timestamps = (r.Timestamps ?? []).map((t) => t.toISOString());
    const messages = (r.Messages ?? []).map((m) => ({ Code: m.Code ?? '', Value: m.Value ?? '' }));
    if (seen === undefined) {
      into.set(id, { Id: id, Label: r.Label ?? '', StatusCode: r.StatusCode ?? '', Timestamps: timestamps, Values: [...(r.Values ?? [])], Messages: messages });
    } else {
      into.set(id, { ...seen, StatusCode: r.StatusCode ?? seen.StatusCode, Timestamps: [...seen.Timestamps, ...timestamps], Values: [...seen.Values, ...(r.Values ?? [])], Messages: [...seen.Messages, ...messages] });
    }
  }
}

/** The `cloudWatch` provider plugin with options (a timeout, or a pinned endpoint for tests). */
export function createCloudWatchMetricProvider(options: CloudWatchProviderOptions = {}): MetricProviderPlugin<CloudWatchMetric> {
  return defineMetricProvider<CloudWatchMetric>({
    kind: 'cloudWatch',
    configCodec: CloudWatchMetric,
    make(deps) {
      let client: { client: CloudWatchClient; endpoint: string | undefined } | undefined;
      const clientOf = (): E.Either<PluginError, { client: CloudWatchClient; endpoint: string | undefined }> => {
        if (client !== undefined) return E.right(client);
        const s = awsSettings(CLOUDWATCH_SERVICE_ID, { ...options, env: deps.env });
        if (E.isLeft(s)) return s;
        const c = new CloudWatchClient({
          ...(s.right.region === undefined ? {} : { region: s.right.region }),
          ...(s.right.endpoint === undefined ? {} : { endpoint: s.right.endpoint }),
          credentials: s.right.credentials,
          maxAttempts: options.maxAttempts ?? 3,
        });
        client = { client: c, endpoint: s.right.endpoint };
        return E.right(client);
      };
      return (config): MetricProvider => ({
        run: (ctx): TaskEither<PluginError, ProviderObservation> => async () => {
          const plan = planCloudWatchQuery(config, ctx.now);
          if (E.isLeft(plan)) return plan;
          const c = clientOf();
          if (E.isLeft(c)) return c;
          const results = new Map<string, CloudWatchResult>();
          const messages: Array<{ Code: string; Value: string }> = [];
          let token: string | undefined;
          for (let page = 0; page < MAX_PAGES; page++) {
            const out = await callAws(
              { kind: 'provider', what: 'CloudWatch GetMetricData', permission: 'cloudwatch:GetMetricData', timeoutMs: options.timeoutMs ?? DEFAULT_CLOUDWATCH_TIMEOUT_MS, signal: ctx.signal, endpoint: c.right.endpoint },
              (abortSignal) =>
                c.right.client.send(
                  new GetMetricDataCommand({ StartTime: plan.right.startTime, EndTime: plan.right.endTime, MetricDataQueries: plan.right.queries, ...(token === undefined ? {} : { NextToken: token }) }),
                  { abortSignal },
                ),
            );
            if (E.isLeft(out)) return out;
            merge(results, out.right.MetricDataResults ?? []);
            for (const m of out.right.Messages ?? []) messages.push({ Code: m.Code ?? '', Value: m.Value ?? '' });
            token = out.right.NextToken;
            if (token === undefined || token === '') break;
          }
          const metadata: Record<string, string> = {};
          if (messages.length > 0) metadata['messages'] = JSON.stringify(messages);
          return E.right({ _tag: 'Value', value: [...results.values()], metadata });
        },
      });
    },
  });
}

/** The `cloudWatch` metric provider plugin (standard AWS chain, 30 s per call). */
export const cloudWatchMetricProvider: MetricProviderPlugin<CloudWatchMetric> = createCloudWatchMetricProvider();
