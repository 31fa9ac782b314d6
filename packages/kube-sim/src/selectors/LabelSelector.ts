/**
 * Label selectors: the string form of `?labelSelector=` (`a=b,c!=d,e in (f,g),h notin (i),j,!k,l>3`)
 * and the `{matchLabels, matchExpressions}` object form used in specs, compiled to one predicate.
 */

/** One requirement of a label selector. */
export type LabelRequirement =
  | { readonly key: string; readonly op: 'in' | 'notin'; readonly values: readonly string[] }
  | { readonly key: string; readonly op: 'exists' | 'doesnotexist' }
  | { readonly key: string; readonly op: 'gt' | 'lt'; readonly value: number };

/** A parsed selector: all requirements must hold. An empty selector matches everything. */
export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
}

/** The object form found in `spec.selector` (metav1.LabelSelector). */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: ReadonlyArray<{ key: string; operator: string; values?: readonly string[] | null }> | null;
}

/** Parse failure, with the text Kubernetes would give after `unable to parse requirement: `. */
export class SelectorParseError extends Error {}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string): string {
  if (key.length === 0 || key.length > 316 || !KEY.test(key)) throw new SelectorParseError(`invalid label key "${key}"`);
  return key;
}

function checkValue(v: string): string {
  if (v.length > 63 || !VALUE.test(v)) throw new SelectorParseError(`invalid label value: "${v}"`);
  return v;
}

/** Split on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Parse the string form; throws {@link SelectorParseError}. */
export function parseLabelSelector(text: string): LabelSelector {
  const trimmed = text.trim();
  if (trimmed === '') return { requirements: [] };
  const requirements: LabelRequirement[] = [];
  for (const raw of splitTop(trimmed)) {
    const part = raw.trim();
    if (part === '') throw new SelectorParseError('found \'\', expected: !, identifier, or \'end of string\'');
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^!\s*([^\s=!<>(),]+)$/))) {
      requirements.push({ key: checkKey(m[1]!), op: 'doesnotexist' });
    } else if ((m = part.match(/^([^\s=!<>(),]+)\s+(in|notin)\s*\(([^()]*)\)$/))) {
      const values = m[3]!.split(',').map((v) => checkValue(v.trim()));
      requirements.push({ key: checkKey(m[1]!), op: m[2] as 'in' | 'notin', values });
    } else if ((m = part.match(/^([^\s=!<>(),]+)\s*(==|=|!=)\s*([^\s=!<>(),]*)$/))) {
      const key = checkKey(m[1]!);
      const value = checkValue(m[3]!);
      requirements.push({ key, op: m[2] === '!=' ? 'notin' : 'in', values: [value] });
    } else if ((m = part.match(/^([^\s=!<>(),]+)\s*(<|>)\s*(\S+)$/))) {
      const n = Number(m[3]);
      if (!Number.isInteger(n)) throw new SelectorParseError(`for 'Gt', 'Lt' operators, the value must be an integer`);
      requirements.push({ key: checkKey(m[1]!), op: m[2] === '>' ? 'gt' : 'lt', value: n });
    } else if ((m = part.match(/^([^\s=!<>(),]+)$/))) {
      requirements.push({ key: checkKey(m[1]!), op: 'exists' });
    } else {
      throw new SelectorParseError(`unable to parse requirement: "${part}"`);
    }
  }
  return { requirements };
}

/** Compile the object form; throws {@link SelectorParseError} for an unknown operator. */
export function labelSelectorFromSpec(spec: LabelSelectorSpec | null | undefined): LabelSelector {
  const requirements: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(spec?.matchLabels ?? {})) requirements.push({ key: k, op: 'in', values: [v] });
  for (const e of spec?.matchExpressions ?? []) {
    switch (e.operator) {
      case 'In':
        requirements.push({ key: e.key, op: 'in', values: [...(e.values ?? [])] });
        break;
      case 'NotIn':
        requirements.push({ key: e.key, op: 'notin', values: [...(e.values ?? [])] });
        break;
      case 'Exists':
        requirements.push({ key: e.key, op: 'exists' });
        break;
      case 'DoesNotExist':
        requirements.push({ key: e.key, op: 'doesnotexist' });
        break;
      default:
        throw new SelectorParseError(`"${e.operator}" is not a valid label selector operator`);
    }
  }
  return { requirements };
}

/** Does a label set satisfy the selector? */
export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | null | undefined): boolean {
  const l = labels ?? {};
  for (const r of selector.requirements) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case 'doesnotexist':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has) return false;
        const n = Number(v);
        if (!Number.isInteger(n)) return false;
        if (r.op === 'gt' ? !(n > r.value) : !(n < r.value)) return false;
        break;
      }
    }
  }
  return true;
}

/** True when the selector has no requirement (matches everything). */
export function isEmptySelector(s: LabelSelector): boolean {
  return s.requirements.length === 0;
}

/** The string form of a selector, as `Scale.status.selector` carries it. */
export function formatLabelSelector(s: LabelSelector): string {
  return s.requirements
    .map((r) => {
      switch (r.op) {
        case 'in':
          return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in (${[...r.values].sort().join(',')})`;
        case 'notin':
          return r.values.length === 1 ? `${r.key}!=${r.values[0]}` : `${r.key} notin (${[...r.values].sort().join(',')})`;
        case 'exists':
          return r.key;
        case 'doesnotexist':
          return `!${r.key}`;
        case 'gt':
          return `${r.key}>${r.value}`;
        case 'lt':
          return `${r.key}<${r.value}`;
      }
    })
    .join(',');
}
