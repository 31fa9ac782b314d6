// The controller process as bin/rollouts-controller.js runs it, but from the sources (see register-ts.js).
import { main, processSignals } from '../src/main';

const signals = processSignals();
main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, stopSignal: signals.stop, forceSignal: signals.force }).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`rollouts-controller: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
