/**
 * Plugins registered by kind. Registering the same kind twice is a programmer error at start-up (it throws):
 * a controller must never pick one of two routers silently.
 */
export interface Registry<P extends { readonly kind: string }> {
  readonly get: (kind: string) => P | undefined;
  readonly kinds: () => string[];
}

export function createRegistry<P extends { readonly kind: string }>(what: string, plugins: ReadonlyArray<P>): Registry<P> {
  const byKind = new Map<string, P>();
  for (const p of plugins) {
    if (p.kind === '') throw new Error(`${what}: a plugin has an empty kind`);
    if (byKind.has(p.kind)) throw new Error(`${what}: kind "${p.kind}" is registered twice`);
    byKind.set(p.kind, p);
  }
  return { get: (kind) => byKind.get(kind), kinds: () => [...byKind.keys()].sort() };
}
