import { createWorkQueue } from '@rollouts/k8s';
import { done, panicMessage, retry, runReconcileLoop, type ReconcileOutcome, type ReconcilePanic } from './ReconcileLoop';

/** A logger that keeps what was logged at error level. */
function errors() {
  const lines: Array<{ message: string; fields?: Readonly<Record<string, unknown>> }> = [];
  return { lines, log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (message: string, fields?: Readonly<Record<string, unknown>>) => void lines.push({ message, ...(fields !== undefined ? { fields } : {}) }) } };
}

/**
 * Run a loop over one key whose reconciles follow `script` (an Error is thrown, an outcome returned), until the
 * script is used up; answers the panics the hook saw and the backoff of the key at each reconcile.
 */
async function drive(script: ReadonlyArray<Error | string | ReconcileOutcome>, onPanic?: (p: ReconcilePanic) => Promise<void>) {
  const queue = createWorkQueue({ baseDelayMs: 1, maxDelayMs: 8, qps: 10_000, burst: 10_000 });
  const panics: ReconcilePanic[] = [];
  const requeues: number[] = [];
  const { lines, log } = errors();
  let i = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const loop = runReconcileLoop({
    name: 'test',
    queue,
    workers: 1,
    log,
    onPanic: async (p) => {
      panics.push(p);
      await onPanic?.(p);
    },
    reconcile: async (key) => {
      requeues.push(queue.numRequeues(key));
      const step = script[i++];
      if (i >= script.length) finish();
      if (step === undefined) return done();
      if (step instanceof Error) throw step;
      if (typeof step === 'string') throw step;
      return step;
    },
  });
  queue.add('ns/a');
  await finished;
  // let the last key finish before shutting down
  await new Promise((r) => setTimeout(r, 20));
  queue.shutdown();
  await loop;
  return { panics, requeues, lines };
}

describe('runReconcileLoop: a reconcile that throws', () => {
  it('is retried with the key’s backoff, and the hook hears each throw with its count and whether the message is new', async () => {
    const { panics, requeues } = await drive([new Error('boom'), new Error('boom'), new Error('other'), new Error('boom'), done()]);
    expect(panics.map((p) => [p.key, p.message, p.attempts, p.newMessage])).toEqual([
      ['ns/a', 'boom', 1, true],
      ['ns/a', 'boom', 2, false],
      ['ns/a', 'other', 3, true],
      ['ns/a', 'boom', 4, false],
    ]);
    // each throw counts as a failure of the key (exponential backoff), as a Retry does
    expect(requeues).toEqual([0, 1, 2, 3, 4]);
  });

  it('a Done ends the streak: the next throw is attempt 1 and its message new again; a Retry does not', async () => {
    const { panics } = await drive([new Error('boom'), retry('conflict'), new Error('boom'), done(1), new Error('boom'), done()]);
    expect(panics.map((p) => [p.attempts, p.newMessage])).toEqual([
      [1, true],
      [2, false],
      [1, true],
    ]);
  });

  it('logs the stack, hands the hook the first line of the message only', async () => {
    const e = new Error('first line\nsecond line');
    const { panics, lines } = await drive([e, done()]);
    expect(panics[0]!.message).toBe('first line');
    expect(panics[0]!.error).toBe(e);
    expect(lines[0]!.message).toBe('test reconcile threw');
    expect(String(lines[0]!.fields?.['error'])).toContain('second line');
    expect(String(lines[0]!.fields?.['error'])).toContain('ReconcileLoop.test.ts');
  });

  it('a hook that fails is logged and does not stop the worker', async () => {
    const { panics, lines, requeues } = await drive([new Error('boom'), new Error('boom'), done()], async () => {
      throw new Error('hook broke');
    });
    expect(panics).toHaveLength(2);
    expect(requeues).toHaveLength(3);
    expect(lines.filter((l) => l.message === 'test could not report a reconcile that threw')).toHaveLength(2);
  });
});

describe('panicMessage', () => {
  it.each([
    [new Error('plain'), 'plain'],
    [new TypeError("Cannot read properties of undefined (reading 'x')"), "Cannot read properties of undefined (reading 'x')"],
    [Object.assign(new Error(''), { name: 'RangeError' }), 'RangeError'],
    ['a string', 'a string'],
    [42, '42'],
    [undefined, 'undefined'],
    ['', 'unknown error'],
  ])('%p -> %p', (thrown, message) => expect(panicMessage(thrown)).toBe(message));

  it('is bounded', () => {
    const m = panicMessage(new Error('x'.repeat(5000)));
    expect(m.length).toBe(512);
    expect(m.endsWith('...')).toBe(true);
  });

  it('survives a value that cannot be printed', () => {
    const hostile = { toString: () => { throw new Error('no'); } };
    expect(panicMessage(hostile)).toBe('a value that cannot be printed');
  });
});
