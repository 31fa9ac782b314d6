import { createManualClock } from './ManualClock';
import { createWorkQueue, WorkQueue } from './WorkQueue';

/** Everything `get` hands out without waiting, calling `done` on each. */
async function drain(q: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.length() > 0) {
    const k = (await q.get())!;
    out.push(k);
    q.done(k);
  }
  return out;
}

describe('WorkQueue', () => {
  it('hands keys out in FIFO order and deduplicates a key added while queued', async () => {
    const q = createWorkQueue({ clock: createManualClock() });
    for (const k of ['a', 'b', 'a', 'c', 'b']) q.add(k);
    expect(q.length()).toBe(3);
    expect(await drain(q)).toEqual(['a', 'b', 'c']);
  });

  it('re-queues a key added while it is processed only after done, and never hands it out twice at once', async () => {
    const q = createWorkQueue({ clock: createManualClock() });
    q.add('a');
    const k = await q.get();
    expect(k).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.length()).toBe(0);
    q.done('a');
    expect(q.length()).toBe(1);
    expect(await drain(q)).toEqual(['a']);
  });

  it('wakes a waiting get when a key arrives', async () => {
    const q = createWorkQueue({ clock: createManualClock() });
    const pending = q.get();
    q.add('x');
    await expect(pending).resolves.toBe('x');
  });

  it.each([
    // [failures before, expected delay of the next addRateLimited]
    [0, 5],
    [1, 10],
    [2, 20],
    [3, 40],
    [10, 5120],
  ])('backs off exponentially: after %i failures the next wait is %i ms', async (failures, delay) => {
    const clock = createManualClock();
    const q = createWorkQueue({ clock, qps: 1e9, burst: 1e9 });
    for (let i = 0; i < failures; i++) q.addRateLimited('k');
    clock.advance(1e7);
    await drain(q);
    expect(q.numRequeues('k')).toBe(failures);
    q.addRateLimited('k');
    clock.advance(delay - 1);
    expect(q.length()).toBe(0);
    clock.advance(1);
    expect(q.length()).toBe(1);
  });

  it('caps the backoff at maxDelayMs and forget resets it', async () => {
    const clock = createManualClock();
    const q = createWorkQueue({ clock, maxDelayMs: 1_000_000, qps: 1e9, burst: 1e9 });
    for (let i = 0; i < 30; i++) {
      q.addRateLimited('k');
      clock.advance(1_000_000);
      expect(await drain(q)).toEqual(['k']);
    }
    q.addRateLimited('k');
    clock.advance(999_999);
    expect(q.length()).toBe(0);
    clock.advance(1);
    expect(await drain(q)).toEqual(['k']);
    expect(q.numRequeues('k')).toBe(31);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
    q.addRateLimited('k');
    clock.advance(5);
    expect(q.length()).toBe(1);
  });

  it('spreads rate-limited adds beyond the burst at qps', () => {
    const clock = createManualClock();
    const q = createWorkQueue({ clock, qps: 10, burst: 3, baseDelayMs: 1 });
    for (let i = 0; i < 6; i++) q.addRateLimited(`k${i}`);
    // k0..k2 use the burst (ready after their 1 ms backoff); k3, k4, k5 wait 100, 200, 300 ms for tokens
    clock.advance(1);
    expect(q.length()).toBe(3);
    clock.advance(98);
    expect(q.length()).toBe(3);
    clock.advance(1);
    expect(q.length()).toBe(4);
    clock.advance(100);
    expect(q.length()).toBe(5);
    clock.advance(100);
    expect(q.length()).toBe(6);
  });

  it('refills the bucket over time', () => {
    const clock = createManualClock();
    const q = createWorkQueue({ clock, qps: 10, burst: 2, baseDelayMs: 1 });
    q.addRateLimited('a');
    q.addRateLimited('b');
    clock.advance(1000);
    q.addRateLimited('c');
    q.addRateLimited('d');
    clock.advance(1);
    expect(q.length()).toBe(4);
  });

  it('addAfter delays a key, keeps the earliest of several delays, and dedups with a direct add', async () => {
    const clock = createManualClock();
    const q = createWorkQueue({ clock });
    q.addAfter('a', 100);
    q.addAfter('a', 50);
    q.addAfter('a', 500);
    clock.advance(49);
    expect(q.length()).toBe(0);
    clock.advance(1);
    expect(q.length()).toBe(1);
    clock.advance(1000);
    expect(await drain(q)).toEqual(['a']);
    q.addAfter('b', 0);
    expect(q.length()).toBe(1);
    q.addAfter('c', 10);
    q.add('c');
    clock.advance(10);
    expect(await drain(q)).toEqual(['b', 'c']);
  });

  it('shutdown releases waiting workers with undefined, drops pending delays and ignores later adds', async () => {
    const clock = createManualClock();
    const q = createWorkQueue({ clock });
    const w1 = q.get();
    const w2 = q.get();
    q.addAfter('later', 100);
    q.shutdown();
    await expect(w1).resolves.toBeUndefined();
    await expect(w2).resolves.toBeUndefined();
    expect(clock.pending()).toBe(0);
    q.add('x');
    q.addAfter('y', 0);
    q.addRateLimited('z');
    expect(q.length()).toBe(0);
    await expect(q.get()).resolves.toBeUndefined();
    expect(q.isShuttingDown()).toBe(true);
  });

  it('works on the system clock with a real short delay', async () => {
    const q = createWorkQueue();
    const started = Date.now();
    q.addAfter('real', 5);
    await expect(q.get()).resolves.toBe('real');
    expect(Date.now() - started).toBeGreaterThanOrEqual(4);
    q.shutdown();
  });
});
