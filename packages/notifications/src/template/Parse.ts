/**
 * A parser for Go `text/template` syntax (the subset notification templates use): text, `{{ }}` actions with
 * `{{-`/`-}}` trimming, comments, pipelines, fields (`.a.b`), variables (`$x`, `$x.a`, `$`), declarations and
 * assignments (`:=`, `=`), parenthesised pipelines with field access (`(f x).a`), `if`/`else if`/`else`/`end`,
 * `range` (with `$i, $e :=`, `else`, `break`, `continue`), `with`/`else with`/`else`, and constants
 * (strings, raw strings, characters, numbers, `true`, `false`, `nil`). `define`, `template` and `block` are not
 * supported: they are reported as errors when the template is loaded, as is any syntax error.
 */

export type Arg =
  | { readonly t: 'field'; readonly chain: ReadonlyArray<string>; readonly pos: number }
  | { readonly t: 'var'; readonly name: string; readonly chain: ReadonlyArray<string>; readonly pos: number }
  | { readonly t: 'dot'; readonly pos: number }
  | { readonly t: 'ident'; readonly name: string; readonly pos: number }
  | { readonly t: 'string'; readonly value: string; readonly pos: number }
  | { readonly t: 'number'; readonly value: number; readonly float: boolean; readonly pos: number }
  | { readonly t: 'bool'; readonly value: boolean; readonly pos: number }
  | { readonly t: 'nil'; readonly pos: number }
  | { readonly t: 'pipe'; readonly pipe: Pipeline; readonly chain: ReadonlyArray<string>; readonly pos: number };

export interface Command {
  readonly args: ReadonlyArray<Arg>;
  readonly pos: number;
}

export interface Pipeline {
  readonly decl: ReadonlyArray<string>;
  readonly assign: boolean;
  readonly cmds: ReadonlyArray<Command>;
  readonly pos: number;
}

export type Node =
  | { readonly t: 'text'; readonly text: string }
  | { readonly t: 'action'; readonly pipe: Pipeline }
  | { readonly t: 'if' | 'with' | 'range'; readonly pipe: Pipeline; readonly list: ReadonlyArray<Node>; readonly elseList: ReadonlyArray<Node> | undefined }
  | { readonly t: 'break' | 'continue'; readonly pos: number };

export class TemplateSyntaxError extends Error {}

type Tok =
  | { k: 'text'; v: string; pos: number }
  | { k: 'open'; pos: number }
  | { k: 'close'; pos: number }
  | { k: 'field'; v: string; pos: number; adj: boolean }
  | { k: 'var'; v: string; pos: number }
  | { k: 'ident'; v: string; pos: number }
  | { k: 'string'; v: string; pos: number }
  | { k: 'number'; v: number; float: boolean; pos: number }
  | { k: 'char'; v: number; pos: number }
  | { k: 'lparen' | 'rparen' | 'pipe' | 'declare' | 'assign' | 'comma' | 'dot'; pos: number }
  | { k: 'eof'; pos: number };

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string): boolean => /[A-Za-z0-9_]/.test(c);

const lineOf = (src: string, pos: number): string => {
  const before = src.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return `${line}:${col}`;
};

const unquote = (body: string, src: string, pos: number): string => {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };
    if (n === 'x' || n === 'u' || n === 'U') {
      const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new TemplateSyntaxError(`${lineOf(src, pos)}: bad escape in string`);
      out += n === 'x' ? String.fromCharCode(parseInt(hex, 16)) : String.fromCodePoint(parseInt(hex, 16));
      i += len;
    } else if (n !== undefined && simple[n] !== undefined) {
      out += simple[n];
    } else {
      throw new TemplateSyntaxError(`${lineOf(src, pos)}: bad escape \\${n ?? ''} in string`);
    }
  }
  return out;
};

