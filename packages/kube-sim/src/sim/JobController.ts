/**
 * The Job controller: runs `parallelism` pods at a time until `completions` succeed (then Complete) or
 * more than `backoffLimit` fail (then Failed, reason BackoffLimitExceeded), honours `suspend` and
 * `activeDeadlineSeconds`, and keeps `status.active/succeeded/failed/ready`, start and completion times.
 * A failed pod always counts as one failure (OnFailure in-place restarts are not simulated).
 */
import { ResourceApi } from '../api/ResourceApi';
import { CancelTimer, Clock, rfc3339 } from '../Clock';
import { deepCopy, isRecord, jsonEqual } from '../store/KubeObject';
import { StoreEvent } from '../store/ObjectStore';
import { ResourceType } from '../registry/ResourceType';
import { controllerOf, isActivePod, isControlledBy, isPodReady, podFromTemplate, podPhase, setCondition } from './PodTemplates';

type Rec = Record<string, unknown>;

function num(v: unknown, d = 0): number {
  return typeof v === 'number' ? v : d;
}

/** The simulated Job controller. */
export class JobController {
  private readonly deadlines = new Map<string, CancelTimer>();

  constructor(
    private readonly api: ResourceApi,
    private readonly jobType: ResourceType,
    private readonly podType: ResourceType,
    private readonly clock: Clock,
    private readonly enqueue: (key: string) => void,
  ) {}

  /** Map store events to Job keys. */
  onEvent(e: StoreEvent): void {
    const o = e.current.object;
    if (e.resource === 'batch/jobs') this.enqueue(`${o.metadata.namespace}/${o.metadata.name}`);
    else if (e.resource === '/pods') {
      const ref = controllerOf(o);
      if (ref?.kind === 'Job') this.enqueue(`${o.metadata.namespace}/${ref.name}`);
    }
  }

  /** Stop timers. */
  stop(): void {
    for (const c of this.deadlines.values()) c();
    this.deadlines.clear();
  }

  /** Sync one Job. */
  sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const stored = this.api.store.get('batch/jobs', ns, name);
    if (stored === undefined) {
      this.deadlines.get(key)?.();
      this.deadlines.delete(key);
      return;
    }
    const job = stored.object;
    if (job.metadata.deletionTimestamp !== undefined) return;
    const spec = isRecord(job['spec']) ? job['spec'] : {};
    const prev = isRecord(job['status']) ? job['status'] : {};
    const conds = Array.isArray(prev['conditions']) ? (prev['conditions'] as Rec[]) : [];
    const finished = conds.some((c) => (c['type'] === 'Complete' || c['type'] === 'Failed') && c['status'] === 'True');
    const pods = this.api.store
      .list('/pods', ns)
      .map((s) => s.object)
      .filter((p) => isControlledBy(p, job.metadata.uid));
    const active = pods.filter(isActivePod);
    const succeeded = pods.filter((p) => podPhase(p) === 'Succeeded').length;
    const failed = pods.filter((p) => podPhase(p) === 'Failed').length;
    const now = this.clock.now();
    const nowIso = rfc3339(now);
    const status: Rec = { ...deepCopy(prev) };
    if (finished) {
      for (const p of active) this.api.delete(this.podType, ns, p.metadata.name ?? '', {});
      return;
    }
    const completions = spec['completions'] === undefined || spec['completions'] === null ? undefined : num(spec['completions']);
    const parallelism = num(spec['parallelism'], 1);
    const backoffLimit = num(spec['backoffLimit'], 6);
    const suspended = spec['suspend'] === true;
    if (status['startTime'] === undefined && !suspended) status['startTime'] = nowIso;
    let outcome: 'Complete' | 'Failed' | undefined;
    let failReason = '';
    let failMessage = '';
    if ((completions !== undefined && succeeded >= completions) || (completions === undefined && succeeded > 0 && active.length === 0)) outcome = 'Complete';
    else if (failed > backoffLimit) {
      outcome = 'Failed';
      failReason = 'BackoffLimitExceeded';
      failMessage = 'Job has reached the specified backoff limit';
    } else {
      const deadline = spec['activeDeadlineSeconds'];
      const start = Date.parse(String(status['startTime'] ?? nowIso));
      if (typeof deadline === 'number' && !suspended) {
        const at = start + deadline * 1000;
        if (at <= now) {
          outcome = 'Failed';
          failReason = 'DeadlineExceeded';
          failMessage = 'Job was active longer than specified deadline';
        } else if (!this.deadlines.has(key)) this.deadlines.set(key, this.clock.schedule(at - now, () => this.enqueue(key)));
      }
    }
    let remainingActive = active;
    if (outcome !== undefined || suspended) {
      for (const p of active) this.api.delete(this.podType, ns, p.metadata.name ?? '', {});
      remainingActive = [];
    } else {
      const wanted = Math.min(parallelism, completions !== undefined ? completions - succeeded : parallelism);
      const template = isRecord(spec['template']) ? spec['template'] : {};
      for (let i = active.length; i < wanted; i++) {
        remainingActive = [...remainingActive, this.api.create(this.podType, ns, podFromTemplate(job, template, name), { fieldManager: 'kube-controller-manager' })];
      }
    }
    status['active'] = remainingActive.length;
    status['succeeded'] = succeeded;
    status['failed'] = failed;
    status['ready'] = remainingActive.filter(isPodReady).length;
    status['terminating'] = 0;
    status['uncountedTerminatedPods'] = {};
    let conditions: Rec[] = conds;
    if (suspended) conditions = setCondition(conditions, { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended' }, nowIso);
    else if (conds.some((c) => c['type'] === 'Suspended')) conditions = setCondition(conditions, { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed' }, nowIso);
    if (outcome === 'Complete') {
      conditions = setCondition(conditions, { type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' }, nowIso);
      conditions = setCondition(conditions, { type: 'Complete', status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' }, nowIso);
      status['completionTime'] = nowIso;
    } else if (outcome === 'Failed') {
      conditions = setCondition(conditions, { type: 'FailureTarget', status: 'True', reason: failReason, message: failMessage }, nowIso);
      conditions = setCondition(conditions, { type: 'Failed', status: 'True', reason: failReason, message: failMessage }, nowIso);
    }
    if (conditions.length > 0) status['conditions'] = conditions;
    for (const k of ['active', 'succeeded', 'failed']) if (status[k] === 0) delete status[k];
    if (jsonEqual(prev, status)) return;
    const next = deepCopy(job);
    next['status'] = status;
    this.api.update(this.jobType, ns, name, next, 'status', { fieldManager: 'kube-controller-manager' });
  }
}
