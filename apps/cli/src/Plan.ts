/**
 * `kubectl-rollouts plan`: what an update of a canary or blue-green Rollout will do, simulated with
 * `planRollout` against an in-memory cluster (see `@rollouts/core`). One Rollout per run: the only one in the
 * files, or `--rollout`. The other documents are the plan's cluster (Services, AnalysisTemplates, the
 * workloadRef target).
 *
 * A canary is scripted by step index (`--analysis fail@2`, `--abort-at 1`, `--promote-at 3`); a blue-green
 * Rollout by promotion phase: `--analysis fail@pre` / `fail@post` for its pre- and post-promotion analyses,
 * `--abort-at pre` (before the active Service switches) or `--abort-at post` (after it, during the
 * post-promotion analysis). It has no steps, so `--promote-at` is refused for it.
 *
 * Output: `-o text` (default) an aligned table whose first row is the Rollout as deployed (the current
 * revision stable, all traffic on it), `-o json` the plan as one JSON document (that row is its `deployed`).
 * STEP reads as `get rollout`'s `Step:` (Argo's): `N/M` is N of the M steps completed. Exit 0 when the plan
 * ends Healthy, 1 when it ends Degraded or Paused (or never finishes), 2 on bad input (options, or a Rollout
 * that does not validate).
 */
import * as E from 'fp-ts/lib/Either';
import { Rollout, decode, validateRollout, validationErrorBody } from '@rollouts/api';
import { formatPlanTime, planRollout, type PlanAnalysisOutcome, type PlanError, type PlanFrame, type PlanOptions, type RolloutPlan } from '@rollouts/core';
import type { SourceDocument } from './Documents';
import { formatProblem, type LintProblem } from './Lint';
import type { Io } from './CommandContext';

/** The exit codes of `plan` (the same numbers as every subcommand's). */
const EXIT_HEALTHY = 0;
/** Ends Degraded or Paused, or never finishes. */
const EXIT_PROBLEMS = 1;
const EXIT_BAD_INPUT = 2;

/** The options as commander hands them over (strings, parsed strictly here). */
export interface PlanCommandOptions {
  readonly filename: ReadonlyArray<string>;
  readonly rollout?: string;
  readonly podReadySeconds?: string;
  readonly analysis: ReadonlyArray<string>;
  readonly abortAt?: string;
  readonly promoteAt?: string;
  readonly setImage?: string;
  /** false with `--no-auto-promote`. */
  readonly autoPromote: boolean;
  readonly output: string;
}

// ---------------------------------------------------------------------------------------------------------
// Option parsing

/** Where a run is made: a canary step index, or `pre` / `post` for a blue-green promotion analysis. */
const parsePoint = (s: string): PlanAnalysisOutcome['step'] => (s === 'pre' || s === 'post' ? s : Number(s));

/** `fail@2` or `inconclusive@0` (a canary step index); `fail@pre` or `inconclusive@post` (blue-green). */
export function parseAnalysisOption(value: string): E.Either<string, PlanAnalysisOutcome> {
  const m = /^(fail|inconclusive)@(\d+|pre|post)$/.exec(value);
  if (m === null || m[2] === undefined)
    return E.left(`--analysis: expected fail@STEP or inconclusive@STEP (STEP: a canary step index, or pre or post for blue-green), got ${JSON.stringify(value)}`);
  return E.right({ phase: m[1] === 'fail' ? 'Failed' : 'Inconclusive', step: parsePoint(m[2]) });
}

/** `--abort-at`: a canary step index, or `pre` / `post` for a blue-green Rollout. */
export function parseAbortAtOption(value: string): E.Either<string, NonNullable<PlanOptions['abortAt']>> {
  if (value === 'pre' || value === 'post') return E.right(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    return E.left(`--abort-at: expected a step index (a whole number >= 0), or pre or post for blue-green, got ${JSON.stringify(value)}`);
  return E.right(Number(value));
}

/** `CONTAINER=IMAGE`, both non-empty. */
export function parseSetImageOption(value: string): E.Either<string, { container: string; image: string }> {
  const eq = value.indexOf('=');
  const container = eq < 0 ? '' : value.slice(0, eq);
  const image = eq < 0 ? '' : value.slice(eq + 1);
  if (container === '' || image === '' || /\s/.test(value)) return E.left(`--set-image: expected CONTAINER=IMAGE, got ${JSON.stringify(value)}`);
  return E.right({ container, image });
}

/** A whole number (a step index or a number of seconds). */
export function parseWholeNumberOption(flag: string, what: string, value: string): E.Either<string, number> {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) return E.left(`${flag}: expected ${what} (a whole number >= 0), got ${JSON.stringify(value)}`);
  return E.right(Number(value));
}

