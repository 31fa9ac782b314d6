// The `npm start` demo, run in-process with --exit-when-done: it deploys, updates, promotes its indefinite pause
// by itself, ends Healthy and stops cleanly.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runDemo } from '../src/demo';

jest.setTimeout(60_000);

test('the demo runs an update to the end and exits 0', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-demo-test-'));
  let out = '';
  try {
    const code = await runDemo(['--exit-when-done', '--pod-ready', '30ms', '--pause', '1s', '--dir', dir], {
      stdout: { write: (s: string) => (out += s), isTTY: false },
      stderr: { write: (s: string) => (out += s) },
      stopSignal: new Promise(() => undefined),
    });
    expect(code).toBe(0);
    expect(out).toContain('step 3/8: pause  <- waiting for promote'); // 3 of 8 steps completed, as get rollout counts
    expect(out).toContain('--exit-when-done: promoting the indefinite pause');
    expect(out).toContain('Rollout demo completed: revision 2 is stable and takes all traffic.');
    expect(out).toContain('Stopped cleanly.');
    expect(out).toContain(`kubeconfig   ${path.join(dir, 'kubeconfig')}`);
    // How to reach it from a second terminal: the kubeconfig and the plugin from this clone (nothing is on the npm registry).
    expect(out).toContain(`export KUBECONFIG=${path.join(dir, 'kubeconfig')} PATH="$PWD/node_modules/.bin:$PATH"`);
    expect(out).toContain('promote:  kubectl rollouts promote demo');
    expect(out).not.toMatch(/npx |npm install -g/);
    expect(fs.readFileSync(path.join(dir, 'controller.log'), 'utf8')).toContain('msg="reconciled"');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C during the update stops cleanly with exit code 0', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rollouts-demo-test-'));
  let out = '';
  let interrupt: (s: string) => void = () => undefined;
  try {
    const running = runDemo(['--pod-ready', '30ms', '--pause', '1s', '--dir', dir], {
      stdout: {
        write: (s: string) => {
          out += s;
          if (s.includes('waiting for promote')) interrupt('SIGINT');
        },
        isTTY: false,
      },
      stderr: { write: (s: string) => (out += s) },
      stopSignal: new Promise((resolve) => (interrupt = resolve)),
    });
    expect(await running).toBe(0);
    expect(out).toContain('Stopped cleanly.');
    expect(out).not.toContain('completed');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
