/**
 * Reading Kayenta's answers: the canary config list, the id of a started judgement, and the state of a
 * judgement (`GET /canary/<executionId>`), whose score is judged against the metric's `threshold`. Pure:
 * text in, a value or an error text out.
 */
import * as E from 'fp-ts/lib/Either';
import type { KayentaThreshold } from '@rollouts/api';

/** What a judgement poll said. */
export type JudgementState =
  | { readonly _tag: 'Running'; readonly status?: string }
  | { readonly _tag: 'Scored'; readonly score: number }
  | { readonly _tag: 'NoScore'; readonly status?: string; readonly reason?: string };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function parse(body: string, what: string): E.Either<string, unknown> {
  try {
    return E.right(JSON.parse(body) as unknown);
  } catch {
    return E.left(`the ${what} is not JSON: ${JSON.stringify(body.slice(0, 120))}`);
  }
}

/** The id of the canary config named `name` in the `GET /canaryConfig` answer. */
export function readCanaryConfigId(body: string, name: string): E.Either<string, string> {
  const json = parse(body, 'canary config list');
  if (E.isLeft(json)) return json;
  if (!Array.isArray(json.right)) return E.left('the canary config list is not a JSON array');
  for (const entry of json.right) {
    if (isObject(entry) && entry['name'] === name) {
      const id = entry['id'];
      if (typeof id !== 'string' || id === '') return E.left(`canary config "${name}" has no id in the canary config list`);
      return E.right(id);
    }
  }
  return E.left(`Canary config not found: no canary config named "${name}" (found ${json.right.filter(isObject).map((c) => JSON.stringify(c['name'])).join(', ') || 'none'})`);
}

/** The `canaryExecutionId` of the `POST /canary/<configId>` answer. */
export function readExecutionId(body: string): E.Either<string, string> {
  const json = parse(body, 'answer to the judgement request');
  if (E.isLeft(json)) return json;
  const id = isObject(json.right) ? json.right['canaryExecutionId'] : undefined;
  if (typeof id !== 'string' || id.trim() === '') return E.left(`Invalid Response: the answer to the judgement request has no canaryExecutionId: ${JSON.stringify(body.slice(0, 120))}`);
  return E.right(id);
}

/** The state of a judgement in the `GET /canary/<executionId>` answer. */
export function readJudgement(body: string): E.Either<string, JudgementState> {
  const json = parse(body, 'judgement status');
  if (E.isLeft(json)) return json;
  if (!isObject(json.right)) return E.left('the judgement status is not a JSON object');
  const o = json.right;
  const status = typeof o['status'] === 'string' ? { status: o['status'] } : {};
  const complete = o['complete'];
  if (typeof complete !== 'boolean') return E.left('Missing Complete Status: the judgement status has no boolean "complete"');
  if (!complete) return E.right({ _tag: 'Running', ...status });
  const result = isObject(o['result']) ? o['result'] : undefined;
  const judge = result !== undefined && isObject(result['judgeResult']) ? result['judgeResult'] : undefined;
  const scoreObject = judge !== undefined && isObject(judge['score']) ? judge['score'] : undefined;
  const score = scoreObject?.['score'];
  if (typeof score !== 'number' || !Number.isFinite(score)) {
    const exception = isObject(o['exception']) && typeof o['exception']['details'] === 'object' ? JSON.stringify(o['exception']['details']).slice(0, 300) : undefined;
    return E.right({ _tag: 'NoScore', ...status, ...(exception !== undefined ? { reason: exception } : {}) });
  }
  return E.right({ _tag: 'Scored', score });
}

/**
 * The phase a score earns (upstream's rule): the score truncated to an integer; at least `pass` is
 * Successful, at least `marginal` Inconclusive, anything lower Failed.
 */
export function judgeScore(score: number, threshold: KayentaThreshold): { readonly score: number; readonly phase: 'Successful' | 'Inconclusive' | 'Failed' } {
  const s = Math.trunc(score);
  return { score: s, phase: s >= threshold.pass ? 'Successful' : s >= threshold.marginal ? 'Inconclusive' : 'Failed' };
}
