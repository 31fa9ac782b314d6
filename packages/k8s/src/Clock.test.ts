import { MAX_TIMER_MS, systemClock } from './Clock';

describe('systemClock.setTimeout', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each<[string, number, number]>([
    ['a delay Node takes as it is', 1_000, 1_000],
    ['a negative delay: at once', -5, 0],
    ['NaN: at once', Number.NaN, 0],
    ['30 days, beyond what a Node timer holds: at the longest it holds (never after 1 ms, as Node would)', 30 * 86_400_000, MAX_TIMER_MS],
    ['a pause of 2147483647 seconds', 2_147_483_647_000, MAX_TIMER_MS],
  ])('%s', (_name, ms, expected) => {
    const spy = jest.spyOn(global, 'setTimeout');
    const timer = systemClock.setTimeout(() => undefined, ms);
    timer.cancel();
    expect(spy).toHaveBeenCalledWith(expect.any(Function), expected);
  });
});
