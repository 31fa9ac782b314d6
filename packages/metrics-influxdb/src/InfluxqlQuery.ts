/**
 * InfluxQL queries for InfluxDB 1.x (this project's extension, see `InfluxdbProfile`): an analysis only
 * reads, so every statement must be a `SELECT` (without `INTO`) or a `SHOW`. InfluxDB 1.x executes even
 * `DROP DATABASE` sent with GET (it only logs a deprecation warning), so this check is the guard.
 */
import * as E from 'fp-ts/lib/Either';

/** The statements of `query` split on `;` outside string literals, identifiers and regexes, trimmed, empty ones dropped. */
export function influxqlStatements(query: string): string[] {
  const statements: string[] = [];
  let current = '';
  let quote: string | null = null;
  let lastSignificant = '';
  for (let i = 0; i < query.length; i++) {
    const c = query[i]!;
    if (quote !== null) {
      current += c;
      if (c === '\\' && i + 1 < query.length) current += query[++i]!;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"' || (c === '/' && lastSignificant === '~')) quote = c;
    if (c === ';') {
      statements.push(current);
      current = '';
      lastSignificant = '';
      continue;
    }
    current += c;
    if (!/\s/.test(c)) lastSignificant = c;
  }
  statements.push(current);
  return statements.map((s) => s.trim()).filter((s) => s !== '');
}

/** The words of a statement outside quotes, upper-cased. */
function wordsOutsideQuotes(statement: string): string[] {
  const bare = statement.replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|~\s*\/(?:\\.|[^/\\])*\//g, ' ');
  return bare.toUpperCase().split(/[^A-Z0-9_]+/).filter((w) => w !== '');
}

/** `query` if every statement only reads, else why not. */
export function checkReadOnlyInfluxql(query: string): E.Either<string, string> {
  const statements = influxqlStatements(query);
  if (statements.length === 0) return E.left('the InfluxQL query is empty');
  for (const [i, s] of statements.entries()) {
    const words = wordsOutsideQuotes(s);
    const first = words[0] ?? '';
    const where = statements.length > 1 ? `statement ${i + 1} ` : '';
    if (first !== 'SELECT' && first !== 'SHOW') return E.left(`${where}starts with ${JSON.stringify(first)}: an analysis query may only read (SELECT or SHOW)`);
    if (first === 'SELECT' && words.includes('INTO')) return E.left(`${where}is a SELECT … INTO, which writes data: an analysis query may only read`);
  }
  return E.right(query);
}
