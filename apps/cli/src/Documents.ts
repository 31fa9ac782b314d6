/**
 * Reading manifests: multi-document YAML (or JSON, which is YAML) into plain objects, each remembering the
 * file and document it came from and where each of its fields is written. YAML is read as Kubernetes reads
 * it (YAML 1.1: merge keys, yes/no booleans); duplicate keys are errors. `kind: List` documents are expanded
 * into their items.
 *
 * The whole text is parsed once, with one line counter: the time is linear in the size of the file.
 */
import * as E from 'fp-ts/lib/Either';
import { isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Node, type YAMLError, type YAMLMap } from 'yaml';

/** A 1-based line and column. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface SourceDocument {
  readonly file: string;
  /** 1-based document number in the file; `3.items[0]` for an item of a List document. */
  readonly doc: string;
  /** 1-based line where the document starts. */
  readonly line: number;
  readonly object: unknown;
  /**
   * Where the field at `path` (`spec.strategy.canary.steps[2].setWeight`) is written: the key of a mapping
   * entry, the item of a list. A path that does not reach a node gives the deepest one it reaches; a document
   * not read from YAML gives its start.
   */
  readonly positionOf?: (path: string) => Position;
}

export interface ParseFailure {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

type YamlDocument = ReturnType<typeof parseAllDocuments>[number];

/** Every non-empty document of a file, or the first syntax error with its line and column. */
export function parseDocuments(file: string, text: string): E.Either<ParseFailure, SourceDocument[]> {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { version: '1.1', merge: true, uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  const list = Array.isArray(docs) ? docs : [docs];
  const at = (offset: number): Position => {
    const p = lines.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const out: SourceDocument[] = [];
  let n = 0;
  for (const doc of list) {
    n += 1;
    const first: YAMLError | undefined = doc.errors[0];
    if (first !== undefined) {
      const pos = at(first.pos[0]);
      return E.left({ file, line: pos.line, column: pos.column, message: first.message.split('\n')[0] ?? first.message });
    }
    const badKey = collectionKey(doc, at);
    if (badKey !== undefined) return E.left({ file, ...badKey });
    const object: unknown = doc.toJS({ maxAliasCount: 100 });
    if (object === null || object === undefined) {
      continue;
    }
    const start = at(doc.contents?.range?.[0] ?? doc.range[0]);
    const positionIn = (prefix: string) => (path: string): Position => nodePosition(doc.contents, `${prefix}${path}`, at) ?? start;
    if (isList(object)) {
      object.items.forEach((item, i) => out.push({ file, doc: `${n}.items[${i}]`, line: start.line, object: item, positionOf: positionIn(`items[${i}].`) }));
    } else {
      out.push({ file, doc: String(n), line: start.line, object, positionOf: positionIn('') });
    }
  }
  return E.right(out);
}

/** `spec.steps[2].setWeight` as keys and indexes; a key written `[name.with.dots]` or `["..."]` stays whole. */
export function pathSegments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]|\[([^\]]*)\]|([^.[\]]+)/g;
  for (let m = re.exec(path); m !== null; m = re.exec(path)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(m[2].replace(/\\(.)/g, '$1'));
    else if (m[3] !== undefined) out.push(m[3]);
    else if (m[4] !== undefined) out.push(m[4]);
  }
  return out;
}

/** The position of the node a field path names (see `SourceDocument.positionOf`), or undefined at the root. */
function nodePosition(root: unknown, path: string, at: (offset: number) => Position): Position | undefined {
  const segments = pathSegments(path);
  let node: unknown = root;
  let found: Position | undefined;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as string | number;
    if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (item === undefined) break;
      const start = (item as Node).range?.[0];
      if (start !== undefined) found = at(start);
      node = item;
    } else if (isMap(node)) {
      const items = (node as YAMLMap<unknown, unknown>).items;
      // A key may itself contain dots (`app.kubernetes.io/name`): try the longest run of segments first.
      let matched = false;
      for (let j = segments.length; j > i && !matched; j--) {
        const key = segments.slice(i, j).join('.');
        const pair = items.find((p) => isScalar(p.key) && String(p.key.value) === key);
        if (pair === undefined) continue;
        const start = (pair.key as Node).range?.[0];
        if (start !== undefined) found = at(start);
        node = pair.value;
        i = j - 1;
        matched = true;
      }
      if (!matched) break;
    } else {
      break;
    }
  }
  return found;
}

/**
 * A mapping key that is itself a map or a list cannot become JSON. The usual cause is an unquoted
 * `{{...}}` template: YAML reads `{{args.x}}` as a map inside a map.
 */
function collectionKey(doc: YamlDocument, at: (offset: number) => Position): Omit<ParseFailure, 'file'> | undefined {
  let found: Omit<ParseFailure, 'file'> | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isCollection(pair.key)) {
        const pos = at(pair.key.range?.[0] ?? 0);
        found = {
          line: pos.line,
          column: pos.column,
          message: `a mapping key must be a string, not a ${isSeq(pair.key) ? 'list' : 'map'} (an unquoted "{{...}}" is read as a map: quote the value)`,
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
