/**
 * A simulated node: binds new pods to itself, starts them (phase Running, a pod IP, container statuses),
 * marks them Ready after a delay or never (per image rule), runs run-to-completion pods to success or
 * failure, and finishes graceful deletions. Delays run on the simulator's clock.
 */
import { ApiError } from '../api/ApiError';
import { ResourceApi } from '../api/ResourceApi';
import { CancelTimer, Clock, rfc3339 } from '../Clock';
import { deepCopy, isRecord, KubeObject } from '../store/KubeObject';
import { ResourceType } from '../registry/ResourceType';
import { podImages, podPhase } from './PodTemplates';

/** How pods whose image matches behave. The first matching rule wins. */
export interface PodRule {
  /**
   * Which pods: a string matches an image exactly, or as a suffix when it starts with `:` or `@` (`":bad"`
   * matches every image tagged `bad`), or as a glob with `*`; a RegExp is tested against each image.
   */
  readonly image: string | RegExp;
  /** The containers crash and restart forever (CrashLoopBackOff); the pod never becomes Ready. */
  readonly crashLoop?: boolean;
  /** The pod runs but its readiness probe never passes. */
  readonly neverReady?: boolean;
  /** Milliseconds from start to Ready (overrides the default readiness delay). */
  readonly readyAfterMs?: number;
  /** For pods with `restartPolicy` Never/OnFailure (Job pods): how the run ends (default succeed). */
  readonly exit?: 'succeed' | 'fail';
  /** For run-to-completion pods: how long they run (overrides the default). */
  readonly runForMs?: number;
}

/** Settings of the simulated node. */
export interface KubeletOptions {
  readonly nodeName: string;
  /** Default delay from start to Ready. */
  readonly readinessDelayMs: number;
  /** Default run time of run-to-completion pods. */
  readonly jobDurationMs: number;
  /** Delay between crash-loop restarts. */
  readonly crashLoopBackoffMs: number;
  /** Delay before a terminating pod is removed (the real grace period is not waited for). */
  readonly terminationDelayMs: number;
  readonly rules: readonly PodRule[];
}

