/**
 * Terminal colours: on when stdout is a terminal, off with `--no-color`, `NO_COLOR` or `TERM=dumb`. The same
 * palette as Argo Rollouts' plugin: ✔ green, ✖ and ⚠ red, ◌ bright blue, ? and ◷ yellow; role tags canary
 * yellow, stable and active green, preview/ping/pong bright blue. Pure.
 */
import { ICONS } from './StatusIcons';

/** Paints text, or leaves it alone when colours are off. */
export interface Palette {
  readonly enabled: boolean;
  /** The colour of a status icon. */
  icon(icon: string): string;
  /** The colour of a role tag (`canary`, `stable`...); also used for the name of the ReplicaSet with that tag. */
  tag(tag: string, text?: string): string;
  bold(text: string): string;
}

const SGR = { red: 31, green: 32, yellow: 33, brightBlue: 94 } as const;
const paint = (code: number, s: string) => `\u001b[${code}m${s}\u001b[0m`;

const ICON_COLOURS: Readonly<Record<string, number>> = {
  [ICONS.healthy]: SGR.green,
  [ICONS.degraded]: SGR.red,
  [ICONS.warning]: SGR.red,
  [ICONS.progressing]: SGR.brightBlue,
  [ICONS.unknown]: SGR.yellow,
  [ICONS.pending]: SGR.yellow,
};

const TAG_COLOURS: Readonly<Record<string, number>> = { canary: SGR.yellow, stable: SGR.green, active: SGR.green, preview: SGR.brightBlue, ping: SGR.brightBlue, pong: SGR.brightBlue };

/** A palette that paints (`enabled`) or not. */
export function palette(enabled: boolean): Palette {
  return {
    enabled,
    icon: (icon) => {
      const c = ICON_COLOURS[icon];
      return enabled && c !== undefined ? paint(c, icon) : icon;
    },
    tag: (tag, text = tag) => {
      const c = TAG_COLOURS[tag];
      return enabled && c !== undefined ? paint(c, text) : text;
    },
    bold: (text) => (enabled ? `\u001b[1m${text}\u001b[0m` : text),
  };
}

/** Whether to paint: not with `--no-color`, `NO_COLOR`, `TERM=dumb`, nor when stdout is not a terminal. */
export function coloursWanted(opts: { readonly noColor: boolean; readonly isTTY: boolean; readonly env: Readonly<Record<string, string | undefined>> }): boolean {
  if (opts.noColor || !opts.isTTY) return false;
  if (opts.env['NO_COLOR'] !== undefined && opts.env['NO_COLOR'] !== '') return false;
  return opts.env['TERM'] !== 'dumb';
}

/** The printed width of a string: ANSI escapes left out, one column per code point. */
export function displayWidth(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')].length;
}
