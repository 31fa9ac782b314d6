/**
 * End-to-end: step analysis through the real `kayenta` metric provider against a recorded-contract fake of
 * Kayenta's canary API (a local HTTP server on 127.0.0.1, a test double answering as Kayenta's REST API does:
 * canary config list, judgement POST, judgement status GET).
 *
 * The judgement is asynchronous: the controller POSTs it and keeps the execution id in the measurement's
 * metadata in the AnalysisRun status. The test stops that controller while the fake still answers
 * "not complete", starts a new controller with empty memory, and only then lets the judgement complete. The
 * new controller finishes the same judgement from status alone: Kayenta sees exactly one POST, the run holds
 * exactly one measurement, and the Rollout proceeds to Healthy.
 */
import type * as http from 'node:http';
import { createKayentaMetricProvider } from '@rollouts/metrics-kayenta';
import { startHttpServer, type RecordedRequest, type RecordingHttpServer } from '@rollouts/plugin-http/testing';
import { canaryRollout, deploy, replicaSetsOf, Resources, setImage, startEnv, waitFor, waitHealthy, type Env } from './harness';

jest.setTimeout(60_000);

const CONFIG_ID = '6b3d2a9e-0c1f-4e7a-9d55-2f7c3a1b8e40';
const EXECUTION_ID = '01HKAYENTAE2E0000000000001';
const POLL_MS = 400;

/** The recorded-contract fake: one canary config; judgements complete when the test says so. */
interface FakeJudge {
  readonly server: RecordingHttpServer;
  readonly violations: string[];
  complete: boolean;
  /** Polls answered so far, and how many of them came after `complete` was switched on. */
  polls: number;
  posts(): RecordedRequest[];
}

async function startFakeJudge(): Promise<FakeJudge> {
  // eslint-disable-next-line prefer-const
  let judge: FakeJudge;
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = await startHttpServer((req, res) => {
    const url = new URL(req.url, 'http://fake');
    const q = Object.fromEntries(url.searchParams);
    const violate = (what: string) => {
      judge.violations.push(what);
      send(res, 400, { message: what });
    };
    if (req.method === 'GET' && url.pathname === '/canaryConfig') {
      if (q['application'] !== 'kayenta-e2e' || q['configurationAccountName'] !== 'configs') return violate(`config list query ${JSON.stringify(q)}`);
      return send(res, 200, [{ id: CONFIG_ID, name: 'e2e-config', updatedTimestamp: 1553707842000, applications: ['kayenta-e2e'] }]);
    }
    if (req.method === 'POST' && url.pathname === `/canary/${CONFIG_ID}`) {
      if (q['metricsAccountName'] !== 'metrics' || q['storageAccountName'] !== 'results' || q['configurationAccountName'] !== 'configs') return violate(`POST query ${JSON.stringify(q)}`);
      if (!String(req.headers['content-type']).startsWith('application/json')) return violate(`POST content-type ${String(req.headers['content-type'])}`);
      return send(res, 200, { canaryExecutionId: EXECUTION_ID });
    }
    if (req.method === 'GET' && url.pathname === `/canary/${EXECUTION_ID}`) {
      judge.polls += 1;
      return send(res, 200, judge.complete ? { complete: true, status: 'succeeded', result: { judgeResult: { score: { score: 96.4 } } } } : { complete: false, status: 'running' });
    }
    return violate(`unexpected ${req.method} ${req.url}`);
  });
  judge = { server, violations: [], complete: false, polls: 0, posts: () => server.seen.filter((r) => r.method === 'POST') };
  return judge;
}

interface MeasurementView {
  phase: string;
  value?: string;
  message?: string;
  resumeAt?: string;
  finishedAt?: string;
  metadata?: Record<string, string>;
}
interface RunView {
  metadata: { name: string; ownerReferences?: Array<{ kind: string; name: string }> };
  status?: { phase?: string; metricResults?: Array<{ name: string; phase: string; count?: number; successful?: number; error?: number; measurements?: MeasurementView[] }> };
}

const template = (address: string) => ({
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'AnalysisTemplate',
  metadata: { name: 'kayenta-judge' },
  spec: {
    args: [{ name: 'stable-hash' }, { name: 'canary-hash' }],
    metrics: [
      {
        name: 'canary-judge',
        // One judgement; `interval` also sets the scope window (now - 5m, now) since the scopes give no start/end.
        count: 1,
        interval: '5m',
        provider: {
          kayenta: {
            address,
            application: 'kayenta-e2e',
            canaryConfigName: 'e2e-config',
            metricsAccountName: 'metrics',
            configurationAccountName: 'configs',
            storageAccountName: 'results',
            threshold: { pass: 90, marginal: 75 },
            scopes: [
              {
                name: 'default',
                controlScope: { scope: 'app=kayenta-e2e and rollouts-pod-template-hash={{args.stable-hash}}', region: 'local', step: 60 },
                experimentScope: { scope: 'app=kayenta-e2e and rollouts-pod-template-hash={{args.canary-hash}}', region: 'local', step: 60 },
              },
            ],
          },
        },
      },
    ],
  },
});

