/**
 * `create -f FILE...`: create every object of the files (Rollouts, AnalysisTemplates, Experiments,
 * AnalysisRuns, and the Services, Deployments, Ingresses... that go with them), printing
 * `rollout.argoproj.io/<name> created` per object, kubectl style. Stops at the first failure.
 *
 * `create analysisrun --from TEMPLATE [--global] [-a NAME=VALUE]...`: an AnalysisRun from an
 * AnalysisTemplate (or, with `--global`, a ClusterAnalysisTemplate; or `--from-file`), its arguments
 * resolved, as upstream's `kubectl argo rollouts create analysisrun`.
 */
import { CommanderError, type Command } from 'commander';
import * as E from 'fp-ts/lib/Either';
import type { AnalysisTemplate, ClusterAnalysisTemplate, Rollout } from '@rollouts/api';
import { buildAnalysisRun } from '@rollouts/core';
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

async function create(ctx: CommandContext, files: readonly string[], command: ClusterFlags): Promise<number> {
  const flags = ctx.flags(command);
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

interface AnalysisRunFlags extends ClusterFlags {
  readonly from?: string;
  readonly fromFile?: string;
  readonly global?: boolean;
  readonly name?: string;
  readonly generateName?: string;
  readonly instanceId?: string;
  readonly argument: string[];
}

type Template = AnalysisTemplate | ClusterAnalysisTemplate;

/** A usage error: commander's way (`error: ...` on stderr, exit 2). */
function usage(cmd: Command, message: string): never {
  cmd.error(`error: ${message}`, { exitCode: EXIT.usage, code: 'kubectl-rollouts.usage' });
  throw new CommanderError(EXIT.usage, 'kubectl-rollouts.usage', message);
}

/** `-a NAME=VALUE` pairs, in order. */
export function parseArguments(pairs: readonly string[]): E.Either<string, Array<{ name: string; value: string }>> {
  const out: Array<{ name: string; value: string }> = [];
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) return E.left(`--argument "${p}": expected NAME=VALUE`);
    out.push({ name: p.slice(0, eq), value: p.slice(eq + 1) });
  }
  return E.right(out);
}

