// The writes of each command, checked against the requests Argo Rollouts' plugin sends
// (reference: argo-ui-cli-notifications.md §1.3).
import * as E from 'fp-ts/lib/Either';
import type { ReplicaSet, Rollout } from '@rollouts/api';
import {
  abortPatch,
  parseImageArgument,
  pausePatch,
  promotePatches,
  restartPatch,
  resumePatch,
  retryExperimentPatch,
  retryRolloutPatch,
  rfc3339Seconds,
  setImage,
  terminatePatch,
  undoPlan,
  type PatchPlan,
} from './Patches';

describe('fixed patches', () => {
  const NOW = Date.parse('2026-11-26T17:00:00.750Z');
  it.each<[string, PatchPlan, PatchPlan]>([
    ['pause', pausePatch(), { patches: [{ target: 'main', type: 'merge', body: { spec: { paused: true } } }] }],
    ['resume', resumePatch(), { patches: [{ target: 'main', type: 'merge', body: { spec: { paused: false } } }] }],
    ['abort', abortPatch(), { patches: [{ target: 'status', type: 'merge', body: { status: { abort: true } } }], statusFallback: { target: 'main', type: 'merge', body: { status: { abort: true } } } }],
    ['retry rollout', retryRolloutPatch(), { patches: [{ target: 'status', type: 'merge', body: { status: { abort: false } } }], statusFallback: { target: 'main', type: 'merge', body: { status: { abort: false } } } }],
    ['retry experiment', retryExperimentPatch(), { patches: [{ target: 'main', type: 'merge', body: { status: null } }] }],
    ['terminate', terminatePatch(), { patches: [{ target: 'main', type: 'merge', body: { spec: { terminate: true } } }] }],
    ['restart now', restartPatch(NOW, 0), { patches: [{ target: 'main', type: 'merge', body: { spec: { restartAt: '2026-11-26T17:00:00Z' } } }] }],
    ['restart --in 90s', restartPatch(NOW, 90_000), { patches: [{ target: 'main', type: 'merge', body: { spec: { restartAt: '2026-11-26T17:01:30Z' } } }] }],
  ])('%s', (_, got, want) => {
    expect(got).toEqual(want);
  });

  it('writes RFC 3339 in UTC with whole seconds, as Go does', () => {
    expect(rfc3339Seconds(Date.parse('2026-01-02T03:04:05.999Z'))).toBe('2026-01-02T03:04:05Z');
  });

  it('serialises the JSON Argo sends, byte for byte', () => {
    expect(JSON.stringify(abortPatch().patches[0]?.body)).toBe('{"status":{"abort":true}}');
    expect(JSON.stringify(retryExperimentPatch().patches[0]?.body)).toBe('{"status":null}');
    expect(JSON.stringify(pausePatch().patches[0]?.body)).toBe('{"spec":{"paused":true}}');
  });
});

type RolloutLike = Pick<Rollout, 'spec' | 'status'>;
const canary = (status: Rollout['status'], extra: Partial<Rollout['spec']> = {}): RolloutLike => ({
  spec: { strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }, { setWeight: 50 }, { pause: {} }] } }, ...extra },
  status,
});
const blueGreen = (status: Rollout['status'], extra: Partial<Rollout['spec']> = {}): RolloutLike => ({ spec: { strategy: { blueGreen: { activeService: 'a' } }, ...extra }, status });
const PAUSED = [{ reason: 'CanaryPauseStep', startTime: '2026-11-26T17:00:00Z' }];
const unpause = { target: 'main', type: 'merge', body: { spec: { paused: false } } };
const st = (body: unknown) => ({ target: 'status', type: 'merge', body: { status: body } });

describe('promote', () => {
  it.each<[string, RolloutLike, unknown[], unknown]>([
    ['canary paused at a pause step: clear the pause conditions', canary({ currentStepIndex: 1, pauseConditions: PAUSED }), [st({ pauseConditions: null })], { spec: { paused: false }, status: { pauseConditions: null } }],
    [
      'canary with no pause condition (analysis running): skip the step',
      canary({ currentStepIndex: 2 }),
      [st({ pauseConditions: null, currentStepIndex: 3 })],
      { spec: { paused: false }, status: { pauseConditions: null, currentStepIndex: 3 } },
    ],
    ['canary past its last step: the index stays capped at the step count', canary({ currentStepIndex: 4 }), [st({ pauseConditions: null, currentStepIndex: 4 })], { spec: { paused: false }, status: { pauseConditions: null, currentStepIndex: 4 } }],
    [
      'canary paused by an inconclusive step analysis: clear, un-pause the controller, next step',
      canary({ currentStepIndex: 2, pauseConditions: [{ reason: 'InconclusiveAnalysisRun', startTime: 'x' }], controllerPause: true, canary: { currentStepAnalysisRunStatus: { name: 'r', status: 'Inconclusive' } } }),
      [st({ pauseConditions: null, controllerPause: false, currentStepIndex: 3 })],
      { spec: { paused: false }, status: { pauseConditions: null, currentStepIndex: 3 } },
    ],
    ['blue-green paused before promotion', blueGreen({ pauseConditions: [{ reason: 'BlueGreenPause', startTime: 'x' }] }), [st({ pauseConditions: null })], { spec: { paused: false }, status: { pauseConditions: null } }],
    ['blue-green with nothing paused: no write', blueGreen({}), [], undefined],
    ['spec.paused: un-pause the object first, then the status write', canary({ currentStepIndex: 1, pauseConditions: PAUSED }, { paused: true }), [unpause, st({ pauseConditions: null })], { spec: { paused: false }, status: { pauseConditions: null } }],
    ['blue-green with only spec.paused', blueGreen({}, { paused: true }), [unpause], undefined],
  ])('%s', (_, ro, patches, fallback) => {
    const plan = promotePatches(ro, false);
    expect(plan.patches).toEqual(patches);
    expect(plan.statusFallback?.body).toEqual(fallback);
  });

  it.each<[string, RolloutLike, unknown[]]>([
    ['--full while updating: promoteFull on the status', canary({ currentPodHash: 'b', stableRS: 'a' }), [st({ promoteFull: true })]],
    ['--full when already on the stable revision: nothing', canary({ currentPodHash: 'a', stableRS: 'a' }), []],
    ['--full on a paused object: un-pause, then promoteFull', blueGreen({ currentPodHash: 'b', stableRS: 'a' }, { paused: true }), [unpause, st({ promoteFull: true })]],
  ])('%s', (_, ro, patches) => {
    expect(promotePatches(ro, true).patches).toEqual(patches);
  });
});

