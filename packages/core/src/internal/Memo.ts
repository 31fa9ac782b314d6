/**
 * Caches keyed by object identity. API objects are immutable snapshots here (readonly types; the
 * controller's caches hand out a new object for every new version), so a value derived from an object can
 * be kept for as long as the object lives. A WeakMap lets the entry go with the object.
 */
export function memoByIdentity<K extends object, A>(derive: (key: K) => A): (key: K) => A {
  const cache = new WeakMap<K, A>();
  return (key) => {
    if (cache.has(key)) return cache.get(key) as A;
    const value = derive(key);
    cache.set(key, value);
    return value;
  };
}

/** Like `memoByIdentity`, with a second, primitive key. */
export function memoByIdentityAnd<K extends object, P extends string | number, A>(derive: (key: K, p: P) => A): (key: K, p: P) => A {
  const cache = new WeakMap<K, Map<P, A>>();
  return (key, p) => {
    let inner = cache.get(key);
    if (inner === undefined) {
      inner = new Map();
      cache.set(key, inner);
    }
    if (inner.has(p)) return inner.get(p) as A;
    const value = derive(key, p);
    inner.set(p, value);
    return value;
  };
}

/**
 * A cache by primitive key with a bound: when it holds `limit` entries it starts afresh. For pure functions
 * of a few small values (fenceposts of a replica count, parsed timestamps) that many reconciles repeat.
 */
export function memoByKey<P extends string | number, A>(derive: (key: P) => A, limit = 4096): (key: P) => A {
  let cache = new Map<P, A>();
  return (key) => {
    const hit = cache.get(key);
    if (hit !== undefined || cache.has(key)) return hit as A;
    const value = derive(key);
    if (cache.size >= limit) cache = new Map();
    cache.set(key, value);
    return value;
  };
}

/**
 * Like `memoByIdentity`, and when the object itself is new, by its content (its JSON text) in a bounded
 * least-recently-used map. A controller's caches hand out a new object for every new version of an API
 * object, though the part a value derives from (a spec, a pod template) rarely changed: keyed by content, the
 * value derived from the previous version serves. `derive` must depend only on the JSON content of its key.
 */
export function memoByContent<K extends object, A>(derive: (key: K) => A, limit = 256): (key: K) => A {
  const byIdentity = new WeakMap<K, A>();
  const byText = new Map<string, A>();
  return (key) => {
    const known = byIdentity.get(key);
    if (known !== undefined || byIdentity.has(key)) return known as A;
    const text = JSON.stringify(key);
    let value = byText.get(text);
    if (value !== undefined || byText.has(text)) {
      byText.delete(text); // most recently used goes last
    } else {
      value = derive(key);
      if (byText.size >= limit) byText.delete(byText.keys().next().value as string);
    }
    byText.set(text, value as A);
    byIdentity.set(key, value as A);
    return value as A;
  };
}