const STEPS = [
  { setWeight: 25 },
  {
    analysis: {
      templates: [{ templateName: 'kayenta-judge' }],
      args: [
        { name: 'stable-hash', valueFrom: { podTemplateHashValue: 'Stable' } },
        { name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } },
      ],
    },
  },
];

let env: Env | undefined;
let judge: FakeJudge | undefined;

afterAll(async () => {
  await env?.stop();
  await judge?.server.close();
});

test('a controller restarted mid-judgement finishes the same Kayenta judgement: one POST, one measurement, the rollout proceeds', async () => {
  judge = await startFakeJudge();
  // A short poll interval keeps the test quick; the rest is the provider users get (15 s timeout, 15 min judgement bound).
  const providers = { metricProviders: [createKayentaMetricProvider({ pollIntervalMs: POLL_MS })] };
  env = await startEnv({ readinessDelayMs: 30, controller: providers });
  await env.api.create(Resources.analysisTemplates, template(judge.server.url));
  const first = await deploy(env, canaryRollout('kayenta-e2e', STEPS), ['kayenta-e2e-canary', 'kayenta-e2e-stable']);
  const stable = first.status!.stableRS!;
  await setImage(env, 'kayenta-e2e', 'demo:2');

  const runOf = () => env!.api.list<RunView>(Resources.analysisRuns).find((r) => (r.metadata.ownerReferences ?? []).some((o) => o.kind === 'Rollout' && o.name === 'kayenta-e2e'));
  const measurementsOf = () => runOf()?.status?.metricResults?.[0]?.measurements ?? [];

  // The judgement is started and its id is in status; the fake has answered at least one "not complete".
  const running = await waitFor(
    'a Running measurement holding the canaryExecutionId, polled at least once',
    () => {
      const ms = measurementsOf();
      return ms.length === 1 && ms[0]!.phase === 'Running' && ms[0]!.metadata?.['canaryExecutionId'] === EXECUTION_ID && judge!.polls >= 1 ? ms[0] : undefined;
    },
    20_000,
    () => ({ measurements: measurementsOf(), polls: judge!.polls, seen: judge!.server.seen.map((s) => `${s.method} ${s.url}`) }),
  );
  expect(running.finishedAt).toBeUndefined();
  expect(running.resumeAt).toBeDefined();

  // Stop the only controller mid-judgement.
  await env.controllers[0]!.stop();
  // A poll already on the wire when stop() cancelled it may still reach the fake: let it land first.
  await new Promise((r) => setTimeout(r, 200));
  const pollsWhileStopped = judge.polls;
  await new Promise((r) => setTimeout(r, 3 * POLL_MS));
  expect(judge.polls).toBe(pollsWhileStopped);
  expect(measurementsOf()).toHaveLength(1);
  expect(measurementsOf()[0]!.phase).toBe('Running');

  // A new controller, with no memory of the judgement, resumes it from status: it polls, still "not complete".
  await env.startController(providers);
  await waitFor('the new controller polls the same judgement', () => judge!.polls > pollsWhileStopped, 10_000, () => judge!.polls);
  expect(measurementsOf()[0]!.phase).toBe('Running');

  // The judgement completes: the run succeeds and the rollout goes on to Healthy on the new revision.
  judge.complete = true;
  const done = await waitHealthy(env, 'kayenta-e2e', 30_000);
  expect(done.status!.stableRS).not.toBe(stable);
  expect(done.spec.template.spec.containers[0]!.image).toBe('demo:2');
  const sets = replicaSetsOf(env, 'kayenta-e2e');
  expect(sets.get(stable)?.spec.replicas).toBe(0);
  expect(sets.get(done.status!.stableRS!)?.spec.replicas).toBe(4);

  const run = runOf()!;
  expect(run.status!.phase).toBe('Successful');
  const result = run.status!.metricResults![0]!;
  expect(result).toMatchObject({ name: 'canary-judge', phase: 'Successful', count: 1, successful: 1 });
  // Recorded exactly once: one measurement, the score truncated to an integer, the judgement's id kept.
  expect(result.measurements).toHaveLength(1);
  expect(result.measurements![0]).toMatchObject({ phase: 'Successful', value: '96', metadata: { canaryExecutionId: EXECUTION_ID, canaryConfigId: CONFIG_ID } });

  // Kayenta saw exactly one judgement request, for the two revisions' pod template hashes.
  expect(judge.violations).toEqual([]);
  expect(judge.posts()).toHaveLength(1);
  const body = JSON.parse(judge.posts()[0]!.body) as { scopes: { default: { controlScope: { scope: string; start: string; end: string }; experimentScope: { scope: string } } }; thresholds: unknown };
  expect(body.scopes.default.controlScope.scope).toBe(`app=kayenta-e2e and rollouts-pod-template-hash=${stable}`);
  expect(body.scopes.default.experimentScope.scope).toBe(`app=kayenta-e2e and rollouts-pod-template-hash=${done.status!.stableRS}`);
  expect(Date.parse(body.scopes.default.controlScope.end) - Date.parse(body.scopes.default.controlScope.start)).toBe(5 * 60_000);
  expect(body.thresholds).toEqual({ pass: 90, marginal: 75 });
});