function lex(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (open < 0) {
      if (text !== '') toks.push({ k: 'text', v: text, pos: i });
      break;
    }
    let p = open + 2;
    const trimLeft = src[p] === '-' && isSpace(src[p + 1] ?? '');
    if (trimLeft) {
      text = text.replace(/[ \t\r\n]+$/, '');
      p += 1;
    }
    if (text !== '') toks.push({ k: 'text', v: text, pos: i });
    // Comment: {{/* ... */}} (with optional trim markers).
    let q = p;
    while (isSpace(src[q] ?? 'x') && trimLeft) q++;
    if (src.startsWith('/*', q)) {
      const end = src.indexOf('*/', q + 2);
      if (end < 0) throw new TemplateSyntaxError(`${lineOf(src, open)}: unclosed comment`);
      let r = end + 2;
      let trimRight = false;
      if (src.startsWith(' -}}', r)) {
        trimRight = true;
        r += 4;
      } else if (src.startsWith('}}', r)) {
        r += 2;
      } else throw new TemplateSyntaxError(`${lineOf(src, open)}: comment ends before closing delimiter`);
      i = r;
      if (trimRight) while (i < src.length && isSpace(src[i]!)) i++;
      continue;
    }
    toks.push({ k: 'open', pos: open });
    i = p;
    let closed = false;
    while (i < src.length) {
      const c = src[i]!;
      if (isSpace(c)) {
        if (src[i + 1] === '-' && src.startsWith('}}', i + 2)) {
          toks.push({ k: 'close', pos: i });
          i += 4;
          while (i < src.length && isSpace(src[i]!)) i++;
          closed = true;
          break;
        }
        i++;
        continue;
      }
      if (src.startsWith('}}', i)) {
        toks.push({ k: 'close', pos: i });
        i += 2;
        closed = true;
        break;
      }
      const start = i;
      if (c === '"') {
        let j = i + 1;
        while (j < src.length && src[j] !== '"') {
          if (src[j] === '\\') j++;
          if (src[j] === '\n') throw new TemplateSyntaxError(`${lineOf(src, start)}: unterminated quoted string`);
          j++;
        }
        if (j >= src.length) throw new TemplateSyntaxError(`${lineOf(src, start)}: unterminated quoted string`);
        toks.push({ k: 'string', v: unquote(src.slice(i + 1, j), src, start), pos: start });
        i = j + 1;
      } else if (c === '`') {
        const j = src.indexOf('`', i + 1);
        if (j < 0) throw new TemplateSyntaxError(`${lineOf(src, start)}: unterminated raw quoted string`);
        toks.push({ k: 'string', v: src.slice(i + 1, j), pos: start });
        i = j + 1;
      } else if (c === "'") {
        const j = src.indexOf("'", i + 1);
        if (j < 0) throw new TemplateSyntaxError(`${lineOf(src, start)}: unterminated character constant`);
        const s = unquote(src.slice(i + 1, j), src, start);
        toks.push({ k: 'char', v: s.codePointAt(0) ?? 0, pos: start });
        i = j + 1;
      } else if (c === '(' || c === ')' || c === '|' || c === ',') {
        toks.push({ k: c === '(' ? 'lparen' : c === ')' ? 'rparen' : c === '|' ? 'pipe' : 'comma', pos: start });
        i++;
      } else if (c === ':' && src[i + 1] === '=') {
        toks.push({ k: 'declare', pos: start });
        i += 2;
      } else if (c === '=') {
        toks.push({ k: 'assign', pos: start });
        i++;
      } else if (c === '$') {
        let j = i + 1;
        while (j < src.length && isAlnum(src[j]!)) j++;
        toks.push({ k: 'var', v: src.slice(i, j), pos: start });
        i = j;
      } else if (c === '.' && !/[0-9]/.test(src[i + 1] ?? '')) {
        let j = i + 1;
        while (j < src.length && isAlnum(src[j]!)) j++;
        if (j === i + 1) toks.push({ k: 'dot', pos: start });
        else toks.push({ k: 'field', v: src.slice(i + 1, j), pos: start, adj: i > 0 && !isSpace(src[i - 1]!) && src[i - 1] !== '(' && src[i - 1] !== '{' && src[i - 1] !== '|' && src[i - 1] !== ',' });
        i = j;
      } else if (/[0-9+\-.]/.test(c)) {
        const m = /^[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]+(?![0-9.eE])|(\d[\d_]*)?\.?\d*([eE][+-]?\d+)?)/.exec(src.slice(i));
        const lit = m?.[0] ?? '';
        if (lit === '' || lit === '+' || lit === '-' || lit === '.') throw new TemplateSyntaxError(`${lineOf(src, start)}: unexpected "${c}" in command`);
        const clean = lit.replace(/_/g, '');
        const isFloat = /^[+-]?\d*\.|[eE]/.test(clean) && !/^[+-]?0[xX]/.test(clean);
        let value: number;
        if (/^[+-]?0[xX]/.test(clean)) value = (clean.startsWith('-') ? -1 : 1) * parseInt(clean.replace(/^[+-]?0[xX]/, ''), 16);
        else if (/^[+-]?0[bB]/.test(clean)) value = (clean.startsWith('-') ? -1 : 1) * parseInt(clean.replace(/^[+-]?0[bB]/, ''), 2);
        else if (/^[+-]?0[oO]?[0-7]+$/.test(clean) && clean.replace(/^[+-]/, '').length > 1) value = (clean.startsWith('-') ? -1 : 1) * parseInt(clean.replace(/^[+-]?0[oO]?/, ''), 8);
        else value = Number(clean);
        if (!Number.isFinite(value)) throw new TemplateSyntaxError(`${lineOf(src, start)}: bad number syntax: "${lit}"`);
        if (!isFloat && Math.abs(value) >= 2 ** 63) throw new TemplateSyntaxError(`${lineOf(src, start)}: integer overflow: "${lit}"`);
        toks.push({ k: 'number', v: value, float: isFloat, pos: start });
        i += lit.length;
      } else if (isAlnum(c)) {
        let j = i;
        while (j < src.length && isAlnum(src[j]!)) j++;
        toks.push({ k: 'ident', v: src.slice(i, j), pos: start });
        i = j;
      } else {
        throw new TemplateSyntaxError(`${lineOf(src, start)}: unexpected "${c}" in command`);
      }
      // Field access after an operand: `$x.a`, `(pipe).a` are lexed as separate field tokens.
    }
    if (!closed) throw new TemplateSyntaxError(`${lineOf(src, open)}: unclosed action`);
  }
  toks.push({ k: 'eof', pos: src.length });
  return toks;
}

