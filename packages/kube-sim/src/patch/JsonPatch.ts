import { deepCopy, isRecord, jsonEqual } from '../store/KubeObject';
import { PatchError } from './PatchError';

/** One RFC 6902 operation. */
export interface JsonPatchOperation {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  readonly path: string;
  readonly from?: string;
  readonly value?: unknown;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Check the shape of a JSON patch document; throws a malformed {@link PatchError}. */
export function parseJsonPatch(doc: unknown): JsonPatchOperation[] {
  if (!Array.isArray(doc)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch', true);
  return doc.map((op, i) => {
    if (!isRecord(op) || typeof op.op !== 'string' || !OPS.has(op.op)) throw new PatchError(`Unexpected kind: ${isRecord(op) ? String(op.op) : typeof op}`, true);
    if (typeof op.path !== 'string') throw new PatchError(`operation ${i} has no path`, true);
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') throw new PatchError(`operation ${i} (${op.op}) has no from`, true);
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) throw new PatchError(`operation ${i} (${op.op}) has no value`, true);
    return op as unknown as JsonPatchOperation;
  });
}

/** Split a JSON pointer into unescaped tokens. */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer "${pointer}"`, true);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function parent(doc: unknown, tokens: string[], op: string, path: string): { container: Container; key: string } {
  let cur: unknown = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = arrayIndex(t, cur.length - 1, op, path);
      cur = cur[i];
    } else if (isRecord(cur)) {
      if (!(t in cur)) throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`, false);
      cur = cur[t];
    } else {
      throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`, false);
    }
  }
  if (!Array.isArray(cur) && !isRecord(cur)) throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`, false);
  return { container: cur, key: tokens[tokens.length - 1]! };
}

function arrayIndex(token: string, max: number, op: string, path: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchError(`${op} operation does not apply: invalid index "${token}" in path "${path}"`, false);
  const i = Number(token);
  if (i > max) throw new PatchError(`${op} operation does not apply: index out of bounds in path "${path}"`, false);
  return i;
}

function getAt(doc: unknown, path: string, op: string): unknown {
  let cur = doc;
  for (const t of pointerTokens(path)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length - 1, op, path)];
    else if (isRecord(cur) && t in cur) cur = cur[t];
    else throw new PatchError(`${op} operation does not apply: doc is missing path: "${path}": missing value`, false);
  }
  return cur;
}

function add(doc: unknown, path: string, value: unknown, op = 'add'): unknown {
  const tokens = pointerTokens(path);
  if (tokens.length === 0) return value;
  const { container, key } = parent(doc, tokens, op, path);
  if (Array.isArray(container)) {
    const i = key === '-' ? container.length : arrayIndex(key, container.length, op, path);
    container.splice(i, 0, value);
  } else container[key] = value;
  return doc;
}

function remove(doc: unknown, path: string, op = 'remove'): { doc: unknown; removed: unknown } {
  const tokens = pointerTokens(path);
  if (tokens.length === 0) throw new PatchError(`${op} operation does not apply: cannot remove the whole document`, false);
  const { container, key } = parent(doc, tokens, op, path);
  if (Array.isArray(container)) {
    const i = arrayIndex(key, container.length - 1, op, path);
    const [removed] = container.splice(i, 1);
    return { doc, removed };
  }
  if (!(key in container)) throw new PatchError(`${op} operation does not apply: doc is missing key: ${path}: missing value`, false);
  const removed = container[key];
  delete container[key];
  return { doc, removed };
}

/** Apply an RFC 6902 JSON patch to a copy of `doc`; throws {@link PatchError}. */
export function applyJsonPatch(doc: unknown, patch: readonly JsonPatchOperation[]): unknown {
  let out = deepCopy(doc);
  for (const p of patch) {
    switch (p.op) {
      case 'add':
        out = add(out, p.path, deepCopy(p.value));
        break;
      case 'remove':
        out = remove(out, p.path).doc;
        break;
      case 'replace': {
        getAt(out, p.path, 'replace');
        const tokens = pointerTokens(p.path);
        if (tokens.length === 0) out = deepCopy(p.value);
        else {
          const { container, key } = parent(out, tokens, 'replace', p.path);
          if (Array.isArray(container)) container[arrayIndex(key, container.length - 1, 'replace', p.path)] = deepCopy(p.value);
          else container[key] = deepCopy(p.value);
        }
        break;
      }
      case 'move': {
        if (p.path.startsWith(p.from! + '/')) throw new PatchError(`move operation does not apply: cannot move "${p.from}" into its own child`, false);
        const r = remove(out, p.from!, 'move');
        out = add(r.doc, p.path, r.removed, 'move');
        break;
      }
      case 'copy':
        out = add(out, p.path, deepCopy(getAt(out, p.from!, 'copy')), 'copy');
        break;
      case 'test': {
        let actual: unknown;
        try {
          actual = getAt(out, p.path, 'test');
        } catch {
          throw new PatchError(`testing value ${p.path} failed: test operation does not apply: doc is missing path: ${p.path}`, false);
        }
        if (!jsonEqual(actual, p.value)) throw new PatchError(`testing value ${p.path} failed: test failed`, false);
        break;
      }
    }
  }
  return out;
}
