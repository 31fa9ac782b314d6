// Shared parts of the hostile-object suites (hostile-*.test.ts, issue #15): a control Rollout that must complete
// its update while a hostile object exists, a logger that keeps every line the controller writes, and a search
// for fragments of a secret in everything a user or an operator can read (objects, Events, logs).
import type { Logger } from '@rollouts/plugin-sdk';
import { canaryRollout, deploy, Resources, setImage, testLogger, waitHealthy, type Env } from './harness';

/** A logger that keeps every line (message and fields, as JSON) and forwards to the test logger. */
export interface CapturingLogger extends Logger {
  readonly lines: string[];
}

export function capturingLogger(): CapturingLogger {
  const lines: string[] = [];
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: Readonly<Record<string, unknown>>) => {
    lines.push(`${level} ${message} ${fields !== undefined ? JSON.stringify(fields) : ''}`);
    testLogger[level](message, fields);
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * Deploys a plain canary Rollout `name` (two steps, no router), then updates its image and waits until the
 * update is complete: proof that the controller still works for everybody else. Returns the milliseconds the
 * update took.
 */
export async function controlRolloutCompletes(env: Env, name: string, timeoutMs = 30_000): Promise<number> {
  if (env.api.get(Resources.rollouts, name) === undefined) {
    await deploy(env, canaryRollout(name, [{ setWeight: 50 }, { pause: { duration: '1s' } }], { replicas: 2 }), [`${name}-canary`, `${name}-stable`]);
  }
  const started = Date.now();
  const image = `control:${started}`;
  await setImage(env, name, image);
  await waitHealthy(env, name, timeoutMs);
  return Date.now() - started;
}

/** Every substring of `secret` of `min` characters or more (the "any 4+ characters"). */
export function secretFragments(secret: string, min = 4): string[] {
  const out = new Set<string>();
  for (let i = 0; i + min <= secret.length; i++) out.add(secret.slice(i, i + min));
  return [...out];
}

/** The fragments of `secret` (4+ characters) found in `text`, with a little context each. */
export function fragmentsIn(text: string, secret: string, min = 4): string[] {
  const found: string[] = [];
  for (const f of secretFragments(secret, min)) {
    const i = text.indexOf(f);
    if (i >= 0) found.push(`${f} in …${text.slice(Math.max(0, i - 60), i + f.length + 60)}…`);
  }
  return found;
}

/**
 * Everything of the environment's namespace a user can read: Rollouts, AnalysisRuns, Experiments, their
 * templates, and the Events (listed from the API server), as one JSON text. Secrets themselves are not included.
 */
export async function readableText(env: Env): Promise<string> {
  const kinds = [Resources.rollouts, Resources.analysisRuns, Resources.experiments, Resources.replicaSets];
  const parts: unknown[] = kinds.map((k) => env.api.list(k));
  const events = await env.http.json<{ items?: unknown[] }>('GET', `/api/v1/namespaces/${env.ns}/events`);
  parts.push(events.items ?? []);
  return JSON.stringify(parts);
}
