/**
 * The docs against the code. Pages checked: docs/*.md, README.md, packages/*\/README.md, apps/*\/README.md,
 * deploy/helm/rollouts/README.md.
 *
 * - Links: every relative Markdown link (`[text](path)`, outside code) names a file or folder of the repo, and
 *   its `#anchor`, when the target is a Markdown page, is one of that page's headings (GitHub's slugs).
 * - YAML: every ```yaml block whose documents have an `argoproj.io/...` apiVersion decodes strictly (unknown
 *   fields are errors) with the @rollouts/api codec of its kind, passes that kind's validation, and has no error
 *   from `kubectl rollouts lint` (apps/cli/src/Lint.ts: conditions parse, routers and providers are stock).
 *   Convention: a block that is deliberately partial (a field or two to show one setting) starts with the
 *   comment line `# fragment`; such a block is only checked to be valid YAML. A block that shows a mistake on
 *   purpose starts with `# invalid` and must fail decoding or validation. A block without apiVersion whose top
 *   level is `metrics:` is an AnalysisTemplate's spec (the provider pages) and is checked as one.
 *   One whose top level is `spec: { strategy }` or `strategy:` (the router pages) is checked inside a minimal Rollout.
 * - TypeScript: every ```ts block's `import { a, b } from '@rollouts/x'` (and `@rollouts/x/testing`) names only
 *   what that entry point exports (types included), read with the TypeScript compiler from src/index.ts.
 * - Flags: every `--flag` written in docs/install.md, and in the "Flags" section of apps/controller/README.md,
 *   is a flag (or alias) of apps/controller/src/Flags.ts. Shell lines and inline code spans that run another
 *   program (kubectl, helm, npm, docker, git, ...) are skipped in install.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import * as YAML from 'yaml';
import * as E from 'fp-ts/lib/Either';
import {
  AnalysisRun,
  AnalysisTemplate,
  ClusterAnalysisTemplate,
  Experiment,
  Rollout,
  decode,
  formatValidationError,
  validateAnalysisRun,
  validateAnalysisTemplate,
  validateClusterAnalysisTemplate,
  validateExperiment,
  validateRollout,
  type Codec,
  type ValidationError,
} from '@rollouts/api';
import { FLAGS } from '../../../apps/controller/src/Flags';
import { formatProblem, isError, lintDocuments } from '../../../apps/cli/src/Lint';

const ROOT = path.resolve(__dirname, '../../..');
const rel = (p: string): string => path.relative(ROOT, p);

function pages(): string[] {
  const out: string[] = [path.join(ROOT, 'README.md'), path.join(ROOT, 'deploy/helm/rollouts/README.md')];
  for (const f of fs.readdirSync(path.join(ROOT, 'docs')).sort()) if (f.endsWith('.md')) out.push(path.join(ROOT, 'docs', f));
  for (const dir of ['packages', 'apps']) {
    for (const d of fs.readdirSync(path.join(ROOT, dir)).sort()) {
      const readme = path.join(ROOT, dir, d, 'README.md');
      if (fs.existsSync(readme)) out.push(readme);
    }
  }
  return out.filter((p) => fs.existsSync(p));
}

interface Block {
  readonly lang: string;
  readonly body: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
}

interface Page {
  readonly file: string;
  readonly text: string;
  readonly blocks: Block[];
  /** The text with fenced blocks blanked out (line numbers kept). */
  readonly prose: string;
}

function readPage(file: string): Page {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const blocks: Block[] = [];
  const prose: string[] = [];
  // A fence indented by n spaces (inside a list item) has up to n spaces taken off each line, as CommonMark does.
  let open: { lang: string; line: number; fence: string; indent: number; body: string[] } | undefined;
  lines.forEach((l, i) => {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(l);
    if (open === undefined && fence !== null) {
      open = { lang: (fence[3] ?? '').toLowerCase(), line: i + 1, fence: fence[2] as string, indent: (fence[1] ?? '').length, body: [] };
      prose.push('');
    } else if (open !== undefined && l.trim().startsWith(open.fence) && l.trim().replace(/[`~]/g, '') === '') {
      blocks.push({ lang: open.lang, line: open.line, body: open.body.join('\n') });
      open = undefined;
      prose.push('');
    } else if (open !== undefined) {
      const n = open.indent;
      open.body.push(l.replace(new RegExp(`^ {0,${n}}`), ''));
      prose.push('');
    } else prose.push(l);
  });
  return { file, text, blocks, prose: prose.join('\n') };
}

const PAGES = pages().map(readPage);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchorsOf(page: Page): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const l of page.prose.split('\n')) {
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(l);
    if (h === null) continue;
    const base = (h[1] as string)
      .replace(/<[^>]+>/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

interface Link {
  readonly page: Page;
  readonly line: number;
  readonly target: string;
}

function linksOf(page: Page): Link[] {
  const out: Link[] = [];
  page.prose.split('\n').forEach((l, i) => {
    const noCode = l.replace(/`[^`]*`/g, '');
    for (const m of noCode.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ page, line: i + 1, target: m[1] as string });
    }
  });
  return out;
}

const ALL_LINKS = PAGES.flatMap(linksOf);
const RELATIVE_LINKS = ALL_LINKS.filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l.target));

