/**
 * `kube-sim` command line: start the simulator, write a kubeconfig, optionally load manifests, and run
 * until interrupted.
 *
 *   kube-sim [--port 8080] [--host 127.0.0.1] [--kubeconfig ./kubeconfig] [--token T]
 *            [--load file-or-dir.yaml ...] [--readiness-delay-ms N] [--no-workloads] [--seed N]
 *            [--driver module.js]
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { startKubeSim, KubeSim, KubeSimOptions } from './KubeSim';
import { KubeObject } from './store/KubeObject';

/** Parsed command line. */
export interface CliArgs {
  readonly port: number;
  readonly host: string;
  readonly kubeconfig?: string;
  readonly token?: string;
  readonly load: readonly string[];
  readonly readinessDelayMs: number;
  readonly workloads: boolean;
  readonly seed: number;
  /** A CommonJS module whose export (or `default` export) is called with the running simulator. */
  readonly driver?: string;
  readonly help: boolean;
}

/**
 * What a `--driver` module exports: called once with the running simulator, before the CLI announces that it
 * listens. Benchmarks use it to drive load from inside the simulator process (seeding objects, timestamping
 * requests from the request log) without the driver's own work showing up as HTTP requests.
 */
export type CliDriver = (sim: KubeSim) => void | Promise<void>;

const USAGE = `usage: kube-sim [options]
  --port N                 port to listen on (default 8080; 0 picks a free one)
  --host ADDR              interface (default 127.0.0.1)
  --kubeconfig PATH        write a kubeconfig for kubectl / client-node there
  --token T                require this bearer token (kubectl sends tokens over HTTPS only, so the
                           default is to accept requests without one)
  --load PATH              create the objects of a YAML file or of every *.yaml in a directory (repeatable)
  --readiness-delay-ms N   milliseconds from pod start to Ready (default 0)
  --no-workloads           API server only: no ReplicaSet/Deployment/Job/Endpoints controllers, no kubelet
  --seed N                 seed for generated names and fault rates (default 1)
  --driver PATH            call this CommonJS module's exported function with the running simulator
                           (benchmarks: a load driver inside the simulator process)
  --help`;

/** Parse argv (without node and script). Throws on an unknown or incomplete option. */
export function parseArgs(argv: readonly string[]): CliArgs {
  let port = 8080;
  let host = '127.0.0.1';
  let kubeconfig: string | undefined;
  let token: string | undefined;
  const load: string[] = [];
  let readinessDelayMs = 0;
  let workloads = true;
  let seed = 1;
  let driver: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (): number => {
      const v = value();
      if (!/^\d+$/.test(v)) throw new Error(`${a} needs a non-negative integer, got "${v}"`);
      return Number(v);
    };
    switch (a) {
      case '--port':
        port = int();
        break;
      case '--host':
        host = value();
        break;
      case '--kubeconfig':
        kubeconfig = value();
        break;
      case '--token':
        token = value();
        break;
      case '--load':
        load.push(value());
        break;
      case '--readiness-delay-ms':
        readinessDelayMs = int();
        break;
      case '--no-workloads':
        workloads = false;
        break;
      case '--seed':
        seed = int();
        break;
      case '--driver':
        driver = value();
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new Error(`unknown option ${a}`);
    }
  }
  return { port, host, ...(kubeconfig !== undefined ? { kubeconfig } : {}), ...(token !== undefined ? { token } : {}), load, readinessDelayMs, workloads, seed, ...(driver !== undefined ? { driver } : {}), help };
}

/** The objects of YAML files (multi-document) or of every .yaml/.yml/.json file in directories. */
export function loadManifests(paths: readonly string[]): KubeObject[] {
  const files: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const f of readdirSync(p).sort()) if (/\.(ya?ml|json)$/.test(f)) files.push(join(p, f));
    } else {
      files.push(p);
    }
  }
  const out: KubeObject[] = [];
  for (const f of files)
    for (const doc of YAML.parseAllDocuments(readFileSync(f, 'utf8'))) {
      const o = doc.toJSON() as unknown;
      if (o === null || typeof o !== 'object') continue;
      const obj = o as KubeObject;
      if (obj.kind === 'List' && Array.isArray((o as { items?: unknown }).items)) out.push(...((o as { items: KubeObject[] }).items));
      else if (typeof obj.kind === 'string' && typeof obj.apiVersion === 'string') out.push(obj);
    }
  return out;
}

/** The function a `--driver` module exports (as `module.exports` or `default`). Throws when there is none. */
export function loadDriver(path: string): CliDriver {
  const mod = require(resolve(path)) as unknown;
  const fn = typeof mod === 'function' ? mod : (mod as { default?: unknown } | null)?.default;
  if (typeof fn !== 'function') throw new Error(`--driver ${path} exports no function`);
  return fn as CliDriver;
}

/** Run the CLI; resolves when the simulator has stopped. */
export async function main(argv: readonly string[]): Promise<void> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`kube-sim: ${(e as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const options: KubeSimOptions = {
    port: args.port,
    host: args.host,
    seed: args.seed,
    token: args.token ?? null,
    workloads: args.workloads ? { readinessDelayMs: args.readinessDelayMs } : false,
  };
  const sim = await startKubeSim(options);
  const manifests = loadManifests(args.load);
  const crdsFirst = [...manifests.filter((o) => o.kind === 'CustomResourceDefinition'), ...manifests.filter((o) => o.kind !== 'CustomResourceDefinition')];
  for (const o of crdsFirst) {
    try {
      sim.objects.create({ ...o, metadata: { namespace: 'default', ...o.metadata } });
    } catch (e) {
      process.stderr.write(`kube-sim: skipped ${o.kind}/${o.metadata?.name ?? '?'}: ${(e as Error).message}\n`);
    }
  }
  if (args.kubeconfig !== undefined) sim.writeKubeConfig(args.kubeconfig);
  if (args.driver !== undefined) await loadDriver(args.driver)(sim);
  process.stdout.write(`kube-sim listening on ${sim.url}${args.kubeconfig !== undefined ? ` (kubeconfig: ${args.kubeconfig})` : ''}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      void sim.stop().then(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
