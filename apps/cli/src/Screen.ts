/**
 * Redrawing a view in place on a terminal without flicker: move the cursor home, write each line followed by
 * "clear to end of line", then "clear to end of screen". Nothing is ever blanked first, so a line that did not
 * change is rewritten with the same characters and does not blink. The cursor is hidden while watching.
 */

const ESC = '\u001b[';
/** Cursor home. */
export const HOME = `${ESC}H`;
/** Clear from the cursor to the end of the line. */
export const CLEAR_LINE_END = `${ESC}K`;
/** Clear from the cursor to the end of the screen. */
export const CLEAR_SCREEN_END = `${ESC}J`;
export const HIDE_CURSOR = `${ESC}?25l`;
export const SHOW_CURSOR = `${ESC}?25h`;

/** One frame: the whole view, drawn over the previous one. */
export function frame(lines: readonly string[]): string {
  return `${HOME}${lines.map((l) => `${l}${CLEAR_LINE_END}`).join('\n')}\n${CLEAR_SCREEN_END}`;
}

/** Writes frames to a terminal (in place) or, when not a terminal, only frames that differ, one after another. */
export interface Screen {
  draw(lines: readonly string[]): void;
  /** Show the cursor again. */
  close(): void;
}

/** A screen on `out`. */
export function screenOn(out: { write(s: string): unknown }, tty: boolean): Screen {
  let last: string | undefined;
  let started = false;
  return {
    draw(lines) {
      const text = lines.join('\n');
      if (text === last) return;
      last = text;
      if (!tty) {
        out.write(`${text}\n\n`);
        return;
      }
      if (!started) {
        started = true;
        out.write(HIDE_CURSOR);
      }
      out.write(frame(lines));
    },
    close() {
      if (tty && started) out.write(SHOW_CURSOR);
    },
  };
}
