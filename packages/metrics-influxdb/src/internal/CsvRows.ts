/**
 * RFC 4180 CSV as InfluxDB writes it (Go's `encoding/csv`): comma-separated fields, CRLF or LF line ends,
 * fields optionally in double quotes (`""` is a quote inside them, and they may span lines). A quote inside
 * an unquoted field, or an unterminated quoted field, is an error, as in Go's strict reader.
 */
import * as E from 'fp-ts/lib/Either';

/** Split `text` into rows of fields; an empty line is a row with one empty field. */
export function csvRows(text: string): E.Either<string, string[][]> {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let line = 1;
  let i = 0;
  const n = text.length;
  const endRow = () => {
    row.push(field);
    rows.push(row);
    row = [];
    field = '';
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '"' && field === '') {
      // a quoted field
      const startLine = line;
      i++;
      for (;;) {
        if (i >= n) return E.left(`CSV: extraneous or missing " in quoted-field (record on line ${startLine})`);
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        if (q === '\r' && text[i + 1] === '\n') {
          i++;
          continue; // CRLF inside a quoted field reads as LF, as in Go
        }
        field += q;
        i++;
      }
      const after = text[i];
      if (after !== undefined && after !== ',' && after !== '\n' && after !== '\r') return E.left(`CSV: extraneous or missing " in quoted-field (line ${line})`);
      // a "" field is followed by , or a line end: fall through to the separators below
      if (after === undefined) {
        endRow();
        return E.right(rows);
      }
      continue;
    }
    if (c === ',') {
      row.push(field);
      field = '';
      i++;
      continue;
    }
    if (c === '\r' && text[i + 1] === '\n') {
      endRow();
      line++;
      i += 2;
      continue;
    }
    if (c === '\n') {
      endRow();
      line++;
      i++;
      continue;
    }
    if (c === '"') return E.left(`CSV: bare " in non-quoted-field (line ${line})`);
    field += c;
    i++;
  }
  if (field !== '' || row.length > 0) endRow();
  return E.right(rows);
}
