/**
 * Kubernetes label selector strings (`labels.Parse`), as the global `subscriptions` use them:
 * `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, joined with `,`. The empty selector matches all.
 */
import * as E from 'fp-ts/lib/Either';

export type Requirement =
  | { readonly op: 'eq' | 'ne'; readonly key: string; readonly value: string }
  | { readonly op: 'in' | 'notin'; readonly key: string; readonly values: ReadonlyArray<string> }
  | { readonly op: 'exists' | 'notexists'; readonly key: string };

export type Selector = ReadonlyArray<Requirement>;

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas outside parentheses. */
const splitTop = (s: string): string[] => {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
};

export function parseSelector(s: string): E.Either<string, Selector> {
  if (s.trim() === '') return E.right([]);
  const reqs: Requirement[] = [];
  for (const raw of splitTop(s)) {
    const part = raw.trim();
    let m: RegExpExecArray | null;
    let req: Requirement;
    if ((m = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part)) !== null) {
      const values = m[3]!.split(',').map((v) => v.trim());
      if (values.some((v) => !VALUE.test(v))) return E.left(`invalid label value in "${part}"`);
      req = { op: m[2] as 'in' | 'notin', key: m[1]!, values };
    } else if ((m = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part)) !== null) {
      if (!VALUE.test(m[3]!)) return E.left(`invalid label value "${m[3]}"`);
      req = { op: m[2] === '!=' ? 'ne' : 'eq', key: m[1]!, value: m[3]! };
    } else if ((m = /^!\s*(\S+)$/.exec(part)) !== null) {
      req = { op: 'notexists', key: m[1]! };
    } else if (/^\S+$/.test(part)) {
      req = { op: 'exists', key: part };
    } else return E.left(`cannot parse "${part}"`);
    if (!KEY.test(req.key)) return E.left(`invalid label key "${req.key}"`);
    reqs.push(req);
  }
  return E.right(reqs);
}

export function matchesSelector(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = labels[r.key];
    switch (r.op) {
      case 'eq':
        return has && v === r.value;
      case 'ne':
        return !has || v !== r.value;
      case 'in':
        return has && r.values.includes(v!);
      case 'notin':
        return !has || !r.values.includes(v!);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}
