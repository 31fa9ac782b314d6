/**
 * Kubernetes-style JSONPath (`{$.data.ok}`), the common subset web metrics use: the root `$`, child names
 * (`.name`, `['name']`, `["na.me"]`), array indexes (`[0]`, `[-1]`), wildcards (`.*`, `[*]`) and recursive
 * descent (`..name`). Filters, unions, slices and text outside the braces are refused with a clear error
 * rather than guessed at. As in Kubernetes, a missing key is an error ("… is not found"), while a wildcard
 * over an empty array simply matches nothing.
 */
import * as E from 'fp-ts/lib/Either';

/** One step of a parsed path. */
export type JsonPathStep =
  | { readonly _tag: 'Child'; readonly name: string }
  | { readonly _tag: 'Index'; readonly index: number }
  | { readonly _tag: 'Wildcard' }
  | { readonly _tag: 'Descend'; readonly name: string | null };

/** A parsed path: the source text and its steps. */
export interface JsonPath {
  readonly source: string;
  readonly steps: ReadonlyArray<JsonPathStep>;
}

const NAME = /^[A-Za-z0-9_\-$@]+/;

/** Parse a `{…}` JSONPath template; the error says what is unsupported and where. */
export function parseJsonPath(source: string): E.Either<string, JsonPath> {
  const text = source.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) {
    return E.left(`JSONPath ${JSON.stringify(source)} must be one expression in braces, such as {$.data.ok}`);
  }
  const inner = text.slice(1, -1).trim();
  if (inner.includes('{') || inner.includes('}')) return E.left(`JSONPath ${JSON.stringify(source)}: only one {…} expression is supported`);
  const fail = (pos: number, why: string) => E.left(`unsupported JSONPath ${JSON.stringify(source)} at ${JSON.stringify(inner.slice(pos))}: ${why}`);
  if (/^range\b|^end\b/.test(inner)) return fail(0, 'range/end templates are not supported');
  const steps: JsonPathStep[] = [];
  let i = inner.startsWith('$') ? 1 : 0;
  while (i < inner.length) {
    const rest = inner.slice(i);
    if (rest.startsWith('..')) {
      const m = NAME.exec(rest.slice(2));
      if (rest[2] === '*') {
        steps.push({ _tag: 'Descend', name: null });
        i += 3;
      } else if (m !== null) {
        steps.push({ _tag: 'Descend', name: m[0] });
        i += 2 + m[0].length;
      } else return fail(i, 'expected a name or * after ..');
    } else if (rest.startsWith('.')) {
      if (rest[1] === '*') {
        steps.push({ _tag: 'Wildcard' });
        i += 2;
        continue;
      }
      if (rest.length === 1 && steps.length === 0) break; // `{.}` is the root, like `{$}`
      const m = NAME.exec(rest.slice(1));
      if (m === null) return fail(i, 'expected a name after .');
      steps.push({ _tag: 'Child', name: m[0] });
      i += 1 + m[0].length;
    } else if (rest.startsWith('[')) {
      const close = rest.indexOf(']');
      if (close < 0) return fail(i, 'unclosed [');
      const body = rest.slice(1, close).trim();
      let quoted: RegExpExecArray | null;
      if (body === '*') steps.push({ _tag: 'Wildcard' });
      else if (/^-?\d+$/.test(body)) steps.push({ _tag: 'Index', index: Number(body) });
      else if ((quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(body)) !== null) steps.push({ _tag: 'Child', name: quoted[1] ?? quoted[2] ?? '' });
      else if (body.startsWith('?')) return fail(i, 'filters ([?(…)]) are not supported');
      else if (body.includes(':')) return fail(i, 'slices ([a:b]) are not supported');
      else if (body.includes(',')) return fail(i, 'unions ([a,b]) are not supported');
      else return fail(i, `cannot read [${body}]`);
      i += close + 1;
    } else if (steps.length === 0 && i === 0 && NAME.test(rest)) {
      // `{data.ok}`: Kubernetes reads a leading name as a child of the root.
      const m = NAME.exec(rest)!;
      steps.push({ _tag: 'Child', name: m[0] });
      i += m[0].length;
    } else if (/^\s/.test(rest)) {
      return fail(i, 'spaces and operators are not supported');
    } else return fail(i, 'expected ., .. or [');
  }
  return E.right({ source, steps });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `v` and everything inside it, in document order, without recursion (any depth). */
function descendants(v: unknown, out: unknown[]): void {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    out.push(x);
    const children = Array.isArray(x) ? x : isObject(x) ? Object.values(x) : [];
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}

/** Every value `path` selects in `doc`, in document order; an error when a key or index is missing. */
export function evaluateJsonPath(path: JsonPath, doc: unknown): E.Either<string, unknown[]> {
  let current: unknown[] = [doc];
  for (const step of path.steps) {
    const next: unknown[] = [];
    for (const v of current) {
      switch (step._tag) {
        case 'Child':
          if (!isObject(v) || !Object.prototype.hasOwnProperty.call(v, step.name)) return E.left(`${step.name} is not found`);
          next.push(v[step.name]);
          break;
        case 'Index': {
          if (!Array.isArray(v)) return E.left(`[${step.index}] is not found: the value is not an array`);
          const at = step.index < 0 ? v.length + step.index : step.index;
          if (at < 0 || at >= v.length) return E.left(`array index out of bounds: index ${step.index}, length ${v.length}`);
          next.push(v[at]);
          break;
        }
        case 'Wildcard':
          // A loop, not `push(...v)`: spreading an array of a million elements overflows the call stack.
          if (Array.isArray(v)) for (const x of v) next.push(x);
          else if (isObject(v)) for (const x of Object.values(v)) next.push(x);
          break;
        case 'Descend': {
          const all: unknown[] = [];
          descendants(v, all);
          for (const d of all) {
            if (step.name === null) {
              if (d !== v) next.push(d);
            } else if (isObject(d) && Object.prototype.hasOwnProperty.call(d, step.name)) next.push(d[step.name]);
          }
          break;
        }
      }
    }
    current = next;
  }
  return E.right(current);
}