/** Every option as `PlanOptions` (objects left out), or the first problem. */
export function planOptionsOf(opts: PlanCommandOptions): E.Either<string, PlanOptions> {
  const out: { -readonly [K in keyof PlanOptions]: PlanOptions[K] } = {};
  if (opts.output !== 'json' && opts.output !== 'text') return E.left(`--output: expected json or text, got ${JSON.stringify(opts.output)}`);
  if (opts.podReadySeconds !== undefined) {
    const n = parseWholeNumberOption('--pod-ready-seconds', 'seconds', opts.podReadySeconds);
    if (E.isLeft(n)) return n;
    out.podReadySeconds = n.right;
  }
  const analysis: PlanAnalysisOutcome[] = [];
  for (const a of opts.analysis) {
    const parsed = parseAnalysisOption(a);
    if (E.isLeft(parsed)) return parsed;
    analysis.push(parsed.right);
  }
  if (analysis.length > 0) out.analysis = analysis;
  if (opts.abortAt !== undefined) {
    const at = parseAbortAtOption(opts.abortAt);
    if (E.isLeft(at)) return at;
    out.abortAt = at.right;
  }
  if (opts.promoteAt !== undefined) {
    const n = parseWholeNumberOption('--promote-at', 'a step index', opts.promoteAt);
    if (E.isLeft(n)) return n;
    out.promoteAt = n.right;
  }
  if (opts.setImage !== undefined) {
    const parsed = parseSetImageOption(opts.setImage);
    if (E.isLeft(parsed)) return parsed;
    out.setImage = parsed.right;
  }
  if (!opts.autoPromote) out.autoPromote = false;
  return E.right(out);
}

// ---------------------------------------------------------------------------------------------------------
// Output

const counts = (rs: { replicas: number; available: number } | null): string => (rs === null ? '-' : `${rs.available}/${rs.replicas}`);

/** The phase, marked when the frame is also aborted or paused: `Degraded (aborted)`, `Progressing (paused)`. */
export function framePhase(frame: PlanFrame): string {
  const marks: string[] = [];
  if (frame.aborted) marks.push('aborted');
  if (frame.paused && frame.phase !== 'Paused') marks.push('paused');
  return marks.length === 0 ? frame.phase : `${frame.phase} (${marks.join(', ')})`;
}

/**
 * The frames as an aligned table with a header: `T STEP PHASE STABLE CANARY WEIGHT MESSAGE` for a canary;
 * `T PHASE STABLE NEW ACTIVE PREVIEW MESSAGE` for blue-green frames (those with `services`), where NEW is the
 * new revision's ReplicaSet until it is stable and ACTIVE / PREVIEW the pod-template hash each Service selects.
 * Given the number of steps, STEP is `N/M` as `get rollout` shows it (N steps of M completed).
 */
