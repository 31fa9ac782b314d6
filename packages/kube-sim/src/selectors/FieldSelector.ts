import { KubeObject } from '../store/KubeObject';
import { SelectorParseError } from './LabelSelector';

/** One requirement of a field selector: `field=value`, `field==value` or `field!=value`. */
export interface FieldRequirement {
  readonly field: string;
  readonly op: '=' | '!=';
  readonly value: string;
}

/** A parsed `?fieldSelector=`. */
export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
}

/** Parse the string form; throws {@link SelectorParseError}. Field names are checked by the caller. */
export function parseFieldSelector(text: string): FieldSelector {
  const trimmed = text.trim();
  if (trimmed === '') return { requirements: [] };
  const requirements: FieldRequirement[] = [];
  for (const raw of trimmed.split(',')) {
    const m = raw.trim().match(/^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/);
    if (m === null) throw new SelectorParseError(`invalid selector: '${raw}'; can't understand '${raw}'`);
    requirements.push({ field: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: m[3]!.trim() });
  }
  return { requirements };
}

/** The value of a dotted path (`status.phase`) as a string, `''` when absent. */
export function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  return typeof cur === 'object' ? JSON.stringify(cur) : String(cur);
}

/** Does the object satisfy every requirement? */
export function matchesFields(selector: FieldSelector, obj: KubeObject): boolean {
  for (const r of selector.requirements) {
    const v = fieldValue(obj, r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}