function globToRegExp(glob: string): RegExp {
  return new RegExp('^' + glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
}

/** Whether a rule's image matcher matches an image. */
export function imageMatches(matcher: string | RegExp, image: string): boolean {
  if (matcher instanceof RegExp) return matcher.test(image);
  if (matcher.includes('*')) return globToRegExp(matcher).test(image);
  if (matcher.startsWith(':') || matcher.startsWith('@')) return image.endsWith(matcher);
  return image === matcher;
}

interface PodState {
  readonly uid: string;
  started: boolean;
  terminating: boolean;
  timers: CancelTimer[];
  readyOverride?: boolean;
}

/** The simulated kubelet. */
export class Kubelet {
  private readonly pods = new Map<string, PodState>();
  private rules: readonly PodRule[];

  constructor(
    private readonly api: ResourceApi,
    private readonly podType: ResourceType,
    private readonly clock: Clock,
    private readonly options: KubeletOptions,
  ) {
    this.rules = options.rules;
  }

  /** Replace the image rules (applies to pods started from now on). */
  setRules(rules: readonly PodRule[]): void {
    this.rules = rules;
  }

  /** The image rules in force. */
  getRules(): readonly PodRule[] {
    return this.rules;
  }

  private ruleFor(pod: KubeObject): PodRule | undefined {
    const images = podImages(pod);
    return this.rules.find((r) => images.some((i) => imageMatches(r.image, i)));
  }

  /** Sync one pod (`namespace/name`). */
  sync(key: string): void {
    const [ns, name] = key.split('/') as [string, string];
    const stored = this.api.store.get('/pods', ns, name);
    const state = this.pods.get(key);
    if (stored === undefined) {
      this.forget(key);
      return;
    }
    const pod = stored.object;
    if (state !== undefined && state.uid !== pod.metadata.uid) this.forget(key);
    const st = this.stateOf(key, pod);
    if (pod.metadata.deletionTimestamp !== undefined) {
      if (!st.terminating) {
        st.terminating = true;
        for (const c of st.timers) c();
        st.timers = [];
        st.timers.push(this.clock.schedule(this.options.terminationDelayMs, () => this.finishDeletion(ns, name, st.uid)));
      }
      return;
    }
    const phase = podPhase(pod);
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const spec = isRecord(pod['spec']) ? pod['spec'] : {};
    if (typeof spec['nodeName'] !== 'string' || spec['nodeName'] === '') {
      const next = deepCopy(pod);
      (next['spec'] as Record<string, unknown>)['nodeName'] = this.options.nodeName;
      this.api.update(this.podType, ns, name, next, undefined, { fieldManager: 'kube-scheduler' });
      return;
    }
    if (spec['nodeName'] !== this.options.nodeName) return;
    if (st.started) return;
    st.started = true;
    this.start(ns, name, pod, st);
  }

  private stateOf(key: string, pod: KubeObject): PodState {
    let st = this.pods.get(key);
    if (st === undefined) {
      st = { uid: pod.metadata.uid ?? '', started: podPhase(pod) === 'Running', terminating: false, timers: [] };
      this.pods.set(key, st);
    }
    return st;
  }

  private forget(key: string): void {
    const st = this.pods.get(key);
    if (st === undefined) return;
    for (const c of st.timers) c();
    this.pods.delete(key);
  }

  /** Stop all timers. */
  stop(): void {
    for (const key of [...this.pods.keys()]) this.forget(key);
  }

  private finishDeletion(ns: string, name: string, uid: string): void {
    const s = this.api.store.get('/pods', ns, name);
    if (s === undefined || s.object.metadata.uid !== uid) return;
    try {
      this.api.delete(this.podType, ns, name, { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (e) {
      if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
    }
  }

  private writeStatus(ns: string, name: string, uid: string, mutate: (status: Record<string, unknown>, pod: KubeObject) => void): void {
    const s = this.api.store.get('/pods', ns, name);
    if (s === undefined || s.object.metadata.uid !== uid || s.object.metadata.deletionTimestamp !== undefined) return;
    const next = deepCopy(s.object);
    const status = isRecord(next['status']) ? (next['status'] as Record<string, unknown>) : {};
    mutate(status, next);
    next['status'] = status;
    this.api.update(this.podType, ns, name, next, 'status', { fieldManager: 'kubelet' });
  }

  private start(ns: string, name: string, pod: KubeObject, st: PodState): void {
    const rule = this.ruleFor(pod);
    const spec = isRecord(pod['spec']) ? pod['spec'] : {};
    const runToCompletion = spec['restartPolicy'] === 'Never' || spec['restartPolicy'] === 'OnFailure';
    const nowIso = rfc3339(this.clock.now());
    const ip = this.api.addresses.nextPodIp();
    const crash = rule?.crashLoop === true;
    const readyDelay = rule?.readyAfterMs ?? this.options.readinessDelayMs;
    const neverReady = crash || rule?.neverReady === true;
    const readyNow = !neverReady && readyDelay <= 0;
    this.writeStatus(ns, name, st.uid, (status, p) => {
      status['phase'] = 'Running';
      status['hostIP'] = '10.0.0.1';
      status['hostIPs'] = [{ ip: '10.0.0.1' }];
      status['podIP'] = ip;
      status['podIPs'] = [{ ip }];
      status['startTime'] = nowIso;
      status['qosClass'] = 'BestEffort';
      status['conditions'] = podConditions(readyNow, nowIso);
      status['containerStatuses'] = containerStatuses(p, readyNow, crash ? 1 : 0, nowIso, crash);
    });
    if (crash) {
      const loop = (restarts: number): void => {
        st.timers.push(
          this.clock.schedule(this.options.crashLoopBackoffMs * Math.min(2 ** (restarts - 1), 30), () => {
            this.writeStatus(ns, name, st.uid, (status, p) => {
              status['containerStatuses'] = containerStatuses(p, false, restarts + 1, rfc3339(this.clock.now()), true);
            });
            loop(restarts + 1);
          }),
        );
      };
      loop(1);
      return;
    }
    if (!readyNow && !neverReady) st.timers.push(this.clock.schedule(readyDelay, () => this.setReadyNow(ns, name, st, st.readyOverride ?? true)));
    if (runToCompletion) {
      const runFor = rule?.runForMs ?? this.options.jobDurationMs;
      const outcome = rule?.exit ?? 'succeed';
      st.timers.push(
        this.clock.schedule(runFor, () => {
          this.writeStatus(ns, name, st.uid, (status, p) => {
            const t = rfc3339(this.clock.now());
            status['phase'] = outcome === 'succeed' ? 'Succeeded' : 'Failed';
            status['conditions'] = podConditions(false, t, 'PodCompleted');
            status['containerStatuses'] = terminatedStatuses(p, outcome === 'succeed' ? 0 : 1, t);
          });
        }),
      );
    }
  }

  private setReadyNow(ns: string, name: string, st: PodState, ready: boolean): void {
    this.writeStatus(ns, name, st.uid, (status, p) => {
      const t = rfc3339(this.clock.now());
      status['conditions'] = podConditions(ready, t, undefined, status['conditions']);
      status['containerStatuses'] = containerStatuses(p, ready, 0, String(status['startTime'] ?? t), false);
    });
  }

  /** Force a running pod's readiness (e.g. to simulate a failing probe). Returns false if the pod is unknown. */
  setPodReady(namespace: string, name: string, ready: boolean): boolean {
    const key = `${namespace}/${name}`;
    const s = this.api.store.get('/pods', namespace, name);
    if (s === undefined) return false;
    const st = this.stateOf(key, s.object);
    st.readyOverride = ready;
    this.setReadyNow(namespace, name, st, ready);
    return true;
  }
}

function podConditions(ready: boolean, nowIso: string, reason?: string, previous?: unknown): Array<Record<string, unknown>> {
  const prev = Array.isArray(previous) ? (previous as Array<Record<string, unknown>>) : [];
  const since = (type: string, status: string): string => {
    const p = prev.find((c) => c['type'] === type);
    return p !== undefined && p['status'] === status ? String(p['lastTransitionTime']) : nowIso;
  };
  const r = ready ? 'True' : 'False';
  const notReady = reason ?? 'ContainersNotReady';
  return [
    { type: 'PodReadyToStartContainers', status: 'True', lastProbeTime: null, lastTransitionTime: since('PodReadyToStartContainers', 'True') },
    { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: since('Initialized', 'True') },
    { type: 'Ready', status: r, lastProbeTime: null, lastTransitionTime: since('Ready', r), ...(ready ? {} : { reason: notReady }) },
    { type: 'ContainersReady', status: r, lastProbeTime: null, lastTransitionTime: since('ContainersReady', r), ...(ready ? {} : { reason: notReady }) },
    { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: since('PodScheduled', 'True') },
  ];
}

function containersOf(pod: KubeObject): Array<Record<string, unknown>> {
  const spec = pod['spec'];
  return isRecord(spec) && Array.isArray(spec['containers']) ? (spec['containers'] as unknown[]).filter(isRecord) : [];
}

function containerStatuses(pod: KubeObject, ready: boolean, restarts: number, startedAt: string, crash: boolean): Array<Record<string, unknown>> {
  return containersOf(pod).map((c, i) => ({
    name: c['name'],
    image: c['image'],
    imageID: `docker-pullable://${String(c['image'])}`,
    containerID: `containerd://${String(pod.metadata.uid ?? '').replace(/-/g, '')}${i}`,
    ready,
    started: !crash,
    restartCount: restarts,
    state: crash
      ? { waiting: { reason: 'CrashLoopBackOff', message: `back-off restarting failed container ${String(c['name'])} in pod ${pod.metadata.name}` } }
      : { running: { startedAt } },
    ...(crash ? { lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt, finishedAt: startedAt } } } : {}),
  }));
}

function terminatedStatuses(pod: KubeObject, exitCode: number, at: string): Array<Record<string, unknown>> {
  return containersOf(pod).map((c) => ({
    name: c['name'],
    image: c['image'],
    imageID: `docker-pullable://${String(c['image'])}`,
    ready: false,
    started: false,
    restartCount: 0,
    state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: at, finishedAt: at } },
  }));
}