export function formatPlanTable(frames: ReadonlyArray<PlanFrame>, stepCount?: number): string {
  const blueGreen = frames.some((f) => f.services !== undefined);
  const header = blueGreen ? ['T', 'PHASE', 'STABLE', 'NEW', 'ACTIVE', 'PREVIEW', 'MESSAGE'] : ['T', 'STEP', 'PHASE', 'STABLE', 'CANARY', 'WEIGHT', 'MESSAGE'];
  const rows = frames.map((f) =>
    blueGreen
      ? [formatPlanTime(f.t), framePhase(f), counts(f.replicaSets.stable), counts(f.replicaSets.canary), f.services?.active ?? '-', f.services?.preview ?? '-', f.message]
      : [
          formatPlanTime(f.t),
          f.stepIndex === null ? '-' : stepCount === undefined || stepCount === 0 ? String(f.stepIndex) : `${f.stepIndex}/${stepCount}`,
          framePhase(f),
          counts(f.replicaSets.stable),
          counts(f.replicaSets.canary),
          f.weights === null ? '-' : `${f.weights.canary}/${f.weights.stable}`,
          f.message,
        ],
  );
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

const isObj = (u: unknown): u is Record<string, unknown> => typeof u === 'object' && u !== null && !Array.isArray(u);
const isRolloutDoc = (d: SourceDocument): boolean =>
  isObj(d.object) && d.object.kind === 'Rollout' && typeof d.object.apiVersion === 'string' && d.object.apiVersion.startsWith('argoproj.io/');
const nameOf = (d: SourceDocument): string => (isObj(d.object) && isObj(d.object.metadata) && typeof d.object.metadata.name === 'string' ? d.object.metadata.name : '');

/** The Rollout to plan, or the problem (exit 2). */
function pickRollout(docs: ReadonlyArray<SourceDocument>, files: ReadonlyArray<string>, wanted: string | undefined): E.Either<string, SourceDocument> {
  const rollouts = docs.filter(isRolloutDoc);
  const where = files.join(', ');
  if (wanted !== undefined) {
    const found = rollouts.filter((d) => nameOf(d) === wanted);
    if (found.length === 1 && found[0] !== undefined) return E.right(found[0]);
    if (found.length > 1) return E.left(`${found.length} Rollouts named "${wanted}" in ${where}`);
    return E.left(`no Rollout named "${wanted}" in ${where}${rollouts.length === 0 ? '' : ` (found ${rollouts.map((d) => `"${nameOf(d)}"`).join(', ')})`}`);
  }
  if (rollouts.length === 1 && rollouts[0] !== undefined) return E.right(rollouts[0]);
  if (rollouts.length === 0) return E.left(`no Rollout in ${where}`);
  return E.left(`${rollouts.length} Rollouts in ${where} (${rollouts.map((d) => `"${nameOf(d)}"`).join(', ')}): choose one with --rollout NAME`);
}

const exitOfError = (e: PlanError): number => (e._tag === 'PlanNoProgress' || e._tag === 'PlanInitialDeployStuck' ? EXIT_PROBLEMS : EXIT_BAD_INPUT);

/** Run `plan` on documents already read; returns the exit code. */
export function planCommand(docs: ReadonlyArray<SourceDocument>, opts: PlanCommandOptions, io: Io): number {
  const options = planOptionsOf(opts);
  if (E.isLeft(options)) {
    io.stderr.write(`plan: ${options.left}\n`);
    return EXIT_BAD_INPUT;
  }
  const picked = pickRollout(docs, opts.filename, opts.rollout);
  if (E.isLeft(picked)) {
    io.stderr.write(`plan: ${picked.left}\n`);
    return EXIT_BAD_INPUT;
  }
  const doc = picked.right;
  const name = nameOf(doc) || '(unnamed)';
  const decoded = decode(Rollout, doc.object);
  const where = (path: string): { line: number; column: number } => doc.positionOf?.(path) ?? { line: doc.line, column: 1 };
  const problem = (path: string, message: string): LintProblem => ({ file: doc.file, doc: doc.doc, ...where(path), kind: 'Rollout', name, path, message });
  const problems: LintProblem[] = E.isLeft(decoded)
    ? decoded.left.map((e) => problem(e.path, e.detail))
    : validateRollout(decoded.right).map((e) => problem(e.path, validationErrorBody(e)));
  if (E.isLeft(decoded) || problems.length > 0) {
    for (const p of problems) io.stdout.write(`${formatProblem(p)}\n`);
    io.stderr.write(`plan: Rollout "${name}" is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}); fix it first (see kubectl-rollouts lint)\n`);
    return EXIT_BAD_INPUT;
  }
  const objects = docs.filter((d) => d !== doc).map((d) => d.object);
  const steps = decoded.right.spec.strategy?.canary?.steps?.length;
  const result = planRollout(decoded.right, { ...options.right, objects });
  if (E.isLeft(result)) {
    const e = result.left;
    if (e._tag === 'PlanNoProgress' && opts.output === 'text' && e.frames.length > 0) io.stdout.write(formatPlanTable([deployedRow(e.deployed), ...e.frames], steps));
    io.stderr.write(`plan: Rollout "${name}": ${e.message}\n`);
    return exitOfError(e);
  }
  const plan: RolloutPlan = result.right;
  io.stdout.write(opts.output === 'json' ? `${JSON.stringify(plan)}\n` : formatPlanTable([deployedRow(plan.deployed), ...plan.frames], steps));
  const last = plan.frames[plan.frames.length - 1];
  io.stderr.write(`plan: Rollout "${name}" ${endOf(last)} (${plan.frames.length + 1} frames)\n`);
  return last?.phase === 'Healthy' ? EXIT_HEALTHY : EXIT_PROBLEMS;
}

/** The first row: the Rollout as deployed, before the update starts. */
const deployedRow = (f: PlanFrame): PlanFrame => ({ ...f, message: 'deployed: the current revision is stable, 100% of traffic; the update starts' });

/** How the plan ends, in words: the last frame's phase and time, and what it means for the traffic. */
export function endOf(last: PlanFrame | undefined): string {
  if (last === undefined) return 'has no frames';
  const at = `at t=${formatPlanTime(last.t)}`;
  if (last.phase === 'Healthy') return `ends Healthy ${at}: update complete, the new revision is stable and has 100% of traffic`;
  if (last.aborted) return `ends ${framePhase(last)} ${at}: the previous revision is stable again and has 100% of traffic`;
  return `ends ${framePhase(last)} ${at}`;
}
