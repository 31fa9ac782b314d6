/**
 * `rollouts-controller`: parse the flags, start the controller and its endpoints, and stop gracefully on
 * SIGINT or SIGTERM (every worker finishes its reconcile, the Lease is released). Exit codes: 0 after a
 * graceful stop, 1 when leadership was lost or the controller could not start, 2 on bad flags.
 */
import * as E from 'fp-ts/lib/Either';
import { startControllerApp, VERSION } from './ControllerApp';
import { helpText, parseFlags } from './Flags';
import { createLogger } from './Logging';

export interface Io {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM). */
  readonly stopSignal: Promise<string>;
}

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
  let app;
  try {
    app = await startControllerApp({ config, log, env: io.env, onLeadershipLost: () => lost() });
  } catch (e) {
    log.error('cannot start', { error: e instanceof Error ? e.message : String(e) });
    return 1;
  }
  const why = await Promise.race([io.stopSignal, leadershipLost]);
  log.info('stopping', { reason: why });
  await app.stop();
  return why === 'leadership lost' ? 1 : 0;
}

/** Signals as a promise: the first SIGINT or SIGTERM resolves it; a second one exits at once. */
export function stopSignals(): Promise<string> {
  return new Promise((resolve) => {
    let seen = false;
    const on = (signal: string) => () => {
      if (seen) process.exit(130);
      seen = true;
      resolve(signal);
    };
    process.on('SIGINT', on('SIGINT'));
    process.on('SIGTERM', on('SIGTERM'));
  });
}
