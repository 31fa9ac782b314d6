// Go text/template + sprig output (produced by tools/notifications-golden from Argo's nine shipped templates and
// documented inputs) against our renderer, byte for byte: every string of every template block.
import * as E from 'fp-ts/lib/Either';
import { parse } from 'yaml';
import { compileTemplate, renderTemplate } from '../src/template/Template';
import { readCases, readConfigMapData, readGolden } from './goldenSupport';

const renderLeaves = (path: string, node: unknown, vars: Record<string, unknown>): unknown => {
  if (typeof node === 'string') {
    const t = compileTemplate(path, node);
    if (E.isLeft(t)) throw new Error(t.left);
    const r = renderTemplate(t.right, vars, () => Date.UTC(2026, 2, 1, 12));
    return E.isLeft(r) ? { error: r.left } : r.right;
  }
  if (Array.isArray(node)) return node.map((e, i) => renderLeaves(`${path}[${i}]`, e, vars));
  if (typeof node === 'object' && node !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = renderLeaves(`${path}.${k}`, v, vars);
    return out;
  }
  return node;
};

// Any error inside a template makes Go's whole template an error.
const firstError = (v: unknown): string | undefined => {
  if (typeof v !== 'object' || v === null) return undefined;
  if ('error' in v && typeof (v as { error: unknown }).error === 'string') return (v as { error: string }).error;
  for (const e of Object.values(v)) {
    const f = firstError(e);
    if (f !== undefined) return f;
  }
  return undefined;
};

describe.each([
  ['argo-rollouts-notification-configmap.yaml', 'argo-templates.golden.json'],
  ['documented-templates.yaml', 'documented-templates.golden.json'],
])('templates of %s rendered as Go renders them (%s)', (configMap, golden) => {
  const data = readConfigMapData(configMap);
  const expected = readGolden(golden);
  const cases = readCases('cases.json');
  const names = Object.keys(data).filter((k) => k.startsWith('template.')).map((k) => k.slice('template.'.length));

  it('covers every template and case', () => {
    expect(names.length).toBeGreaterThan(0);
    for (const c of cases) expect(Object.keys(expected[c.name] ?? {}).sort()).toEqual([...names].sort());
  });

  for (const c of cases) {
    for (const name of names) {
      it(`${name} for ${c.name}`, () => {
        const want = expected[c.name]![name]!;
        const got = renderLeaves(name, parse(data[`template.${name}`]!), c.vars);
        const err = firstError(got);
        if ('error' in want) {
          // Go failed to render: so must we (the messages differ in wording).
          expect(err).toBeDefined();
        } else {
          expect(err).toBeUndefined();
          expect(got).toEqual(want);
        }
      });
    }
  }
});
