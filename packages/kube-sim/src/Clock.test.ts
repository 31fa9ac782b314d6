import { rfc3339, rfc3339Micro, VirtualClock } from './Clock';

describe('VirtualClock', () => {
  it('runs callbacks in due order as time advances, including ones scheduled meanwhile', () => {
    const c = new VirtualClock(0);
    const log: string[] = [];
    c.schedule(300, () => log.push(`b@${c.now()}`));
    c.schedule(100, () => {
      log.push(`a@${c.now()}`);
      c.schedule(50, () => log.push(`a2@${c.now()}`));
    });
    const cancel = c.schedule(200, () => log.push('cancelled'));
    cancel();
    c.advance(120);
    expect(log).toEqual(['a@100']);
    c.advance(1000);
    expect(log).toEqual(['a@100', 'a2@150', 'b@300']);
    expect(c.now()).toBe(1120);
    expect(c.pendingTimers()).toBe(0);
  });

  it('runs zero-delay callbacks without advancing', async () => {
    const c = new VirtualClock(0);
    let ran = false;
    c.schedule(0, () => (ran = true));
    await Promise.resolve();
    expect(ran).toBe(true);
  });
});

describe('timestamps', () => {
  it('formats metav1.Time and MicroTime', () => {
    expect(rfc3339(Date.UTC(2025, 0, 2, 3, 4, 5, 678))).toBe('2025-01-02T03:04:05Z');
    expect(rfc3339Micro(Date.UTC(2025, 0, 2, 3, 4, 5, 678))).toBe('2025-01-02T03:04:05.678000Z');
  });
});
