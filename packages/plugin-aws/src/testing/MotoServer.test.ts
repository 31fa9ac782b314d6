import { describeWithMoto, motoServerPath, type TestGlobals } from './MotoServer';

/** A recording stand-in for jest's globals, so the helper's choice can be observed. */
function recordingGlobals() {
  const calls: string[] = [];
  const tests: Array<{ name: string; fn: () => unknown }> = [];
  const describe = Object.assign((n: string, fn: () => void) => {
    calls.push(`describe ${n}`);
    fn();
  }, { skip: (n: string) => void calls.push(`describe.skip ${n}`) });
  const g: TestGlobals = {
    describe,
    test: (n, fn) => void tests.push({ name: n, fn }),
    beforeAll: () => void calls.push('beforeAll'),
    afterAll: () => void calls.push('afterAll'),
  };
  return { g, calls, tests };
}

const missing = { ROLLOUTS_MOTO_SERVER: '/nonexistent/moto_server' };

test('motoServerPath: an explicit path that does not exist is "not installed"', () => {
  expect(motoServerPath(missing)).toBeUndefined();
});

test('without moto under CI=true: one failing test that says how to install it', async () => {
  const r = recordingGlobals();
  describeWithMoto('x', () => r.calls.push('body'), { env: { ...missing, CI: 'true' }, globals: r.g });
  expect(r.calls).toEqual(['describe x']);
  expect(r.tests.map((t) => t.name)).toEqual(['moto is installed (required under CI)']);
  expect(() => r.tests[0]?.fn()).toThrow(/tools\/moto\/setup.sh/);
});

test('without moto outside CI: the block is skipped and the reason printed', () => {
  const r = recordingGlobals();
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  describeWithMoto('x', () => r.calls.push('body'), { env: missing, globals: r.g });
  expect(r.calls).toEqual(['describe.skip x']);
  expect(warn).toHaveBeenCalledWith(expect.stringContaining('SKIPPED "x": moto_server is not installed'));
  warn.mockRestore();
});

test('with moto found: a describe with start and stop hooks around the body', () => {
  // Only the existence of the file is checked when choosing; any existing file stands in for moto_server here.
  const r = recordingGlobals();
  describeWithMoto('x', () => r.calls.push('body'), { env: { ROLLOUTS_MOTO_SERVER: process.execPath }, globals: r.g });
  expect(r.calls).toEqual(['describe x', 'beforeAll', 'afterAll', 'body']);
});