async function createAnalysisRun(ctx: CommandContext, cmd: Command, command: AnalysisRunFlags): Promise<number> {
  const flags = ctx.flags(command);
  if ((flags.from === undefined) === (flags.fromFile === undefined)) usage(cmd, 'give the template with exactly one of --from NAME or --from-file FILE');
  if (flags.name !== undefined && flags.generateName !== undefined) usage(cmd, '--name and --generate-name cannot be used together');
  const args = parseArguments(flags.argument);
  if (E.isLeft(args)) return ctx.fail(args.left);
  const cluster = ctx.cluster(flags);
  if (cluster === undefined) return EXIT.failed;
  const ns = cluster.namespace;

  // The template, and (only when it composes others) the templates it may name.
  let template: Template;
  let cluster_ = flags.global === true;
  if (flags.fromFile !== undefined) {
    const docs = readManifests([flags.fromFile], ctx.io);
    if (docs === undefined) return EXIT.unreadable;
    const found = docs.find((d) => ['AnalysisTemplate', 'ClusterAnalysisTemplate'].includes((d.object as { kind?: string }).kind ?? ''));
    if (found === undefined) return ctx.fail(`${flags.fromFile}: no AnalysisTemplate or ClusterAnalysisTemplate in the file`);
    template = found.object as Template;
    cluster_ = (template as { kind?: string }).kind === 'ClusterAnalysisTemplate';
  } else {
    const from = flags.from ?? '';
    const got = await cluster.get<Template>(cluster_ ? Resources.clusterAnalysisTemplates : Resources.analysisTemplates, ns, from);
    if (E.isLeft(got)) {
      if (got.left._tag === 'ObjectNotFound' && got.left.request.name !== undefined) {
        return ctx.fail(cluster_ ? `ClusterAnalysisTemplate "${from}" not found` : `AnalysisTemplate "${from}" not found in namespace "${ns}" (for a ClusterAnalysisTemplate add --global)`);
      }
      return ctx.failWith(got.left);
    }
    template = got.right;
  }
  const templateName = template.metadata?.name ?? '';
  const kindName = cluster_ ? 'ClusterAnalysisTemplate' : 'AnalysisTemplate';
  let templates: Template[] = cluster_ ? [] : [template];
  let clusterTemplates: Template[] = cluster_ ? [template] : [];
  if ((template.spec.templates ?? []).length > 0) {
    const [nsTs, clTs] = await Promise.all([cluster.list<AnalysisTemplate>(Resources.analysisTemplates, ns), cluster.list<ClusterAnalysisTemplate>(Resources.clusterAnalysisTemplates, undefined)]);
    if (E.isLeft(nsTs)) return ctx.failWith(nsTs.left);
    templates = [...templates, ...nsTs.right];
    // A ClusterAnalysisTemplate the user may not list is only needed when one is named.
    if (E.isRight(clTs)) clusterTemplates = [...clusterTemplates, ...clTs.right];
    else if ((template.spec.templates ?? []).some((t) => t.clusterScope === true)) return ctx.failWith(clTs.left);
  }

  const built = buildAnalysisRun({
    rollout: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { namespace: ns }, spec: {} } as unknown as Rollout,
    analysis: { templates: [{ templateName, clusterScope: cluster_ }], args: args.right },
    name: flags.name ?? '',
    labels: flags.instanceId !== undefined ? { 'argo-rollouts.argoproj.io/instance-id': flags.instanceId } : {},
    annotations: {},
    templates: templates as AnalysisTemplate[],
    clusterTemplates: clusterTemplates as ClusterAnalysisTemplate[],
    stablePodHash: '',
    latestPodHash: '',
  });
  if (E.isLeft(built)) {
    const unresolved = /^args\.(.*) was not resolved$/.exec(built.left)?.[1];
    return ctx.fail(unresolved !== undefined ? `argument "${unresolved}" of ${kindName} "${templateName}" has no value: pass --argument ${unresolved}=VALUE` : `${kindName} "${templateName}": ${built.left}`);
  }
  const declared = (built.right.spec.args ?? []).map((a) => a.name);
  const undeclared = args.right.find((a) => !declared.includes(a.name));
  if (undeclared !== undefined) return ctx.fail(`${kindName} "${templateName}" has no argument "${undeclared.name}" (${declared.length === 0 ? 'it takes none' : `its arguments: ${declared.join(', ')}`})`);

  const { name: _name, ...meta } = built.right.metadata ?? {};
  const labels = meta.labels !== undefined && meta.labels !== null && Object.keys(meta.labels).length > 0 ? meta.labels : undefined;
  const run = {
    ...built.right,
    metadata: {
      ...(flags.name !== undefined ? { name: flags.name } : { generateName: flags.generateName ?? `${templateName}-` }),
      namespace: ns,
      ...(labels !== undefined ? { labels } : {}),
    },
  };
  const r = await cluster.create<{ metadata?: { name?: string } }>(Resources.analysisRuns, ns, run);
  if (E.isLeft(r)) {
    if (r.left._tag === 'ObjectConflict') return ctx.fail(`analysisrun.argoproj.io "${flags.name ?? ''}" already exists in namespace "${ns}"`);
    return ctx.failWith(r.left);
  }
  ctx.io.stdout.write(`analysisrun.argoproj.io/${r.right.metadata?.name ?? ''} created\n`);
  return EXIT.ok;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Register `create` and `create analysisrun`. */
export function registerCreate(program: Command, ctx: CommandContext, setExit: (code: number) => void): void {
  const create_ = withClusterFlags(program.command('create').description('Create the objects of manifest files (Rollouts, AnalysisTemplates, Experiments, Services...), or an AnalysisRun from a template'))
    .option('-f, --filename <file>', 'manifest file (YAML or JSON, several documents allowed; - for stdin); repeatable (required)', collect, [] as string[])
    .action(async (flags: ClusterFlags & { filename: string[] }) => setExit(await create(ctx, flags.filename, flags)));
  const ar = withClusterFlags(create_.command('analysisrun').aliases(['ar']).description('Create an AnalysisRun from an AnalysisTemplate (--from), a ClusterAnalysisTemplate (--from --global) or a template file (--from-file)'))
    .option('--from <template>', 'the AnalysisTemplate (with --global: ClusterAnalysisTemplate) to run')
    .option('--from-file <file>', 'a file holding the AnalysisTemplate or ClusterAnalysisTemplate to run')
    .option('--global', '--from names a ClusterAnalysisTemplate')
    .option('--name <name>', 'the name of the AnalysisRun')
    .option('--generate-name <prefix>', 'a prefix the API server completes (default: the template name and a dash)')
    .option('--instance-id <id>', 'the controller instance to run it (label argo-rollouts.argoproj.io/instance-id)')
    .option('-a, --argument <name=value>', 'a value for an argument of the template; repeatable', collect, [] as string[]);
  ar.action(async (flags: AnalysisRunFlags) => setExit(await createAnalysisRun(ctx, ar, flags)));
}
