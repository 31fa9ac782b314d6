/**
 * Reading manifests: multi-document YAML (or JSON, which is YAML) into plain objects, each remembering the
 * file and document it came from. YAML is read as Kubernetes reads it (YAML 1.1: merge keys, yes/no
 * booleans); duplicate keys are errors. `kind: List` documents are expanded into their items.
 */
import * as E from 'fp-ts/lib/Either';
import { isCollection, isPair, parseAllDocuments, visit, type YAMLError } from 'yaml';

export interface SourceDocument {
  readonly file: string;
  /** 1-based document number in the file; `3.items[0]` for an item of a List document. */
  readonly doc: string;
  /** 1-based line where the document starts. */
  readonly line: number;
  readonly object: unknown;
}

export interface ParseFailure {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

const lineAt = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

/** Every non-empty document of a file, or the first syntax error with its line and column. */
export function parseDocuments(file: string, text: string): E.Either<ParseFailure, SourceDocument[]> {
  const docs = parseAllDocuments(text, { version: '1.1', merge: true, uniqueKeys: true, prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  const out: SourceDocument[] = [];
  let n = 0;
  for (const doc of list) {
    n += 1;
    const first: YAMLError | undefined = doc.errors[0];
    if (first !== undefined) {
      const pos = first.linePos?.[0];
      return E.left({
        file,
        ...(pos === undefined ? {} : { line: pos.line, column: pos.col }),
        message: first.message.split('\n')[0] ?? first.message,
      });
    }
    const badKey = collectionKey(doc, text);
    if (badKey !== undefined) return E.left({ file, ...badKey });
    const object: unknown = doc.toJS({ maxAliasCount: 100 });
    if (object === null || object === undefined) {
      continue;
    }
    const line = lineAt(text, doc.range[0]);
    if (isList(object)) {
      object.items.forEach((item, i) => out.push({ file, doc: `${n}.items[${i}]`, line, object: item }));
    } else {
      out.push({ file, doc: String(n), line, object });
    }
  }
  return E.right(out);
}

/**
 * A mapping key that is itself a map or a list cannot become JSON. The usual cause is an unquoted
 * `{{...}}` template: YAML reads `{{args.x}}` as a map inside a map.
 */
function collectionKey(doc: ReturnType<typeof parseAllDocuments>[number], text: string): Omit<ParseFailure, 'file'> | undefined {
  let found: Omit<ParseFailure, 'file'> | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isCollection(pair.key)) {
        const offset = pair.key.range?.[0] ?? 0;
        const before = text.slice(0, offset).split('\n');
        found = {
          line: before.length,
          column: (before[before.length - 1]?.length ?? 0) + 1,
          message: `a mapping key must be a string, not a ${pair.key.constructor.name === 'YAMLSeq' ? 'list' : 'map'} (an unquoted "{{...}}" is read as a map: quote the value)`,
        };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function isList(o: unknown): o is { items: unknown[] } {
  if (typeof o !== 'object' || o === null) return false;
  const r = o as Record<string, unknown>;
  return typeof r.kind === 'string' && r.kind.endsWith('List') && Array.isArray(r.items) && (r.apiVersion === 'v1' || r.apiVersion === undefined);
}
