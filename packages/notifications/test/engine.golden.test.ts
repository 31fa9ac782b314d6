// The nine shipped triggers end to end through the engine (its public surface, src/index.ts): an Event reason on a subscribed Rollout plans the
// notification Go renders (golden files from tools/notifications-golden), both with the built-in templates (an
// empty ConfigMap) and with Argo's ConfigMap applied as Argo's install does.
import * as E from 'fp-ts/lib/Either';
import { notificationEngine } from '../src';
import type { NotificationConfig } from '../src';
import { readCases, readConfigMapData, readGolden } from './goldenSupport';

const REASONS: ReadonlyArray<[string, string]> = [
  ['RolloutCompleted', 'rollout-completed'],
  ['ScalingReplicaSet', 'scaling-replicaset'],
  ['RolloutStepCompleted', 'rollout-step-completed'],
  ['RolloutUpdated', 'rollout-updated'],
  ['RolloutAborted', 'rollout-aborted'],
  ['RolloutPaused', 'rollout-paused'],
  ['AnalysisRunRunning', 'analysis-run-running'],
  ['AnalysisRunError', 'analysis-run-error'],
  ['AnalysisRunFailed', 'analysis-run-failed'],
];

const golden = readGolden('argo-templates.golden.json');
const cases = readCases('cases.json');
const service = { 'service.slack': 'token: $slack-token\n' };
const secret = { 'slack-token': 'xoxb-not-a-real-token' };

const configs: ReadonlyArray<[string, NotificationConfig]> = [
  ['built-in templates (empty ConfigMap)', E.getOrElseW((p) => { throw new Error(JSON.stringify(p)); })(notificationEngine.parseConfig(service, secret))],
  ["Argo's ConfigMap", E.getOrElseW((p) => { throw new Error(JSON.stringify(p)); })(notificationEngine.parseConfig({ ...readConfigMapData('argo-rollouts-notification-configmap.yaml'), ...service }, secret))],
];

describe.each(configs)('%s', (_, config) => {
  for (const c of cases) {
    for (const [reason, template] of REASONS) {
      it(`${reason} on ${c.name} renders ${template} as Go does`, () => {
        const rollout = c.vars.rollout as Record<string, unknown>;
        const metadata = rollout.metadata as Record<string, unknown>;
        const recipient = typeof c.vars.recipient === 'string' ? c.vars.recipient : '';
        const object = { ...rollout, metadata: { ...metadata, annotations: { ...(metadata.annotations as object), [`notifications.argoproj.io/subscribe.on-${template.replace('replicaset', 'replica-set')}.slack`]: recipient } } };
        const subject = { object, analysisRuns: (c.vars.analysisRuns ?? []) as Array<Record<string, unknown>>, now: Date.UTC(2026, 2, 1, 12) };
        const r = notificationEngine.planForEvent(config, subject, reason);
        const want = golden[c.name]![template]!;
        if ('error' in want) {
          // Go cannot render it (len of a missing list): neither do we, and we say which template.
          expect(E.isLeft(r)).toBe(true);
          if (E.isLeft(r)) expect(r.left[0]!.key).toBe(`template.${template}`);
          return;
        }
        if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
        expect(r.right).toHaveLength(1);
        const p = r.right[0]!;
        expect(p.trigger).toBe(`on-${template.replace('replicaset', 'replica-set')}`);
        expect(p.template).toBe(template);
        expect(p.destination).toEqual({ service: 'slack', recipient });
        expect(p.serviceType).toBe('slack');
        expect(p.onceKey).toBeUndefined();
        expect(p.notification).toEqual(want);
      });
    }
  }
});
