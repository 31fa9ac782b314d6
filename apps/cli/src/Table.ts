/**
 * Aligned columns, as Go's tabwriter lays them out for kubectl: each column as wide as its widest cell plus
 * the padding, the last column not padded, trailing spaces trimmed. Widths ignore colour escapes. Pure.
 */
import { displayWidth } from './Colors';

/** The rows as lines. `padding` spaces separate columns (default 2). */
export function alignColumns(rows: ReadonlyArray<readonly string[]>, padding = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => {
    if (i < row.length - 1) widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell));
  });
  return rows.map((row) =>
    row
      .map((cell, i) => (i < row.length - 1 ? cell + ' '.repeat((widths[i] ?? 0) - displayWidth(cell) + padding) : cell))
      .join('')
      .replace(/ +$/, ''),
  );
}
