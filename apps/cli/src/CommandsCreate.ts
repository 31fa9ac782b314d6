/**
 * `create -f FILE...`: create every object of the files (Rollouts, AnalysisTemplates, Experiments,
 * AnalysisRuns, and the Services, Deployments, Ingresses... that go with them), printing
 * `rollout.argoproj.io/<name> created` per object, kubectl style. Stops at the first failure.
 */
import type { Command } from 'commander';
import * as E from 'fp-ts/lib/Either';
import { apiVersionOf, Resources, type ResourceKind } from '@rollouts/k8s';
import { EXIT, withClusterFlags, type ClusterFlags, type CommandContext } from './CommandContext';
import { readManifests } from './Manifests';

const CONFIGMAPS: ResourceKind = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
const SERVICE_ACCOUNTS: ResourceKind = { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true };

/** The kinds `create` knows, by `apiVersion` and `kind`. */
export const CREATABLE: readonly ResourceKind[] = [...Object.values(Resources).filter((k) => k !== Resources.events && k !== Resources.leases), CONFIGMAPS, SERVICE_ACCOUNTS];

/** The resource of an object, or a message naming what is wrong. */
export function creatableKind(object: unknown): E.Either<string, ResourceKind> {
  const o = (object ?? {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; generateName?: unknown } };
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return E.left('the document has no apiVersion and kind');
  const k = CREATABLE.find((r) => apiVersionOf(r) === o.apiVersion && r.kind === o.kind);
  if (k === undefined) {
    const known = [...new Set(CREATABLE.map((r) => r.kind))].sort().join(', ');
    return E.left(`cannot create ${o.apiVersion} ${o.kind}: kubectl-rollouts creates ${known} (use kubectl apply for other kinds)`);
  }
  return E.right(k);
}

/** `rollout.argoproj.io`, `service`. */
export const kindWithGroup = (k: ResourceKind) => `${k.kind.toLowerCase()}${k.group !== '' ? `.${k.group}` : ''}`;

async function create(ctx: CommandContext, files: readonly string[], flags: ClusterFlags): Promise<number> {
  const docs = readManifests(files, ctx.io);
  if (docs === undefined) return EXIT.unreadable;
  const kinds: ResourceKind[] = [];
  for (const d of docs) {
    const k = creatableKind(d.object);
    if (E.isLeft(k)) return ctx.fail(`${d.file} (document ${d.doc}, line ${d.line}): ${k.left}`);
    kinds.push(k.right);
  }
  const cluster = ctx.cluster(flags);
  if (cluster === undefined) return EXIT.failed;
  for (const [i, d] of docs.entries()) {
    const k = kinds[i]!;
    const meta = (d.object as { metadata?: { namespace?: string } }).metadata;
    const ns = k.namespaced ? (flags.namespace ?? meta?.namespace ?? cluster.namespace) : undefined;
    if (k.namespaced && meta?.namespace != null && flags.namespace !== undefined && meta.namespace !== flags.namespace) {
      return ctx.fail(`${d.file} (document ${d.doc}): the namespace of the object ("${meta.namespace}") does not match -n "${flags.namespace}"`);
    }
    const r = await cluster.create<{ metadata?: { name?: string } }>(k, ns, d.object);
    if (E.isLeft(r)) {
      if (r.left._tag === 'ObjectConflict') return ctx.fail(`${kindWithGroup(k)} "${(d.object as { metadata?: { name?: string } }).metadata?.name ?? ''}" already exists${ns !== undefined ? ` in namespace "${ns}"` : ''}`);
      return ctx.failWith(r.left);
    }
    ctx.io.stdout.write(`${kindWithGroup(k)}/${r.right.metadata?.name ?? ''} created\n`);
  }
  return EXIT.ok;
}

/** Register `create`. */
export function registerCreate(program: Command, ctx: CommandContext, setExit: (code: number) => void): void {
  withClusterFlags(program.command('create').description('Create the objects of manifest files (Rollouts, AnalysisTemplates, Experiments, Services...)'))
    .requiredOption('-f, --filename <file>', 'manifest file (YAML or JSON, several documents allowed; - for stdin); repeatable', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .action(async (flags: ClusterFlags & { filename: string[] }) => setExit(await create(ctx, flags.filename, flags)));
}
