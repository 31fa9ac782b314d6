/**
 * `rollouts-controller`: parse the flags, start the controller and its endpoints, and stop on SIGINT or
 * SIGTERM.
 *
 * The stop is bounded by `--shutdown-timeout` (default 8 s), whatever the API server does: first gracefully
 * (in-flight reconciles finish, the Lease is released, Events in flight are written), and if that has not
 * ended by the deadline, the process logs what was still pending and exits 0 anyway. A signal works at any
 * time, also while the caches are still waiting for an unreachable API server. A second signal exits at
 * once (130 after SIGINT, 143 after SIGTERM).
 *
 * Exit codes: 0 after a stop on a signal, 1 when leadership was lost or the controller could not start,
 * 2 on bad flags, 130/143 on a second signal.
 */
import * as E from 'fp-ts/lib/Either';
import { openControllerApp, VERSION, type ControllerApp } from './ControllerApp';
import { helpText, parseFlags } from './Flags';
import { createLogger } from './Logging';

export interface Io {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the process is asked to stop (the first SIGINT/SIGTERM). */
  readonly stopSignal: Promise<string>;
  /** Resolves when it is asked again while stopping (the second signal): exit at once. */
  readonly forceSignal?: Promise<string>;
}

/** The exit code after a second signal: 128 + the signal's number, as shells report it. */
const forcedExitCode = (signal: string): number => (signal === 'SIGINT' ? 130 : 143);

/** Run the controller until `io.stopSignal`; resolves with the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseFlags(argv, io.env);
  if (E.isLeft(parsed)) {
    io.stderr.write(`rollouts-controller: ${parsed.left}\n`);
    return 2;
  }
  const config = parsed.right;
  if (config.help) {
    io.stdout.write(helpText());
    return 0;
  }
  if (config.version) {
    io.stdout.write(`rollouts-controller ${VERSION}\n`);
    return 0;
  }
  const log = createLogger({ level: config.logLevel, format: config.logFormat, out: io.stderr });
  let lost: () => void = () => undefined;
  const leadershipLost = new Promise<string>((resolve) => {
    lost = () => resolve('leadership lost');
  });
  let app: ControllerApp;
  try {
    app = await openControllerApp({ config, log, env: io.env, onLeadershipLost: () => lost() });
  } catch (e) {
    log.error('cannot start', { error: e instanceof Error ? e.message : String(e) });
    return 1;
  }
  const why = await Promise.race([io.stopSignal, leadershipLost]);
  const code = why === 'leadership lost' ? 1 : 0;
  const timeoutMs = config.shutdownTimeoutMs;
  const t0 = Date.now();
  log.info('stopping', { reason: why, shutdownTimeoutMs: timeoutMs });

  let deadline: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    app.stop().then(
      () => ({ kind: 'stopped' as const }),
      (e: unknown) => ({ kind: 'failed' as const, error: e instanceof Error ? e.message : String(e) }),
    ),
    new Promise<{ kind: 'deadline' }>((resolve) => {
      deadline = setTimeout(() => resolve({ kind: 'deadline' }), timeoutMs);
    }),
    ...(io.forceSignal !== undefined ? [io.forceSignal.then((signal) => ({ kind: 'forced' as const, signal }))] : []),
  ]);
  clearTimeout(deadline);
  const tookMs = Date.now() - t0;
  switch (outcome.kind) {
    case 'stopped':
      log.info('stopped', { tookMs });
      return code;
    case 'failed':
      log.error('graceful stop failed; exiting', { error: outcome.error, tookMs });
      return code;
    case 'deadline':
      log.warn('shutdown timeout reached; exiting without waiting any longer', { pending: app.waitingFor().join('; ') || '(nothing named)', shutdownTimeoutMs: timeoutMs });
      return code;
    case 'forced':
      log.warn(`second ${outcome.signal}: exiting now`, { pending: app.waitingFor().join('; ') || '(nothing named)', tookMs });
      return forcedExitCode(outcome.signal);
  }
}

/** SIGINT/SIGTERM as promises: `stop` resolves on the first, `force` on the second. */
export function processSignals(): { readonly stop: Promise<string>; readonly force: Promise<string> } {
  let count = 0;
  let onStop: (s: string) => void = () => undefined;
  let onForce: (s: string) => void = () => undefined;
  const stop = new Promise<string>((resolve) => (onStop = resolve));
  const force = new Promise<string>((resolve) => (onForce = resolve));
  const on = (signal: string) => () => {
    count++;
    if (count === 1) onStop(signal);
    else onForce(signal);
  };
  process.on('SIGINT', on('SIGINT'));
  process.on('SIGTERM', on('SIGTERM'));
  return { stop, force };
}
