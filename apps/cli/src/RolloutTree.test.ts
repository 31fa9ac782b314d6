import type { AnalysisRun, Experiment, ReplicaSet, Rollout } from '@rollouts/api';
import { palette } from './Colors';
import { analysisCounts, rolloutView, type NamespaceSnapshot } from './RolloutTree';
import type { PodView } from './StatusIcons';
import { renderRolloutSummary, renderTree } from './TreeRender';

const NOW = Date.parse('2026-11-26T17:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();
const owner = (uid: string) => [{ apiVersion: 'x', kind: 'x', name: 'x', uid, controller: true }];

const rollout = (status: Rollout['status'], canaryExtra: object = {}): Rollout => ({
  metadata: { name: 'demo', namespace: 'shop', uid: 'ro', generation: 2, creationTimestamp: ago(7 * 86400) },
  spec: {
    replicas: 5,
    strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { experiment: { templates: [{ name: 'baseline', specRef: 'stable' }] } }, { analysis: { templates: [{ templateName: 'rate' }] } }, { setWeight: 60 }], ...canaryExtra } },
  },
  status,
});
const rs = (name: string, hash: string, revision: number, replicas: number, available: number, image: string, ownerUid = 'ro', extra: object = {}): ReplicaSet => ({
  metadata: { name, uid: name, labels: { 'rollouts-pod-template-hash': hash }, annotations: { 'rollout.argoproj.io/revision': String(revision) }, ownerReferences: owner(ownerUid), creationTimestamp: ago(3600), ...extra },
  spec: { replicas, template: { spec: { containers: [{ name: 'app', image }] } } },
  status: { replicas, availableReplicas: available },
});
const pod = (name: string, ownerUid: string, createdAgo: number, restarts = 0): PodView => ({
  metadata: { name, ownerReferences: owner(ownerUid), creationTimestamp: ago(createdAgo) },
  spec: { containers: [{}] },
  status: { phase: 'Running', containerStatuses: [{ ready: true, restartCount: restarts, state: { running: {} } }] },
});
const experiment: Experiment = {
  metadata: { name: 'demo-2-2', uid: 'exp', annotations: { 'rollout.argoproj.io/revision': '2' }, ownerReferences: owner('ro'), creationTimestamp: ago(60) },
  spec: { templates: [{ name: 'baseline', selector: {}, template: {} }] },
  status: { phase: 'Running' },
} as unknown as Experiment;
const run: AnalysisRun = {
  metadata: { name: 'demo-2-3-rate', uid: 'ar', annotations: { 'rollout.argoproj.io/revision': '2' }, ownerReferences: owner('ro'), creationTimestamp: ago(30) },
  spec: { metrics: [] },
  status: {
    phase: 'Inconclusive',
    metricResults: [
      { name: 'rate', phase: 'Inconclusive', successful: 4, failed: 0, inconclusive: 1, error: 1, measurements: [{ phase: 'Successful', metadata: { 'job-name': 'rate-job-1' }, startedAt: ago(20) }] },
      { name: 'latency', phase: 'Failed', failed: 4 },
    ],
  },
} as unknown as AnalysisRun;

const snapshot: NamespaceSnapshot = {
  replicaSets: [
    rs('demo-old', 'h1', 1, 4, 4, 'demo:1'),
    rs('demo-new', 'h2', 2, 1, 1, 'demo:2'),
    rs('demo-older', 'h0', 0, 0, 0, 'demo:0', 'ro', { annotations: { 'rollout.argoproj.io/revision': '0' } }),
    rs('demo-2-2-baseline', 'hb', 0, 1, 1, 'demo:1', 'exp'),
    rs('someone-else', 'hx', 9, 1, 1, 'other:1', 'other'),
  ],
  pods: [pod('demo-old-b', 'demo-old', 100), pod('demo-old-a', 'demo-old', 200, 3), pod('demo-new-a', 'demo-new', 10), pod('stranger', 'other', 5)],
  experiments: [experiment],
  analysisRuns: [run],
};

