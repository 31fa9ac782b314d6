import { deepCopy, isRecord } from '../store/KubeObject';

/**
 * RFC 7386 JSON merge patch: objects merge key by key, `null` deletes, anything else (lists included)
 * replaces. Returns a new value; neither input is changed.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return deepCopy(patch);
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = applyMergePatch(out[k], v);
  }
  return out;
}
