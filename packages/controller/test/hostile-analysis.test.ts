// Hostile analysis input (issue #15, bullets 4 and 5), end to end on the target API server: a web metric whose
// answer is large (1 MB, 5 MB) or nested 200,000 levels deep, a provider handing over a value that deep, a status
// write the API server refuses, and a secret argument used unquoted in a condition. Each run must finish with a
// phase and a clear message, a control Rollout must complete meanwhile, and no part of the secret may reach
// anything a user or an operator can read: objects, Events, the controller's log, `kubectl rollouts get`.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { json } from '@rollouts/api';
import { MAX_MEASUREMENT_VALUE_BYTES } from '@rollouts/core';
import { webMetricProvider } from '@rollouts/metrics-web';
import { defineMetricProvider } from '@rollouts/plugin-sdk';
import { main } from '../../../apps/cli/src/main';
import { canaryRollout, deploy, realKubeconfig, Resources, setImage, startEnv, waitFor, waitStatus, type Env } from './harness';
import { capturingLogger, controlRolloutCompletes, fragmentsIn, readableText } from './Hostile';

jest.setTimeout(120_000);

const TOKEN = 'S3CR3T-TOKEN-q7Zx9';
const MB = 1024 * 1024;
const DEPTH = 200_000;

/** A JSON document of `bytes` bytes: `{"ok":true,"pad":"xxx…"}`. */
const bigDocument = (bytes: number): string => {
  const head = '{"ok":true,"pad":"';
  return `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
};
const BODIES: Record<string, string> = {
  '/ok': '{"ok":true}',
  '/big/1': bigDocument(1 * MB),
  '/big/5': bigDocument(5 * MB),
  '/deep': `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`,
};

/** A provider that hands the controller a value nested DEPTH levels deep, as a plugin could. */
const deepProvider = defineMetricProvider({
  kind: 'e2e/deep',
  configCodec: json(),
  make: () => () => ({
    run: () => () => {
      let v: unknown = 1;
      for (let i = 0; i < DEPTH; i++) v = [v];
      return Promise.resolve({ _tag: 'Right', right: { _tag: 'Value', value: v } } as const);
    },
  }),
});

interface RunView {
  metadata: { name: string; labels?: Record<string, string> };
  status?: {
    phase?: string;
    message?: string;
    metricResults?: Array<{ name: string; phase: string; message?: string; measurements?: Array<{ phase: string; value?: string; message?: string }> }>;
  };
}
interface EventView {
  type?: string;
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string };
}

const log = capturingLogger();
let env: Env;
let server: http.Server;
let base = '';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const body = BODIES[req.url ?? ''];
    if (body === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  env = await startEnv({ faults: true, readinessDelayMs: 30, controller: { metricProviders: [webMetricProvider, deepProvider], measurementTimeoutMs: 20_000, log } });
});
afterAll(async () => {
  await env?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

const analysisRun = (name: string, metric: Record<string, unknown>) => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisRun', metadata: { name }, spec: { metrics: [metric] } });
const webMetric = (name: string, urlPath: string, extra: Record<string, unknown> = {}) => ({ name, provider: { web: { url: `${base}${urlPath}`, timeoutSeconds: 20 } }, ...extra });
const runOf = (name: string) => env.api.get<RunView>(Resources.analysisRuns, name);
const finished = (name: string, timeoutMs = 30_000): Promise<RunView> =>
  waitFor(`AnalysisRun ${name} finished`, () => { const r = runOf(name); return ['Successful', 'Failed', 'Error', 'Inconclusive'].includes(r?.status?.phase ?? '') ? r : undefined; }, timeoutMs, () => runOf(name)?.status);
const events = async (): Promise<EventView[]> => (await env.http.json<{ items?: EventView[] }>('GET', `/api/v1/namespaces/${env.ns}/events`)).items ?? [];

describe('bounded measurements', () => {
  test('a 1 MB and a 5 MB answer: both runs finish, the stored values are capped, a control Rollout completes meanwhile', async () => {
    await env.api.create(Resources.analysisRuns, analysisRun('big-1mb', webMetric('big', '/big/1', { successCondition: 'result.ok == true' })));
    await env.api.create(Resources.analysisRuns, analysisRun('big-5mb', webMetric('big', '/big/5', { successCondition: 'result.ok == true' })));
    const control = controlRolloutCompletes(env, 'control-big', 60_000);
    const runs = await Promise.all([finished('big-1mb'), finished('big-5mb')]);
    await control;
    for (const [run, size] of [[runs[0]!, 1 * MB], [runs[1]!, 5 * MB]] as const) {
      expect(run.status?.phase).toBe('Successful');
      const value = run.status?.metricResults?.[0]?.measurements?.[0]?.value ?? '';
      expect(Buffer.byteLength(value)).toBeLessThanOrEqual(MAX_MEASUREMENT_VALUE_BYTES);
      const m = /^(\{"ok":true,"pad":"x+)…\[value truncated: (\d+) more bytes\]$/.exec(value);
      expect(m).not.toBeNull();
      expect(m![1]!.length + Number(m![2])).toBe(size);
    }
  });

  test('a web answer nested 200,000 levels deep: an Error measurement saying so, and the run ends', async () => {
    await env.api.create(Resources.analysisRuns, analysisRun('deep-web', webMetric('deep', '/deep', { consecutiveErrorLimit: 0 })));
    const run = await finished('deep-web');
    const why = 'the JSON answer nests arrays and objects more than 512 levels deep; the web provider reads at most 512 levels';
    expect(run.status?.phase).toBe('Error');
    expect(run.status?.metricResults?.[0]?.measurements?.[0]).toMatchObject({ phase: 'Error', message: why });
    expect(run.status?.message).toBe(`Metric "deep" assessed Error due to consecutiveErrors (1) > consecutiveErrorLimit (0): "Error Message: ${why}"`);
  });

  test('a provider value nested 200,000 levels deep: a condition on it is an Error, without one it is stored capped', async () => {
    const plugin = { plugin: { 'e2e/deep': {} } };
    await env.api.create(Resources.analysisRuns, analysisRun('deep-condition', { name: 'deep', provider: plugin, successCondition: 'string(result) != ""', consecutiveErrorLimit: 0 }));
    await env.api.create(Resources.analysisRuns, analysisRun('deep-plain', { name: 'deep', provider: plugin }));
    const [withCondition, plain] = await Promise.all([finished('deep-condition'), finished('deep-plain')]);
    expect(withCondition.status?.phase).toBe('Error');
    expect(withCondition.status?.metricResults?.[0]?.measurements?.[0]?.message).toMatch(/^value nests deeper than 256 levels at position \d+$/);
    expect(plain.status?.phase).toBe('Successful');
    const value = plain.status?.metricResults?.[0]?.measurements?.[0]?.value ?? '';
    expect(Buffer.byteLength(value)).toBeLessThanOrEqual(MAX_MEASUREMENT_VALUE_BYTES);
    expect(value).toMatch(/^\[{100}.*…\[value truncated: \d+ more bytes\]$/);
  });

  // The status write refused: the API server (kube-sim's injector, or the fault proxy in front of a real one) answers
  // an update with 413, as an API server does for a body over its limit. (The caps above keep real statuses far below
  // that limit, so the refusal is injected.)
  test('a status write the API server refuses: the run ends in Error with a second, small write, and a Warning says why', async () => {
    const fault = env.faults!.error({ verb: 'update', resource: 'analysisruns', name: 'refused', code: 413, times: 1, message: 'the request body is larger than 3145728 bytes' });
    await env.api.create(Resources.analysisRuns, analysisRun('refused', webMetric('ok', '/ok', { successCondition: 'result.ok == true' })));
    const run = await finished('refused');
    expect(fault.hits()).toBe(1);
    expect(run.status?.phase).toBe('Error');
    expect(run.status?.message).toMatch(/^the API server refused to store this AnalysisRun's status \(.*refused: .*InjectedFault: the request body is larger than 3145728 bytes\); the run ends in Error without its measurements, which are not stored$/);
    expect(run.status?.metricResults).toEqual([{ name: 'ok', phase: 'Successful', count: 1, successful: 1, consecutiveSuccess: 1 }]);
    const seen = await waitForEvent((e) => e.involvedObject?.name === 'refused' && e.reason === 'AnalysisRunStatusRefused');
    expect(seen).toMatchObject({ type: 'Warning', message: run.status?.message });
  });
});

/** Poll the Events until one matches. */
async function waitForEvent(pred: (e: EventView) => boolean, timeoutMs = 10_000): Promise<EventView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = (await events()).find(pred);
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error('timed out waiting for an event');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `kubectl rollouts get rollout <name>`, run in-process as a user runs it, against the same API server. */
async function kubectlRolloutsGet(name: string): Promise<string> {
  let file = realKubeconfig();
  if (env.sim !== undefined) {
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-analysis-')), 'kubeconfig');
    fs.writeFileSync(file, env.sim.kubeConfigYaml, { mode: 0o600 });
  }
  let out = '';
  const code = await main(['get', 'rollout', name, '--kubeconfig', file, '-n', env.ns], {
    stdout: { write: (s: string) => (out += s), isTTY: false },
    stderr: { write: (s: string) => (out += s) },
    env: { NO_COLOR: '1' },
  });
  expect(code).toBe(0);
  return out;
}

describe('secret arguments', () => {
  test('a secret used unquoted in a condition: the step aborts naming the argument; no part of the secret anywhere', async () => {
    await env.api.create(Resources.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { token: TOKEN } });
    await env.api.create(Resources.analysisTemplates, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'token-check' },
      spec: {
        args: [{ name: 'token', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }],
        metrics: [
          {
            name: 'token-check',
            successCondition: 'result == {{args.token}}',
            consecutiveErrorLimit: 0,
            provider: { web: { url: `${base}/ok`, headers: [{ key: 'Authorization', value: 'Bearer {{args.token}}' }] } },
          },
        ],
      },
    });
    await deploy(env, canaryRollout('secret-app', [{ setWeight: 50 }, { analysis: { templates: [{ templateName: 'token-check' }] } }]), ['secret-app-canary', 'secret-app-stable']);
    await setImage(env, 'secret-app', 'demo:2');
    const aborted = await waitStatus(env, 'secret-app', 'aborted by the analysis', (s) => s.abort === true && s.phase === 'Degraded', 30_000);

    const named = 'successCondition could not be evaluated: it uses the secret argument "token"; the error message is withheld to keep the secret out of status';
    expect(aborted.status?.message).toContain(named);
    const run = env.api.list<RunView>(Resources.analysisRuns).find((r) => r.metadata.name.startsWith('secret-app-'));
    expect(run?.status?.phase).toBe('Error');
    expect(run?.status?.metricResults?.[0]?.measurements?.[0]).toMatchObject({ phase: 'Error', message: named });
    await waitForEvent((e) => e.involvedObject?.name === 'secret-app' && e.reason === 'RolloutAborted');

    expect(fragmentsIn(await readableText(env), TOKEN)).toEqual([]);
    expect(fragmentsIn(log.lines.join('\n'), TOKEN)).toEqual([]);
    const cli = await kubectlRolloutsGet('secret-app');
    expect(cli).toContain('secret-app');
    expect(fragmentsIn(cli, TOKEN)).toEqual([]);
  });
});
