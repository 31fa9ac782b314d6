/**
 * Ask the Rollout's traffic routers what they report into its status (`status.alb` / `status.albs`, see
 * `@rollouts/plugin-sdk`'s RouterStatus.ts), once per reconcile, bounded like every router call. A failure, a throw
 * or a field a router may not write is logged and reports nothing (the status keeps what it had): the status of a
 * load balancer never holds a Rollout back.
 */
import * as E from 'fp-ts/lib/Either';
import type { Rollout } from '@rollouts/api';
import { mergeRouterStatuses, type RouterStatus } from '@rollouts/plugin-sdk';
import type { Logger } from '@rollouts/k8s';
import { routingContext } from './IntentExecutor';
import type { ConfiguredRouter } from './TrafficRouters';

export interface RouterStatusDeps {
  readonly log: Logger;
  readonly signal: AbortSignal;
  readonly routerTimeoutMs: number;
}

/** The merged fragment the Rollout's routers report, `undefined` when none reports anything. */
export async function routerStatuses(rollout: Rollout, routers: ReadonlyArray<ConfiguredRouter>, deps: RouterStatusDeps): Promise<RouterStatus | undefined> {
  const reporting = routers.filter((r) => r.router?.status !== undefined);
  if (reporting.length === 0) return undefined;
  const key = `${rollout.metadata?.namespace ?? ''}/${rollout.metadata?.name ?? ''}`;
  const ctx = routingContext(rollout, rollout.status ?? {}, deps.signal);
  const reports: Array<{ kind: string; status: RouterStatus | undefined }> = [];
  for (const r of reporting) {
    try {
      const signal = AbortSignal.any([deps.signal, AbortSignal.timeout(deps.routerTimeoutMs)]);
      const got = await r.router!.status!({ ...ctx, signal })();
      if (E.isLeft(got)) deps.log.warn('traffic router could not report its status', { rollout: key, router: r.kind, error: got.left.message });
      else reports.push({ kind: r.kind, status: got.right });
    } catch (e) {
      deps.log.warn('traffic router status threw', { rollout: key, router: r.kind, error: e instanceof Error ? e.message : String(e) });
    }
  }
  const merged = mergeRouterStatuses(reports);
  for (const p of merged.problems) deps.log.warn(p, { rollout: key });
  return merged.status;
}