describe('links', () => {
  it('covers the pages', () => {
    expect(PAGES.length).toBeGreaterThan(30);
    expect(RELATIVE_LINKS.length).toBeGreaterThan(20);
  });

  it('every relative link names a file of the repo, and its anchor a heading of the page', () => {
    const problems: string[] = [];
    for (const link of RELATIVE_LINKS) {
      const [file = '', anchor] = link.target.split('#');
      const target = file === '' ? link.page.file : path.resolve(path.dirname(link.page.file), decodeURIComponent(file));
      const where = `${rel(link.page.file)}:${link.line}: ${link.target}`;
      if (!target.startsWith(ROOT + path.sep) && target !== ROOT) {
        problems.push(`${where}: outside the repository`);
        continue;
      }
      if (!fs.existsSync(target)) {
        problems.push(`${where}: no such file`);
        continue;
      }
      if (anchor !== undefined && anchor !== '' && target.endsWith('.md')) {
        const page = PAGES.find((p) => p.file === target) ?? readPage(target);
        if (!anchorsOf(page).has(anchor)) problems.push(`${where}: no heading with the anchor #${anchor}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// YAML

interface KindRule {
  readonly codec: Codec<any>;
  readonly validate: (o: any) => ValidationError[];
}

const KINDS: Readonly<Record<string, KindRule>> = {
  Rollout: { codec: Rollout, validate: validateRollout },
  AnalysisTemplate: { codec: AnalysisTemplate, validate: validateAnalysisTemplate },
  ClusterAnalysisTemplate: { codec: ClusterAnalysisTemplate, validate: validateClusterAnalysisTemplate },
  AnalysisRun: { codec: AnalysisRun, validate: validateAnalysisRun },
  Experiment: { codec: Experiment, validate: validateExperiment },
};

type Obj = Record<string, unknown>;
const isObj = (u: unknown): u is Obj => typeof u === 'object' && u !== null && !Array.isArray(u);

/** The problems of one argoproj.io document (empty: it decodes and validates). */
function problemsOf(doc: Obj): string[] {
  const kind = typeof doc.kind === 'string' ? doc.kind : '';
  const rule = KINDS[kind];
  if (rule === undefined) return [`kind ${JSON.stringify(doc.kind)} is not an argoproj.io kind we serve`];
  const decoded = decode(rule.codec, doc, { strict: true });
  if (E.isLeft(decoded)) return decoded.left.map((e) => e.message);
  const invalid = rule.validate(decoded.right).map(formatValidationError);
  if (invalid.length > 0) return invalid;
  // then what `kubectl rollouts lint` adds: conditions that parse, routers and providers the stock controller has
  return lintDocuments([{ file: 'doc', doc: '1', line: 1, object: doc }]).filter(isError).map(formatProblem);
}

const YAML_BLOCKS = PAGES.flatMap((page) => page.blocks.filter((b) => b.lang === 'yaml' || b.lang === 'yml').map((block) => ({ page, block })));
const marker = (b: Block): string | undefined => /^\s*#\s*(fragment|invalid)\b/.exec(b.body)?.[1];

/**
 * A block without apiVersion whose top level is `metrics:` (and maybe `args:`, `dryRun:`, ...) is the spec of an
 * AnalysisTemplate, as the provider pages show them: it is checked as one, `{{args.NAME}}` arguments declared.
 */
function asAnalysisTemplate(block: Block): Obj | undefined {
  if (marker(block) !== undefined) return undefined;
  const docs = YAML.parseAllDocuments(block.body).map((d) => d.toJS() as unknown);
  const [spec] = docs;
  if (docs.length !== 1 || !isObj(spec) || !Array.isArray(spec.metrics) || 'apiVersion' in spec) return undefined;
  const declared = new Set((Array.isArray(spec.args) ? spec.args : []).filter(isObj).map((a) => a.name));
  const used = [...new Set([...block.body.matchAll(/\{\{\s*args\.([\w-]+)\s*\}\}/g)].map((m) => m[1] as string))];
  const args = [...(Array.isArray(spec.args) ? spec.args : []), ...used.filter((n) => !declared.has(n)).map((name) => ({ name, value: 'x' }))];
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'AnalysisTemplate', metadata: { name: 'doc' }, spec: { ...spec, ...(args.length > 0 ? { args } : {}) } };
}

/**
 * A block without apiVersion whose top level is `spec: { strategy: ... }` or `strategy:` is part of a Rollout, as
 * the traffic-router pages show them: it is checked inside a minimal Rollout (selector, template).
 */
function asRollout(block: Block): Obj | undefined {
  if (marker(block) !== undefined) return undefined;
  const docs = YAML.parseAllDocuments(block.body).map((d) => d.toJS() as unknown);
  const [top] = docs;
  if (docs.length !== 1 || !isObj(top) || 'apiVersion' in top) return undefined;
  const spec = isObj(top.spec) && isObj(top.spec.strategy) ? top.spec : isObj(top.strategy) ? top : undefined;
  if (spec === undefined) return undefined;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'doc' },
    spec: {
      selector: { matchLabels: { app: 'doc' } },
      template: { metadata: { labels: { app: 'doc' } }, spec: { containers: [{ name: 'app', image: 'example/app:1' }] } },
      ...spec,
    },
  };
}

describe('yaml blocks', () => {
  const argo = YAML_BLOCKS.filter(({ block }) => /apiVersion:\s*argoproj\.io\//.test(block.body));

  it('covers the snippets', () => {
    expect(argo.filter(({ block }) => marker(block) === undefined).length).toBeGreaterThanOrEqual(5);
  });

  it('every AnalysisTemplate spec (`metrics:` at the top) decodes and validates, unless marked `# fragment`', () => {
    const problems: string[] = [];
    let count = 0;
    for (const { page, block } of YAML_BLOCKS) {
      const template = asAnalysisTemplate(block);
      if (template === undefined) continue;
      count++;
      for (const p of problemsOf(template)) problems.push(`${rel(page.file)}:${block.line}: ${p}`);
    }
    expect(count).toBeGreaterThanOrEqual(5);
    expect(problems).toEqual([]);
  });

  it('every Rollout part (`spec: {strategy}` or `strategy:` at the top) decodes and validates inside a minimal Rollout', () => {
    const problems: string[] = [];
    let count = 0;
    for (const { page, block } of YAML_BLOCKS) {
      const rollout = asRollout(block);
      if (rollout === undefined) continue;
      count++;
      for (const p of problemsOf(rollout)) problems.push(`${rel(page.file)}:${block.line}: ${p}`);
    }
    expect(count).toBeGreaterThanOrEqual(4);
    expect(problems).toEqual([]);
  });

  it('every block is YAML', () => {
    const problems: string[] = [];
    for (const { page, block } of YAML_BLOCKS) {
      for (const d of YAML.parseAllDocuments(block.body)) {
        for (const e of d.errors) problems.push(`${rel(page.file)}:${block.line}: ${e.message.split('\n')[0]}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every argoproj.io object decodes and validates, unless marked `# fragment` (or `# invalid`, then it must fail)', () => {
    const problems: string[] = [];
    for (const { page, block } of argo) {
      const mark = marker(block);
      if (mark === 'fragment') continue;
      const where = `${rel(page.file)}:${block.line}`;
      const docs = YAML.parseAllDocuments(block.body).map((d) => d.toJS() as unknown);
      const found = docs.filter(isObj).filter((d) => typeof d.apiVersion === 'string' && d.apiVersion.startsWith('argoproj.io/'));
      const each = found.map((d) => ({ d, problems: problemsOf(d) }));
      if (mark === 'invalid') {
        if (each.every((x) => x.problems.length === 0)) problems.push(`${where}: marked # invalid but every object is valid`);
        continue;
      }
      for (const x of each) {
        const md = isObj(x.d.metadata) ? x.d.metadata : {};
        for (const p of x.problems) problems.push(`${where}: ${String(x.d.kind)}/${String(md.name)}: ${p}`);
      }
    }
    expect(problems).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// TypeScript imports

const ENTRY_POINTS: Record<string, string> = {};
for (const d of fs.readdirSync(path.join(ROOT, 'packages'))) {
  const main = path.join(ROOT, 'packages', d, 'src/index.ts');
  const testing = path.join(ROOT, 'packages', d, 'src/testing/index.ts');
  if (fs.existsSync(main)) ENTRY_POINTS[`@rollouts/${d}`] = main;
  if (fs.existsSync(testing)) ENTRY_POINTS[`@rollouts/${d}/testing`] = testing;
}

let exportsCache: Map<string, Set<string>> | undefined;
function exportsOf(specifier: string): Set<string> | undefined {
  if (exportsCache === undefined) {
    const program = ts.createProgram(Object.values(ENTRY_POINTS), { noEmit: true, skipLibCheck: true, strict: true, esModuleInterop: true, target: ts.ScriptTarget.ES2022, moduleResolution: ts.ModuleResolutionKind.Node10 });
    const checker = program.getTypeChecker();
    exportsCache = new Map();
    for (const [spec, file] of Object.entries(ENTRY_POINTS)) {
      const source = program.getSourceFile(file);
      const symbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
      exportsCache.set(spec, new Set(symbol === undefined ? [] : checker.getExportsOfModule(symbol).map((s) => s.getName())));
    }
  }
  return exportsCache.get(specifier);
}

const TS_BLOCKS = PAGES.flatMap((page) => page.blocks.filter((b) => b.lang === 'ts' || b.lang === 'typescript').map((block) => ({ page, block })));

describe('ts blocks', () => {
  const imports = TS_BLOCKS.flatMap(({ page, block }) =>
    [...block.body.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+['"](@rollouts\/[^'"]+)['"]/g)].map((m) => ({
      page,
      block,
      names: (m[1] as string)
        .split(',')
        .map((n) => n.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0] as string)
        .filter((n) => n !== ''),
      from: m[2] as string,
    })),
  );

  it('covers the snippets', () => {
    expect(imports.length).toBeGreaterThan(10);
  });

  it('every imported name is exported by its @rollouts entry point', () => {
    const problems: string[] = [];
    for (const { page, block, names, from } of imports) {
      const exported = exportsOf(from);
      const where = `${rel(page.file)}:${block.line}`;
      if (exported === undefined) {
        problems.push(`${where}: no entry point ${from}`);
        continue;
      }
      for (const n of names) if (!exported.has(n)) problems.push(`${where}: ${from} does not export ${n}`);
    }
    expect(problems).toEqual([]);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------------
// Flags

const KNOWN_FLAGS = new Set(FLAGS.flatMap((f) => [f.name, ...(f.aliases ?? [])]));
const OTHER_PROGRAMS = /^\s*(\$\s*)?(kubectl|helm|npm|npx|docker|git|kustomize|node|curl|kind|make)\b/;

function flagsIn(text: string): string[] {
  return [...text.matchAll(/(?<![\w-])--([A-Za-z][\w-]*)/g)].map((m) => m[1] as string);
}

describe('controller flags in the docs', () => {
  it('every --flag of docs/install.md and of the Flags section of apps/controller/README.md exists', () => {
    const problems: string[] = [];
    const install = path.join(ROOT, 'docs/install.md');
    const lines = fs.readFileSync(install, 'utf8').split('\n');
    let count = 0;
    lines.forEach((l, i) => {
      if (OTHER_PROGRAMS.test(l)) return;
      // an inline command of another program (`kubectl apply --server-side ...`) is not about the controller
      const own = l.replace(/`([^`]*)`/g, (span: string, code: string) => (OTHER_PROGRAMS.test(code) ? '' : span));
      for (const f of flagsIn(own)) {
        count++;
        if (!KNOWN_FLAGS.has(f)) problems.push(`docs/install.md:${i + 1}: --${f} is not a controller flag`);
      }
    });
    const readme = fs.readFileSync(path.join(ROOT, 'apps/controller/README.md'), 'utf8');
    const section = /\n## Flags\n([\s\S]*?)(\n## |$)/.exec(readme)?.[1] ?? '';
    expect(section).not.toEqual('');
    for (const f of flagsIn(section)) {
      count++;
      if (!KNOWN_FLAGS.has(f)) problems.push(`apps/controller/README.md (Flags): --${f} is not a controller flag`);
    }
    expect(count).toBeGreaterThan(15);
    expect(problems).toEqual([]);
  });
});