const UNSUPPORTED = new Set(['define', 'template', 'block']);

/** Parses a template; throws {@link TemplateSyntaxError} naming the line and column of the problem. */
export function parseTemplate(src: string): ReadonlyArray<Node> {
  const toks = lex(src);
  let i = 0;
  const peek = (): Tok => toks[i]!;
  const next = (): Tok => toks[i++]!;
  const err = (pos: number, msg: string): never => {
    throw new TemplateSyntaxError(`${lineOf(src, pos)}: ${msg}`);
  };
  const vars: string[][] = [['$']];
  const hasVar = (name: string): boolean => vars.some((scope) => scope.includes(name));

  // The fields written right after an operand (`$x.a.b`, `(pipe).a`, `.a.b`).
  const fieldChain = (first: boolean): string[] => {
    const chain: string[] = [];
    for (;;) {
      const t = peek();
      if (t.k !== 'field' || (!t.adj && !(first && chain.length === 0))) break;
      chain.push(t.v);
      next();
    }
    return chain;
  };
  const adjacentField = (): boolean => {
    const t = peek();
    return t.k === 'field' && t.adj;
  };

  const operand = (): Arg | undefined => {
    const t = peek();
    switch (t.k) {
      case 'field':
        return { t: 'field', chain: fieldChain(true), pos: t.pos };
      case 'var': {
        next();
        if (!hasVar(t.v)) err(t.pos, `undefined variable "${t.v}"`);
        return { t: 'var', name: t.v, chain: fieldChain(false), pos: t.pos };
      }
      case 'dot':
        next();
        if (adjacentField()) err(t.pos, 'unexpected . after term "."');
        return { t: 'dot', pos: t.pos };
      case 'string':
        next();
        return { t: 'string', value: t.v, pos: t.pos };
      case 'char':
        next();
        return { t: 'number', value: t.v, float: false, pos: t.pos };
      case 'number':
        next();
        return { t: 'number', value: t.v, float: t.float, pos: t.pos };
      case 'lparen': {
        next();
        const pipe = pipeline(false, 'rparen');
        next();
        return { t: 'pipe', pipe, chain: fieldChain(false), pos: t.pos };
      }
      case 'ident': {
        next();
        if (t.v === 'true' || t.v === 'false') return { t: 'bool', value: t.v === 'true', pos: t.pos };
        if (t.v === 'nil') return { t: 'nil', pos: t.pos };
        if (UNSUPPORTED.has(t.v) || ['if', 'else', 'end', 'range', 'with', 'break', 'continue'].includes(t.v)) err(t.pos, `unexpected <${t.v}> in command`);
        if (adjacentField()) err(t.pos, `unexpected field access after function ${t.v}: use (${t.v} …).field`);
        return { t: 'ident', name: t.v, pos: t.pos };
      }
      default:
        return undefined;
    }
  };

  const pipeline = (allowDecl: boolean, end: 'close' | 'rparen'): Pipeline => {
    const pos = peek().pos;
    const decl: string[] = [];
    let assign = false;
    if (allowDecl && peek().k === 'var') {
      // Look ahead for `$x :=`, `$x =`, `$i, $e :=`.
      const save = i;
      const names: string[] = [(next() as { v: string }).v];
      if (peek().k === 'comma') {
        next();
        if (peek().k === 'var') names.push((next() as { v: string }).v);
        else err(peek().pos, 'expected a variable after ","');
      }
      if (peek().k === 'declare' || peek().k === 'assign') {
        assign = next().k === 'assign';
        decl.push(...names);
        if (assign) for (const n of names) if (!hasVar(n)) err(pos, `undefined variable "${n}"`);
      } else {
        if (names.length > 1) err(pos, 'too many declarations in command');
        i = save;
      }
    }
    const cmds: Command[] = [];
    for (;;) {
      const cpos = peek().pos;
      const args: Arg[] = [];
      for (;;) {
        const a = operand();
        if (a === undefined) break;
        args.push(a);
      }
      if (args.length === 0) err(peek().pos, end === 'close' ? 'missing value for command' : 'missing value for parenthesized pipeline');
      cmds.push({ args, pos: cpos });
      const t = peek();
      if (t.k === 'pipe') {
        next();
        continue;
      }
      if (t.k === end) break;
      err(t.pos, t.k === 'eof' ? 'unclosed action' : `unexpected ${t.k === 'close' ? '"}}"' : t.k === 'rparen' ? '")"' : `token`} in ${end === 'close' ? 'command' : 'parenthesized pipeline'}`);
    }
    if (!assign) for (const n of decl) vars[vars.length - 1]!.push(n);
    return { decl, assign, cmds, pos };
  };

  // Parses a list of nodes until one of the `stop` keywords; returns the nodes and the keyword met.
  const list = (stop: ReadonlyArray<string>, inRange: boolean): { nodes: Node[]; stopped: string; pos: number } => {
    const nodes: Node[] = [];
    for (;;) {
      const t = next();
      if (t.k === 'eof') {
        if (stop.length > 0) err(t.pos, `unexpected EOF`);
        return { nodes, stopped: '', pos: t.pos };
      }
      if (t.k === 'text') {
        nodes.push({ t: 'text', text: t.v });
        continue;
      }
      if (t.k !== 'open') err(t.pos, 'unexpected token');
      const k = peek();
      if (k.k === 'ident' && ['end', 'else'].includes(k.v)) {
        next();
        if (!stop.includes(k.v)) err(k.pos, `unexpected {{${k.v}}}`);
        if (k.v === 'end' && next().k !== 'close') err(k.pos, 'unexpected token in end');
        return { nodes, stopped: k.v, pos: k.pos };
      }
      if (k.k === 'ident' && UNSUPPORTED.has(k.v)) err(k.pos, `{{${k.v}}} is not supported in notification templates`);
      if (k.k === 'ident' && (k.v === 'break' || k.v === 'continue')) {
        next();
        if (!inRange) err(k.pos, `{{${k.v}}} outside {{range}}`);
        if (next().k !== 'close') err(k.pos, `unexpected token in {{${k.v}}}`);
        nodes.push({ t: k.v, pos: k.pos });
        continue;
      }
      if (k.k === 'ident' && (k.v === 'if' || k.v === 'with' || k.v === 'range')) {
        next();
        nodes.push(control(k.v, inRange));
        continue;
      }
      nodes.push({ t: 'action', pipe: pipeline(true, 'close') });
      next();
    }
  };

  const control = (kind: 'if' | 'with' | 'range', inRange: boolean): Node => {
    // Variables of the pipeline are visible in both branches; each branch has its own scope.
    vars.push([]);
    const pipe = pipeline(true, 'close');
    next();
    vars.push([]);
    const body = list(['end', 'else'], inRange || kind === 'range');
    vars.pop();
    let elseList: Node[] | undefined;
    if (body.stopped === 'else') {
      const k = peek();
      if ((kind === 'if' || kind === 'with') && k.k === 'ident' && k.v === kind) {
        // `{{else if …}}` / `{{else with …}}`: a nested control whose {{end}} closes both.
        next();
        elseList = [control(kind, inRange)];
      } else {
        if (next().k !== 'close') err(k.pos, 'unexpected token after else');
        vars.push([]);
        elseList = list(['end'], inRange).nodes;
        vars.pop();
      }
    }
    vars.pop();
    return { t: kind, pipe, list: body.nodes, elseList };
  };

  return list([], false).nodes;
}
