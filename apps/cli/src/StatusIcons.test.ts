import { analysisIcon, podIcon, podStatusText, replicaSetStatus, rolloutIcon, type PodView } from './StatusIcons';

describe('status icons', () => {
  it.each([
    ['Progressing', '◌'],
    ['Paused', '॥'],
    ['Healthy', '✔'],
    ['Degraded', '✖'],
    ['Error', '⚠'],
    ['InvalidSpec', '⚠'],
    ['Whatever', '?'],
  ])('rollout %s -> %s', (phase, icon) => expect(rolloutIcon(phase)).toBe(icon));

  it.each([
    ['Successful', '✔'],
    ['Inconclusive', '?'],
    ['Failed', '✖'],
    ['Error', '⚠'],
    ['Running', '◌'],
    ['Pending', '◷'],
  ])('analysis %s -> %s', (phase, icon) => expect(analysisIcon(phase)).toBe(icon));

  it.each([
    ['Init:0/1', '◌'],
    ['Pending', '◌'],
    ['Terminating', '◌'],
    ['ContainerCreating', '◌'],
    ['Running', '✔'],
    ['Completed', '✔'],
    ['CrashLoopBackOff', '✖'],
    ['Signal:9', '✖'],
    ['ExitCode:1', '✖'],
    ['InvalidImageName', '✖'],
    ['ImagePullBackOff', '⚠'],
    ['CreateContainerConfigError', '⚠'],
    ['ErrImagePull', '⚠'],
    ['Unknown', '?'],
  ])('pod %s -> %s', (text, icon) => expect(podIcon(text)).toBe(icon));
});

describe('pod status text (as kubectl get pods)', () => {
  const pod = (status: NonNullable<PodView['status']>, extra: Partial<NonNullable<PodView['metadata']>> = {}, initContainers = 0): PodView => ({
    metadata: { name: 'p', ...extra },
    spec: { containers: [{}, {}], initContainers: Array.from({ length: initContainers }, () => ({})) },
    status,
  });
  const running = { ready: true, restartCount: 0, state: { running: {} } };
  it.each<[string, PodView, { text: string; ready: number; total: number; restarts: number }]>([
    ['all running and ready', pod({ phase: 'Running', containerStatuses: [running, { ...running, restartCount: 2 }] }), { text: 'Running', ready: 2, total: 2, restarts: 2 }],
    ['one container crash-looping', pod({ phase: 'Running', containerStatuses: [running, { ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }), { text: 'CrashLoopBackOff', ready: 1, total: 2, restarts: 5 }],
    ['killed by a signal', pod({ phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 137, signal: 9 } } }] }), { text: 'Signal:9', ready: 0, total: 2, restarts: 0 }],
    ['exited without a reason', pod({ phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 3 } } }] }), { text: 'ExitCode:3', ready: 0, total: 2, restarts: 0 }],
    ['pending, no statuses', pod({ phase: 'Pending' }), { text: 'Pending', ready: 0, total: 2, restarts: 0 }],
    ['an init container still running', pod({ phase: 'Pending', initContainerStatuses: [{ state: { running: {} } }] }, {}, 1), { text: 'Init:0/1', ready: 0, total: 2, restarts: 0 }],
    ['an init container failing', pod({ phase: 'Pending', initContainerStatuses: [{ restartCount: 1, state: { terminated: { exitCode: 1, reason: 'Error' } } }] }, {}, 1), { text: 'Init:Error', ready: 0, total: 2, restarts: 1 }],
    ['being deleted', pod({ phase: 'Running', containerStatuses: [running] }, { deletionTimestamp: '2026-01-01T00:00:00Z' }), { text: 'Terminating', ready: 1, total: 2, restarts: 0 }],
    ['evicted (status reason wins)', pod({ phase: 'Failed', reason: 'Evicted' }), { text: 'Evicted', ready: 0, total: 2, restarts: 0 }],
  ])('%s', (_, p, want) => expect(podStatusText(p)).toEqual(want));
});

describe('ReplicaSet status', () => {
  it.each<[string, object, string]>([
    ['all available', { spec: { replicas: 3 }, status: { availableReplicas: 3 } }, '✔ Healthy'],
    ['some not available', { spec: { replicas: 3 }, status: { availableReplicas: 1 } }, '◌ Progressing'],
    ['generation not observed', { metadata: { generation: 4 }, spec: { replicas: 1 }, status: { availableReplicas: 1, observedGeneration: 3 } }, '◌ Progressing'],
    ['scaled down', { spec: { replicas: 0 }, status: {} }, '• ScaledDown'],
    ['replica failure', { spec: { replicas: 2 }, status: { availableReplicas: 2, conditions: [{ type: 'ReplicaFailure', status: 'True' }] } }, '✖ Degraded'],
  ])('%s', (_, rs, want) => {
    const s = replicaSetStatus(rs);
    expect(`${s.icon} ${s.text}`).toBe(want);
  });
});