const status: Rollout['status'] = {
  phase: 'Paused',
  message: 'CanaryPauseStep',
  observedGeneration: '2',
  currentStepIndex: 3,
  stableRS: 'h1',
  currentPodHash: 'h2',
  replicas: 6,
  updatedReplicas: 1,
  readyReplicas: 5,
  availableReplicas: 5,
  pauseConditions: [{ reason: 'CanaryPauseStep', startTime: ago(5) }],
};

describe('rolloutView', () => {
  it('builds the summary: phase, step, weights, images with their roles, replicas', () => {
    const s = rolloutView(rollout(status), snapshot, NOW).summary;
    expect(s).toEqual({
      name: 'demo',
      namespace: 'shop',
      status: { icon: '॥', text: 'Paused' },
      message: 'CanaryPauseStep',
      strategy: 'Canary',
      step: '3/5',
      setWeight: '20',
      actualWeight: '20',
      images: [
        { image: 'demo:1', tags: ['stable', 'Σ:baseline'] },
        { image: 'demo:2', tags: ['canary'] },
      ],
      replicas: { desired: 5, current: 6, updated: 1, ready: 5, available: 5 },
    });
  });

  it.each<[string, Rollout, { setWeight: string; actualWeight: string }]>([
    ['aborted: set weight 0', rollout({ ...status, abort: true }), { setWeight: '0', actualWeight: '20' }],
    ['steps done: the maximum', rollout({ ...status, currentStepIndex: 5 }), { setWeight: '100', actualWeight: '100' }],
    ['no available replicas: actual 0', rollout({ ...status, availableReplicas: 0 }), { setWeight: '20', actualWeight: '0' }],
    ['traffic routing: actual from status.canary.weights', rollout({ ...status, canary: { weights: { canary: { weight: 15 }, stable: { weight: 85 } } } }, { trafficRouting: { nginx: { stableIngress: 'i' } } }), { setWeight: '20', actualWeight: '15' }],
    ['traffic routing without weights: the set weight', rollout(status, { trafficRouting: { nginx: { stableIngress: 'i' } } }), { setWeight: '20', actualWeight: '20' }],
    ['traffic routing, max weight 1000, done', rollout({ ...status, currentStepIndex: 5 }, { trafficRouting: { maxTrafficWeight: 1000, nginx: { stableIngress: 'i' } } }), { setWeight: '1000', actualWeight: '1000' }],
  ])('weights: %s', (_, ro, want) => {
    const s = rolloutView(ro, snapshot, NOW).summary;
    expect({ setWeight: s.setWeight, actualWeight: s.actualWeight }).toEqual(want);
  });

  it('forces Progressing while the spec change is not observed', () => {
    const s = rolloutView(rollout({ ...status, observedGeneration: '1' }), snapshot, NOW).summary;
    expect(s.status).toEqual({ icon: '◌', text: 'Progressing' });
    expect(s.message).toBe('waiting for rollout spec update to be observed');
  });

  it('renders the header with labels in 17 columns', () => {
    expect(renderRolloutSummary(rolloutView(rollout(status), snapshot, NOW).summary, palette(false))).toEqual([
      'Name:            demo',
      'Namespace:       shop',
      'Status:          ॥ Paused',
      'Message:         CanaryPauseStep',
      'Strategy:        Canary',
      '  Step:          3/5',
      '  SetWeight:     20',
      '  ActualWeight:  20',
      'Images:          demo:1 (stable, Σ:baseline)',
      '                 demo:2 (canary)',
      'Replicas:',
      '  Desired:       5',
      '  Current:       6',
      '  Updated:       1',
      '  Ready:         5',
      '  Available:     5',
    ]);
  });

  it('renders the tree: revisions highest first, RSs then experiments then analysis runs, pods oldest first, only owned objects', () => {
    expect(renderTree(rolloutView(rollout(status), snapshot, NOW).tree, NOW, palette(false))).toEqual([
      'NAME                          KIND         STATUS          AGE    INFO',
      '⟳ demo                        Rollout      ॥ Paused        7d',
      '├──# revision:2',
      '│  ├──⧉ demo-new              ReplicaSet   ✔ Healthy       60m    canary',
      '│  │  └──□ demo-new-a         Pod          ✔ Running       10s    ready:1/1',
      '│  ├──Σ demo-2-2              Experiment   ◌ Running       60s',
      '│  │  └──⧉ demo-2-2-baseline  ReplicaSet   ✔ Healthy       60m',
      '│  └──α demo-2-3-rate         AnalysisRun  ? Inconclusive  30s    ✔ 4,✖ 4,? 1,⚠ 1',
      '│     └──⊞ rate-job-1         Job          ✔ Successful    20s',
      '├──# revision:1',
      '│  └──⧉ demo-old              ReplicaSet   ✔ Healthy       60m    stable',
      '│     ├──□ demo-old-a         Pod          ✔ Running       3m20s  ready:1/1,restarts:3',
      '│     └──□ demo-old-b         Pod          ✔ Running       100s   ready:1/1',
      '└──# revision:0',
      '   └──⧉ demo-older            ReplicaSet   • ScaledDown    60m',
    ]);
  });

  it('colours icons, and the names and tags of ReplicaSets by role', () => {
    const lines = renderTree(rolloutView(rollout(status), snapshot, NOW).tree, NOW, palette(true));
    const canaryRow = lines.find((l) => l.includes('demo-new\u001b')) ?? '';
    expect(canaryRow).toContain('\u001b[33mdemo-new\u001b[0m');
    expect(canaryRow).toContain('\u001b[32m✔\u001b[0m Healthy');
    expect(canaryRow).toMatch(/\u001b\[33mcanary\u001b\[0m$/);
  });

  it('shows the scale-down delay of an old ReplicaSet', () => {
    const delayed = rs('demo-old', 'h1', 1, 4, 4, 'demo:1', 'ro', { annotations: { 'rollout.argoproj.io/revision': '1', 'scale-down-deadline': new Date(NOW + 25_000).toISOString() } });
    const passed = rs('demo-old', 'h1', 1, 4, 4, 'demo:1', 'ro', { annotations: { 'rollout.argoproj.io/revision': '1', 'scale-down-deadline': ago(5) } });
    const info = (r: ReplicaSet) => rolloutView(rollout(status), { ...snapshot, replicaSets: [r], experiments: [], analysisRuns: [] }, NOW).tree.children[0]?.children[0]?.info;
    expect(info(delayed)).toBe('stable,delay:25s');
    expect(info(passed)).toBe('stable,delay:passed');
  });

  it('tags blue-green ReplicaSets active and preview', () => {
    const bg: Rollout = { metadata: { name: 'bg', uid: 'ro' }, spec: { strategy: { blueGreen: { activeService: 'a' } } }, status: { stableRS: 'h1', currentPodHash: 'h2', blueGreen: { activeSelector: 'h1', previewSelector: 'h2' } } };
    const v = rolloutView(bg, snapshot, NOW);
    expect(v.summary.strategy).toBe('BlueGreen');
    expect(v.summary.step).toBeUndefined();
    expect(v.summary.images).toEqual([
      { image: 'demo:1', tags: ['stable', 'active', 'Σ:baseline'] },
      { image: 'demo:2', tags: ['preview'] },
    ]);
  });
});

describe('analysisCounts', () => {
  it('sums over metrics and leaves zeros out', () => {
    expect(analysisCounts(run)).toBe('✔ 4,✖ 4,? 1,⚠ 1');
    expect(analysisCounts({ ...run, status: { phase: 'Running', metricResults: [{ name: 'a', phase: 'Running', successful: 2 }] } } as AnalysisRun)).toBe('✔ 2');
  });
});
