/**
 * Services a Rollout stopped naming (a blue-green Rollout switched to canary, a renamed `canaryService`, a
 * deleted Rollout) still select one revision through `rollouts-pod-template-hash`, so they would keep sending
 * their traffic to pods that may be scaled away. Upstream's Service controller clears that selector key and the
 * `argo-rollouts.argoproj.io/managed-by-rollouts` annotation once no Rollout names the Service; so do we.
 */
import * as E from 'fp-ts/lib/Either';
import { MANAGED_BY_ROLLOUTS_ANNOTATION, POD_TEMPLATE_HASH_LABEL, type Service } from '@rollouts/api';
import { Resources, type KubeWriter, type Logger } from '@rollouts/k8s';
import type { ClusterCache } from './ClusterCache';

/** Whether `svc` still carries what a Rollout wrote into it (the hash selector). */
export const selectsRevision = (svc: Service | undefined): boolean => svc?.spec?.selector?.[POD_TEMPLATE_HASH_LABEL] != null;

export interface ReleaseDeps {
  readonly cache: ClusterCache;
  readonly writer: KubeWriter;
  readonly log: Logger;
  /** The Rollouts (`namespace/name` keys) that name the Service now. */
  readonly referrers: (namespace: string, name: string) => ReadonlyArray<string>;
}

/**
 * Clear the hash selector and the managed-by annotation of Service `namespace/name`, if no Rollout names it and
 * it was managed by `rollout` (or by no Rollout at all). Resolves once done; failures are logged (the next event
 * of the Service or the Rollout tries again) and never thrown.
 */
export async function releaseService(deps: ReleaseDeps, namespace: string, name: string, rollout: string): Promise<void> {
  const svc = deps.cache.services.get(namespace, name);
  if (svc === undefined || !selectsRevision(svc)) return;
  if (deps.referrers(namespace, name).length > 0) return;
  const managedBy = svc.metadata?.annotations?.[MANAGED_BY_ROLLOUTS_ANNOTATION];
  if (managedBy != null && managedBy !== rollout) return;
  const body = { metadata: { annotations: { [MANAGED_BY_ROLLOUTS_ANNOTATION]: null } }, spec: { selector: { [POD_TEMPLATE_HASH_LABEL]: null } } };
  const r = await deps.writer.patch<Service>(Resources.services, namespace, name, { type: 'merge', body });
  if (E.isRight(r)) {
    deps.cache.services.wrote(r.right, svc);
    deps.log.info(`Service ${namespace}/${name}: no Rollout names it any more; its ${POD_TEMPLATE_HASH_LABEL} selector and managed-by annotation were removed`);
  } else deps.log.warn(`Service ${namespace}/${name}: could not remove the selector of Rollout ${rollout}: ${r.left.message}`);
}
