// Shared helpers of the integration tests: a kube-sim and a KubeConfig for it, through @rollouts/k8s.
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { startKubeSim, KubeSim, KubeSimOptions } from '@rollouts/kube-sim';
import type { KubeObject } from '@rollouts/kube-sim';
import { KubeConfig, loadKubeConfig } from '../src';
import type { RequestMetrics } from '../src';

export interface Sim {
  readonly sim: KubeSim;
  readonly kc: KubeConfig;
}

/** The CustomResourceDefinitions @rollouts/api generates (Rollout, AnalysisRun, ...). */
export function argoCrds(): KubeObject[] {
  const dir = path.join(__dirname, '../../api/crds');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.argoproj.io.yaml'))
    .map((f) => YAML.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as KubeObject);
}

/** A bare API server (no workload controllers) with the Argo CRDs, and a KubeConfig for it. */
export async function startSim(options: KubeSimOptions = {}): Promise<Sim> {
  const sim = await startKubeSim({ workloads: false, objects: argoCrds(), ...options });
  return { sim, kc: loadKubeConfig({ options: sim.kubeConfig }) };
}

/** Poll `check` until it holds (a truthy value) or `timeoutMs` passes. */
export async function eventually<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 3000, stepMs = 10): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms${last !== undefined ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** A RequestMetrics that keeps every record. */
export function recordingMetrics(): RequestMetrics & { readonly records: Array<{ verb: string; kind: string; namespace?: string; name?: string; code: number }> } {
  const records: Array<{ verb: string; kind: string; namespace?: string; name?: string; code: number }> = [];
  return { records, record: (r) => void records.push(r) };
}

/** A ReplicaSet manifest. */
export function replicaSet(name: string, opts: { namespace?: string; owner?: string; labels?: Record<string, string>; replicas?: number } = {}): KubeObject {
  const labels = { app: 'demo', ...(opts.labels ?? {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: opts.namespace ?? 'default',
      labels,
      ...(opts.owner !== undefined ? { ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'owner', uid: opts.owner, controller: true }] } : {}),
    },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } },
    },
  };
}

/** A minimal canary Rollout manifest. */
export function rollout(name: string, namespace = 'default', labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, namespace, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } },
      strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
    },
  };
}

/** A silent logger that keeps warnings and errors. */
export function memoryLogger(): { debug: () => void; info: () => void; warn: (m: string, f?: Readonly<Record<string, unknown>>) => void; error: (m: string, f?: Readonly<Record<string, unknown>>) => void; readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: () => undefined,
    info: () => undefined,
    warn: (m, f) => void lines.push(`warn ${m} ${JSON.stringify(f ?? {})}`),
    error: (m, f) => void lines.push(`error ${m} ${JSON.stringify(f ?? {})}`),
  };
}
