/**
 * The pod-template hash: the `rollouts-pod-template-hash` label of a Rollout's ReplicaSets and the suffix of
 * their names (`<rollout>-<hash>`).
 *
 * Like Argo Rollouts: 32-bit FNV-1a over the template's JSON (followed by `status.collisionCount` as 8
 * little-endian bytes when it is set), written in decimal and then mapped onto a 27-letter alphabet without
 * vowels. Argo hashes Go's `json.Marshal` of its typed struct, whose field order and zero-value handling we do
 * not reproduce, so our hash of a template differs from Argo's: ReplicaSets that Argo created are found by
 * semantic template equality instead (`TemplateEquality.ts`).
 */
import { POD_TEMPLATE_HASH_LABEL, type PodTemplateSpec } from '@rollouts/api';
import { memoByContent } from './internal/Memo';
import { requireWholeNumber } from './internal/WholeNumber';

const FNV32_OFFSET_BASIS = 0x811c9dc5;
const FNV32_PRIME = 0x01000193;

/** 32-bit FNV-1a of `bytes`, as an unsigned integer (0 to 2^32 - 1). */
export function fnv32a(bytes: Uint8Array): number {
  let hash = FNV32_OFFSET_BASIS;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, FNV32_PRIME);
  return hash >>> 0;
}

/** The 27 characters a safe-encoded string is made of: no vowels, no `0 1 3` (which read like letters). */
export const SAFE_ENCODE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Map each UTF-16 code unit `c` of `s` to `SAFE_ENCODE_ALPHABET[c % 27]`, so that a generated name can never
 * spell a word (Kubernetes' `rand.SafeEncodeString`). The result has the length of `s`.
 */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ENCODE_ALPHABET[s.charCodeAt(i) % SAFE_ENCODE_ALPHABET.length];
  return out;
}

/**
 * `value` as JSON with the keys of every object sorted (by UTF-16 code units) and no white space, so that
 * two equal values give the same text whatever order their keys were written in. Otherwise the text is what
 * `JSON.stringify` writes: arrays keep their order, object properties that are `undefined` (or functions or
 * symbols) are left out and array elements that are become `null`, non-finite numbers are `null`, and
 * `toJSON` is honoured.
 *
 * @throws TypeError when `value` itself has no JSON form (`undefined`, a function, a symbol), or contains a
 * bigint or a cycle.
 */
export function canonicalJson(value: unknown): string {
  const text = write(value, new Set());
  if (text === undefined) throw new TypeError(`canonicalJson: ${typeof value} has no JSON form`);
  return text;
}

function write(value: unknown, ancestors: Set<object>): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') throw new TypeError('canonicalJson: a bigint has no JSON form');
    return JSON.stringify(value) as string | undefined; // undefined for undefined, functions and symbols
  }
  if (ancestors.has(value)) throw new TypeError('canonicalJson: the value contains a cycle');
  ancestors.add(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((item: unknown) => write(item, ancestors) ?? 'null').join(',')}]`;
  } else {
    const entries: string[] = [];
    for (const key of Object.keys(value).sort()) {
      const item = write((value as Record<string, unknown>)[key], ancestors);
      if (item !== undefined) entries.push(`${JSON.stringify(key)}:${item}`);
    }
    text = `{${entries.join(',')}}`;
  }
  ancestors.delete(value);
  return text;
}

/**
 * The hash of a pod template: `safeEncodeString` of the decimal `fnv32a` of the UTF-8 bytes of the
 * {@link canonicalJson} of `template` without its `rollouts-pod-template-hash` label (a `labels` map left
 * empty by that is dropped), followed, when `collisionCount` is set (0 included), by `collisionCount` as 8
 * little-endian bytes. The input is not changed.
 *
 * A ReplicaSet created for the template is named `<rollout>-<hash>`; `status.collisionCount` is raised when
 * that name is taken by a ReplicaSet with a different template, which gives the next hash.
 *
 * @throws RangeError when `collisionCount` is not a non-negative integer.
 */
export function podTemplateHash(template: PodTemplateSpec, collisionCount?: number | null): string {
  if (collisionCount != null) requireWholeNumber('collisionCount', collisionCount);
  return cachedHash(template, collisionCount ?? -1);
}

// Templates are immutable snapshots: hash each (template, collisionCount) once, by identity and then by content
// (the informer hands out a new Rollout object for every status write; its template rarely changed).
// -1 stands for "not set".
const hashesOf = memoByContent((_template: PodTemplateSpec) => new Map<number, string>());
function cachedHash(template: PodTemplateSpec, count: number): string {
  const hashes = hashesOf(template);
  let hash = hashes.get(count);
  if (hash === undefined) hashes.set(count, (hash = computeHash(template, count < 0 ? null : count)));
  return hash;
}

function computeHash(template: PodTemplateSpec, collisionCount: number | null): string {
  const json = new TextEncoder().encode(canonicalJson(withoutHashLabel(template)));
  let bytes = json;
  if (collisionCount != null) {
    requireWholeNumber('collisionCount', collisionCount);
    bytes = new Uint8Array(json.length + 8);
    bytes.set(json);
    const count = new DataView(bytes.buffer, json.length, 8);
    count.setUint32(0, collisionCount % 2 ** 32, true);
    count.setUint32(4, Math.floor(collisionCount / 2 ** 32), true);
  }
  return safeEncodeString(String(fnv32a(bytes)));
}

function withoutHashLabel(template: PodTemplateSpec): PodTemplateSpec {
  const labels = template.metadata?.labels;
  if (labels == null || !Object.prototype.hasOwnProperty.call(labels, POD_TEMPLATE_HASH_LABEL)) return template;
  const { [POD_TEMPLATE_HASH_LABEL]: _hash, ...rest } = labels;
  const { labels: _labels, ...metadata } = template.metadata ?? {};
  return { ...template, metadata: Object.keys(rest).length === 0 ? metadata : { ...metadata, labels: rest } };
}
