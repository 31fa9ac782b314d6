/**
 * Issue #16: one step numbering everywhere. `plan`'s STEP column reads as `get rollout`'s `Step:` (Argo's):
 * `N/M` is N of the M steps completed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Rollout } from '@rollouts/api';
import { main } from '../src/main';
import { rolloutView } from '../src/RolloutTree';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

const shop = path.join(__dirname, 'fixtures', 'plan-shop.yaml');

it('every row of the plan shows the step exactly as get rollout would for the same status', async () => {
  const json = await run('plan', '-o', 'json', '-f', shop, '--pod-ready-seconds', '10');
  const table = await run('plan', '-f', shop, '--pod-ready-seconds', '10');
  expect(json.code).toBe(0);
  const plan = JSON.parse(json.out) as { deployed: { stepIndex: number | null }; frames: Array<{ stepIndex: number | null }> };
  const rollout = parseAllDocuments(fs.readFileSync(shop, 'utf8'))
    .map((d) => d.toJS() as Rollout)
    .find((o) => o.kind === 'Rollout') as Rollout;
  const empty = { replicaSets: [], pods: [], experiments: [], analysisRuns: [] };
  const getRolloutStep = (stepIndex: number | null): string | undefined =>
    rolloutView({ ...rollout, status: stepIndex === null ? {} : { currentStepIndex: stepIndex } }, empty, 0).summary.step;
  const stepColumn = table.out
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((row) => row.split(/\s+/)[1]);
  expect(stepColumn).toEqual([plan.deployed, ...plan.frames].map((f) => getRolloutStep(f.stepIndex)));
  // the deployed row has every step done; the update starts at 0 done
  expect(stepColumn.slice(0, 2)).toEqual(['4/4', '0/4']);
});