describe('set image', () => {
  const ro = {
    spec: {
      template: {
        spec: {
          initContainers: [{ name: 'init', image: 'busybox:1' }],
          containers: [
            { name: 'app', image: 'demo:1' },
            { name: 'sidecar', image: 'envoy:1' },
          ],
        },
      },
    },
  };
  const images = (o: typeof ro) => [...o.spec.template.spec.initContainers, ...o.spec.template.spec.containers].map((c) => `${c.name}=${c.image}`);
  it.each<[string, string, string[]]>([
    ['app', 'demo:2', ['init=busybox:1', 'app=demo:2', 'sidecar=envoy:1']],
    ['init', 'busybox:2', ['init=busybox:2', 'app=demo:1', 'sidecar=envoy:1']],
    ['*', 'x:9', ['init=x:9', 'app=x:9', 'sidecar=x:9']],
  ])('%s=%s', (container, image, want) => {
    const r = setImage(ro, container, image);
    expect(E.isRight(r) && images(r.right)).toEqual(want);
    expect(images(ro)).toEqual(['init=busybox:1', 'app=demo:1', 'sidecar=envoy:1']);
  });
  it('names the container it cannot find', () => {
    expect(setImage(ro, 'web', 'x:1')).toEqual(E.left('unable to find container named "web"'));
  });
  it.each([
    ['app=demo:2', E.right({ container: 'app', image: 'demo:2' })],
    ['*=registry:5000/demo:2', E.right({ container: '*', image: 'registry:5000/demo:2' })],
    ['demo:2', E.left('expected CONTAINER=IMAGE (or *=IMAGE), got "demo:2"')],
    ['app=', E.left('expected CONTAINER=IMAGE (or *=IMAGE), got "app="')],
  ])('parses %s', (arg, want) => {
    expect(parseImageArgument(arg)).toEqual(want);
  });
});

describe('undo', () => {
  const template = (image: string, hash?: string) => ({ metadata: { labels: { app: 'demo', ...(hash !== undefined ? { 'rollouts-pod-template-hash': hash } : {}) } }, spec: { containers: [{ name: 'app', image }] } });
  const rs = (revision: number, image: string): ReplicaSet => ({
    metadata: { name: `demo-h${revision}`, annotations: { 'rollout.argoproj.io/revision': String(revision) } },
    spec: { template: template(image, `h${revision}`) },
  });
  const history = [rs(1, 'demo:1'), rs(3, 'demo:3'), rs(2, 'demo:2')];

  it('goes back to the previous revision by default, dropping the hash label', () => {
    expect(undoPlan(template('demo:3'), history, 0, 'demo')).toEqual(
      E.right({ _tag: 'Patch', revision: 2, patch: { target: 'main', type: 'json', body: [{ op: 'replace', path: '/spec/template', value: template('demo:2') }] } }),
    );
  });
  it('goes to the revision asked for', () => {
    const r = undoPlan(template('demo:3'), history, 1, 'demo');
    expect(E.isRight(r) && r.right._tag === 'Patch' && r.right.revision).toBe(1);
  });
  it('skips when the template already matches (API-server defaults do not count as a difference)', () => {
    const defaulted = { ...template('demo:2', 'h2'), spec: { containers: [{ name: 'app', image: 'demo:2', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log' }], restartPolicy: 'Always' } };
    expect(undoPlan(template('demo:2'), [rs(1, 'demo:1'), { ...rs(2, 'demo:2'), spec: { template: defaulted } }], 2, 'demo')).toEqual(
      E.right({ _tag: 'Skip', message: 'skipped rollback (current template already matches revision 2)' }),
    );
  });
  it.each<[number, ReplicaSet[], string]>([
    [7, history, 'unable to find specified revision 7 in history'],
    [0, [rs(1, 'demo:1')], 'no revision found for rollout "demo"'],
  ])('fails for revision %s', (to, rss, message) => {
    expect(undoPlan(template('demo:1'), rss, to, 'demo')).toEqual(E.left(message));
  });
});
