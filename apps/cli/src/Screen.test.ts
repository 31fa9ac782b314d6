import { frame, screenOn } from './Screen';
import { alignColumns } from './Table';

describe('frame', () => {
  it('moves home, rewrites each line clearing its end, then clears the rest of the screen; never clears the whole screen', () => {
    const f = frame(['a', 'bb']);
    expect(f).toBe('\u001b[Ha\u001b[K\nbb\u001b[K\n\u001b[J');
    expect(f).not.toContain('\u001b[2J');
  });
});

describe('screenOn', () => {
  it('on a terminal: hides the cursor once, draws frames, skips identical frames, shows the cursor on close', () => {
    let out = '';
    const s = screenOn({ write: (x: string) => (out += x) }, true);
    s.draw(['one']);
    s.draw(['one']);
    s.draw(['two']);
    s.close();
    expect(out).toBe(`\u001b[?25l${frame(['one'])}${frame(['two'])}\u001b[?25h`);
  });
  it('not on a terminal: plain text, one block per change', () => {
    let out = '';
    const s = screenOn({ write: (x: string) => (out += x) }, false);
    s.draw(['one']);
    s.draw(['one']);
    s.draw(['two', 'three']);
    s.close();
    expect(out).toBe('one\n\ntwo\nthree\n\n');
  });
});

describe('alignColumns', () => {
  it('pads every column but the last to its widest cell plus two, ignoring colour escapes, trimming the end', () => {
    expect(alignColumns([['NAME', 'STATUS', 'INFO'], ['\u001b[32mlong-name\u001b[0m', '✔ ok', ''], ['x', 'y', 'z']])).toEqual([
      'NAME       STATUS  INFO',
      '\u001b[32mlong-name\u001b[0m  ✔ ok',
      'x          y       z',
    ]);
  });
});
