/**
 * A Pratt parser for the expr language, producing a small AST. Precedence (loosest first), as in expr:
 *
 * | prec | operators                                                        |
 * |------|------------------------------------------------------------------|
 * | 0    | `\|` (pipe: `x \| f(a)` is `f(x, a)`), then `?:` ternary          |
 * | 10   | `or` `\|\|`                                                       |
 * | 15   | `and` `&&`                                                        |
 * | 20   | `==` `!=` `<` `>` `<=` `>=` `in` `matches` `contains` `startsWith` `endsWith` (and `not in`, …); chains like `a < b < c` mean `a < b && b < c` |
 * | 25   | `..`                                                              |
 * | 30   | `+` `-`                                                           |
 * | 50   | unary `not` `!`                                                   |
 * | 60   | `*` `/` `%`                                                       |
 * | 90   | unary `-` `+`                                                     |
 * | 100  | `**` `^` (right-associative)                                      |
 * | 500  | `??` (may not be mixed with other binary operators without parentheses) |
 *
 * then postfix member access `a.b`, `a?.b`, `a[i]`, `a?.[i]`, slices `a[i:j]`, and primaries: literals,
 * arrays, maps, names, calls (with predicates `{…}` or bare for `all`, `any`, `filter`, …), `let x = …; …`.
 *
 * Work is bounded: the parser refuses to recurse deeper than {@link MAX_DEPTH} and refuses trees deeper than
 * {@link MAX_DEPTH}, so that every later recursive walk is bounded too.
 */
import { ExprFailure } from './Failure';
import type { Token } from './Lexer';
import { tokenize } from './Lexer';

/** Deepest nesting of the syntax tree (and of the parser's own recursion). */
export const MAX_DEPTH = 100;

export type BinaryOp =
  | 'or'
  | 'and'
  | '=='
  | '!='
  | '<'
  | '>'
  | '<='
  | '>='
  | 'in'
  | 'matches'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | '..'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%'
  | '**'
  | '??';

interface Base {
  /** 0-based offset of the token that names this node (its operator, name or first character). */
  readonly pos: number;
  /** 1 + the depth of the deepest child. */
  readonly depth: number;
}

export type Node =
  | (Base & { readonly type: 'nil' })
  | (Base & { readonly type: 'bool'; readonly value: boolean })
  | (Base & { readonly type: 'int'; readonly value: bigint })
  | (Base & { readonly type: 'float'; readonly value: number })
  | (Base & { readonly type: 'string'; readonly value: string })
  | (Base & { readonly type: 'name'; readonly name: string })
  /** `#` (name ''), `#index`, `#acc`; `.x` inside a predicate is `#.x`. */
  | (Base & { readonly type: 'pointer'; readonly name: string })
  | (Base & { readonly type: 'array'; readonly items: readonly Node[] })
  | (Base & { readonly type: 'map'; readonly entries: ReadonlyArray<{ readonly key: Node; readonly value: Node }> })
  | (Base & { readonly type: 'unary'; readonly op: 'not' | '-' | '+'; readonly operand: Node })
  | (Base & { readonly type: 'binary'; readonly op: BinaryOp; readonly left: Node; readonly right: Node })
  | (Base & { readonly type: 'member'; readonly object: Node; readonly property: Node; readonly optional: boolean })
  | (Base & { readonly type: 'slice'; readonly object: Node; readonly from: Node | null; readonly to: Node | null; readonly optional: boolean })
  /** The extent of an optional chain: a `?.` on nil anywhere inside makes the whole chain nil. */
  | (Base & { readonly type: 'chain'; readonly node: Node })
  | (Base & { readonly type: 'conditional'; readonly cond: Node; readonly then: Node; readonly otherwise: Node })
  | (Base & { readonly type: 'call'; readonly name: string; readonly args: readonly Node[] })
  | (Base & { readonly type: 'predicate'; readonly body: Node })
  | (Base & { readonly type: 'let'; readonly name: string; readonly value: Node; readonly body: Node });

type NodeOf<T extends Node['type']> = Extract<Node, { type: T }>;
type Fields<T extends Node['type']> = Omit<NodeOf<T>, 'depth' | 'type' | 'pos'>;

interface Operator {
  readonly prec: number;
  readonly right: boolean;
}

const BINARY: Readonly<Record<string, Operator & { readonly op: BinaryOp | '|' }>> = {
  '|': { prec: 0, right: false, op: '|' },
  or: { prec: 10, right: false, op: 'or' },
  '||': { prec: 10, right: false, op: 'or' },
  and: { prec: 15, right: false, op: 'and' },
  '&&': { prec: 15, right: false, op: 'and' },
  '==': { prec: 20, right: false, op: '==' },
  '!=': { prec: 20, right: false, op: '!=' },
  '<': { prec: 20, right: false, op: '<' },
  '>': { prec: 20, right: false, op: '>' },
  '<=': { prec: 20, right: false, op: '<=' },
  '>=': { prec: 20, right: false, op: '>=' },
  in: { prec: 20, right: false, op: 'in' },
  matches: { prec: 20, right: false, op: 'matches' },
  contains: { prec: 20, right: false, op: 'contains' },
  startsWith: { prec: 20, right: false, op: 'startsWith' },
  endsWith: { prec: 20, right: false, op: 'endsWith' },
  '..': { prec: 25, right: false, op: '..' },
  '+': { prec: 30, right: false, op: '+' },
  '-': { prec: 30, right: false, op: '-' },
  '*': { prec: 60, right: false, op: '*' },
  '/': { prec: 60, right: false, op: '/' },
  '%': { prec: 60, right: false, op: '%' },
  '**': { prec: 100, right: true, op: '**' },
  '^': { prec: 100, right: true, op: '**' },
  '??': { prec: 500, right: false, op: '??' },
};

const UNARY: Readonly<Record<string, Operator & { readonly op: 'not' | '-' | '+' }>> = {
  not: { prec: 50, right: false, op: 'not' },
  '!': { prec: 50, right: false, op: 'not' },
  '-': { prec: 90, right: false, op: '-' },
  '+': { prec: 90, right: false, op: '+' },
};

const COMPARISON_PREC = 20;
/** Operators that `not` may precede: `a not in b` is `not (a in b)`. */
const NEGATABLE = new Set(['in', 'matches', 'contains', 'startsWith', 'endsWith']);

type ArgSpec = 'expr' | 'predicate' | 'predicate?' | 'expr?';

/** Functions whose arguments include a predicate (`{# > 0}` or bare `# > 0`), with their argument shapes. */
export const PREDICATE_FUNCTIONS: Readonly<Record<string, readonly ArgSpec[]>> = {
  all: ['expr', 'predicate'],
  none: ['expr', 'predicate'],
  any: ['expr', 'predicate'],
  one: ['expr', 'predicate'],
  filter: ['expr', 'predicate'],
  map: ['expr', 'predicate'],
  count: ['expr', 'predicate?'],
  sum: ['expr', 'predicate?'],
  find: ['expr', 'predicate'],
  findIndex: ['expr', 'predicate'],
  findLast: ['expr', 'predicate'],
  findLastIndex: ['expr', 'predicate'],
  groupBy: ['expr', 'predicate'],
  sortBy: ['expr', 'predicate', 'expr?'],
  reduce: ['expr', 'predicate', 'expr?'],
};

const describe = (t: Token): string => (t.kind === 'eof' ? 'end of expression' : `token ${JSON.stringify(t.value)}`);

const isName = (s: string): boolean => /^[\p{L}_$][\p{L}\p{Nd}_$]*$/u.test(s);

class Parser {
  private index = 0;
  private depth = 0;
  /** How many predicates enclose the current position (`#` and `.x` are only valid inside one). */
  private predicates = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  private get current(): Token {
    return this.tokens[this.index] ?? this.tokens[this.tokens.length - 1]!;
  }

  private peek(offset = 1): Token {
    return this.tokens[this.index + offset] ?? this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const t = this.current;
    if (this.index < this.tokens.length - 1) this.index++;
    return t;
  }

  private is(kind: Token['kind'], value?: string): boolean {
    const t = this.current;
    return t.kind === kind && (value === undefined || t.value === value);
  }

  private fail(message: string, pos = this.current.pos): never {
    throw new ExprFailure('syntax', message, pos);
  }

  private unexpected(): never {
    this.fail(`unexpected ${describe(this.current)}`);
  }

  private expect(kind: Token['kind'], value: string): Token {
    if (!this.is(kind, value)) this.fail(`expected ${JSON.stringify(value)} but found ${describe(this.current).replace(/^token /, '')}`);
    return this.next();
  }

  private node<T extends Node['type']>(type: T, pos: number, fields: Fields<T>, children: ReadonlyArray<Node | null>): NodeOf<T> {
    let deepest = 0;
    for (const c of children) if (c !== null && c.depth > deepest) deepest = c.depth;
    const depth = deepest + 1;
    if (depth > MAX_DEPTH) this.fail(`expression nests deeper than ${MAX_DEPTH} levels`, pos);
    return { type, pos, depth, ...fields } as unknown as NodeOf<T>;
  }

  parseAll(): Node {
    const node = this.parseExpression(0);
    if (!this.is('eof')) this.unexpected();
    return node;
  }

  private parseExpression(minPrec: number): Node {
    if (++this.depth > MAX_DEPTH) this.fail(`expression nests deeper than ${MAX_DEPTH} levels`);
    try {
      if (minPrec === 0 && this.is('op', 'let')) return this.parseLet();
      let left = this.parsePrimary();
      let previous = '';
      for (;;) {
        const token = this.current;
        if (token.kind !== 'op') break;
        let opToken = token;
        let negate = false;
        if (token.value === 'not') {
          const following = this.peek();
          if (following.kind !== 'op' || !NEGATABLE.has(following.value)) this.unexpected();
          if (BINARY[following.value]!.prec < minPrec) break;
          negate = true;
          this.next();
          opToken = following;
        }
        const info = Object.prototype.hasOwnProperty.call(BINARY, opToken.value) ? BINARY[opToken.value] : undefined;
        if (info === undefined || info.prec < minPrec) break;
        this.next();
        if (info.op === '|') {
          const name = this.current;
          if (name.kind !== 'ident' || !this.peekIs(1, 'bracket', '(')) this.fail('expected a function call after |');
          this.next();
          left = this.parseCall(name, [left]);
          previous = '|';
          continue;
        }
        if (previous === '??' && info.op !== '??') {
          this.fail(`operator ${opToken.value} and coalesce expressions (??) cannot be mixed; wrap either in parentheses`, opToken.pos);
        }
        if (info.prec === COMPARISON_PREC) {
          left = this.parseComparison(left, opToken, negate);
        } else {
          const right = this.parseExpression(info.right ? info.prec : info.prec + 1);
          left = this.node('binary', opToken.pos, { op: info.op, left, right }, [left, right]);
        }
        previous = info.op;
      }
      if (minPrec === 0) left = this.parseConditional(left);
      return left;
    } finally {
      this.depth--;
    }
  }

  private peekIs(offset: number, kind: Token['kind'], value: string): boolean {
    const t = this.peek(offset);
    return t.kind === kind && t.value === value;
  }

  /** `a < b < c` is `a < b && b < c` (expr's comparison chaining). */
  private parseComparison(first: Node, firstOp: Token, firstNegated: boolean): Node {
    let root: Node | null = null;
    let left = first;
    let opToken = firstOp;
    let negate = firstNegated;
    for (;;) {
      const right = this.parseExpression(COMPARISON_PREC + 1);
      let cmp: Node = this.node('binary', opToken.pos, { op: BINARY[opToken.value]!.op as BinaryOp, left, right }, [left, right]);
      if (negate) cmp = this.node('unary', opToken.pos, { op: 'not', operand: cmp }, [cmp]);
      root = root === null ? cmp : this.node('binary', opToken.pos, { op: 'and', left: root, right: cmp }, [root, cmp]);
      left = right;
      const t = this.current;
      if (t.kind !== 'op') break;
      if (t.value === 'not' && this.peek().kind === 'op' && NEGATABLE.has(this.peek().value)) {
        this.next();
        opToken = this.next();
        negate = true;
      } else if (Object.prototype.hasOwnProperty.call(BINARY, t.value) && BINARY[t.value]!.prec === COMPARISON_PREC) {
        opToken = this.next();
        negate = false;
      } else {
        break;
      }
    }
    return root;
  }

  private parseConditional(node: Node): Node {
    let cond = node;
    while (this.is('op', '?')) {
      const q = this.next();
      let then: Node;
      let otherwise: Node;
      if (this.is('op', ':')) {
        // `a ?: b` is `a ? a : b`.
        this.next();
        then = cond;
        otherwise = this.parseExpression(0);
      } else {
        then = this.parseExpression(0);
        this.expect('op', ':');
        otherwise = this.parseExpression(0);
      }
      cond = this.node('conditional', q.pos, { cond, then, otherwise }, [cond, then, otherwise]);
    }
    return cond;
  }

  private parseLet(): Node {
    const letToken = this.next();
    const name = this.current;
    if (name.kind !== 'ident' || ['true', 'false', 'nil'].includes(name.value)) this.fail('expected a variable name after let');
    this.next();
    this.expect('op', '=');
    const value = this.parseExpression(0);
    this.expect('op', ';');
    const body = this.parseExpression(0);
    return this.node('let', letToken.pos, { name: name.value, value, body }, [value, body]);
  }

  private parsePrimary(): Node {
    const token = this.current;
    if (token.kind === 'op' && Object.prototype.hasOwnProperty.call(UNARY, token.value)) {
      const info = UNARY[token.value]!;
      this.next();
      const operand = this.parseExpression(info.prec);
      return this.parsePostfix(this.node('unary', token.pos, { op: info.op, operand }, [operand]));
    }
    if (token.kind === 'bracket' && token.value === '(') {
      this.next();
      if (++this.depth > MAX_DEPTH) this.fail(`expression nests deeper than ${MAX_DEPTH} levels`);
      try {
        const inner = this.parseExpression(0);
        this.expect('bracket', ')');
        return this.parsePostfix(inner);
      } finally {
        this.depth--;
      }
    }
    if (token.kind === 'pointer' || (token.kind === 'op' && token.value === '.')) {
      if (this.predicates === 0) this.fail('cannot use pointer accessor outside predicate');
      // `.x` is `#.x`: leave the dot for parsePostfix.
      if (token.kind === 'pointer') this.next();
      const name = token.kind === 'pointer' ? token.value : '';
      return this.parsePostfix(this.node('pointer', token.pos, { name }, []));
    }
    return this.parsePostfix(this.parseSecondary());
  }

  private parseSecondary(): Node {
    const token = this.current;
    switch (token.kind) {
      case 'ident': {
        this.next();
        if (token.value === 'true' || token.value === 'false') return this.node('bool', token.pos, { value: token.value === 'true' }, []);
        if (token.value === 'nil') return this.node('nil', token.pos, {}, []);
        if (this.is('bracket', '(')) return this.parseCall(token, []);
        return this.node('name', token.pos, { name: token.value }, []);
      }
      case 'number':
        this.next();
        return this.parseNumber(token);
      case 'string':
        this.next();
        return this.node('string', token.pos, { value: token.value }, []);
      case 'bracket':
        if (token.value === '[') return this.parseArray();
        if (token.value === '{') return this.parseMap();
        return this.unexpected();
      default:
        return this.unexpected();
    }
  }

  private parseNumber(token: Token): Node {
    const text = token.value.replace(/_/g, '');
    const lower = text.toLowerCase();
    const radix = lower.startsWith('0x') ? 16 : lower.startsWith('0o') ? 8 : lower.startsWith('0b') ? 2 : 10;
    if (radix === 10 && /[.e]/.test(lower)) {
      const value = Number(text);
      if (!/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(lower) || Number.isNaN(value)) this.fail(`invalid float literal ${token.value}`, token.pos);
      if (!Number.isFinite(value)) this.fail('float literal is too large', token.pos);
      return this.node('float', token.pos, { value }, []);
    }
    const digits = radix === 10 ? text : text.slice(2);
    const valid = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : radix === 2 ? /^[01]+$/ : /^\d+$/;
    if (!valid.test(digits)) this.fail(`invalid integer literal ${token.value}`, token.pos);
    const prefix = radix === 16 ? '0x' : radix === 8 ? '0o' : radix === 2 ? '0b' : '';
    const value = BigInt(prefix + digits);
    if (value > 0x7fffffffffffffffn) this.fail('integer literal is too large', token.pos);
    return this.node('int', token.pos, { value }, []);
  }

  private parseArray(): Node {
    const open = this.expect('bracket', '[');
    const items: Node[] = [];
    while (!this.is('bracket', ']')) {
      if (items.length > 0) {
        this.expect('op', ',');
        if (this.is('bracket', ']')) break;
      }
      items.push(this.parseExpression(0));
    }
    this.expect('bracket', ']');
    return this.node('array', open.pos, { items }, items);
  }

  private parseMap(): Node {
    const open = this.expect('bracket', '{');
    const entries: Array<{ key: Node; value: Node }> = [];
    const children: Node[] = [];
    while (!this.is('bracket', '}')) {
      if (entries.length > 0) {
        this.expect('op', ',');
        if (this.is('bracket', '}')) break;
      }
      const t = this.current;
      let key: Node;
      if (t.kind === 'number' || t.kind === 'string' || t.kind === 'ident') {
        this.next();
        key = this.node('string', t.pos, { value: t.value }, []);
      } else if (t.kind === 'bracket' && t.value === '(') {
        key = this.parseExpression(0);
      } else {
        this.fail(`a map key must be a quoted string, a number, a name, or an expression in parentheses (unexpected ${describe(t)})`);
      }
      this.expect('op', ':');
      const value = this.parseExpression(0);
      entries.push({ key, value });
      children.push(key, value);
    }
    this.expect('bracket', '}');
    return this.node('map', open.pos, { entries }, children);
  }

  private parseCall(name: Token, leading: Node[]): Node {
    const specs = Object.prototype.hasOwnProperty.call(PREDICATE_FUNCTIONS, name.value) ? PREDICATE_FUNCTIONS[name.value] : undefined;
    const args = [...leading];
    this.expect('bracket', '(');
    if (specs !== undefined) {
      const rest = specs.slice(leading.length);
      for (let i = 0; i < rest.length; i++) {
        const spec = rest[i]!;
        const optional = spec.endsWith('?');
        if (this.is('bracket', ')')) {
          if (optional) break;
          this.fail(`${name.value} expects at least ${specs.filter((s) => !s.endsWith('?')).length} arguments`);
        }
        if (i > 0) {
          this.expect('op', ',');
          if (optional && this.is('bracket', ')')) break;
        }
        args.push(spec.startsWith('predicate') ? this.parsePredicate() : this.parseExpression(0));
      }
      if (this.is('op', ',')) this.next();
    } else {
      let first = true;
      while (!this.is('bracket', ')')) {
        if (!first) {
          this.expect('op', ',');
          if (this.is('bracket', ')')) break;
        }
        first = false;
        args.push(this.parseExpression(0));
      }
    }
    this.expect('bracket', ')');
    return this.node('call', name.pos, { name: name.value, args }, args);
  }

  private parsePredicate(): Node {
    const start = this.current;
    const braced = this.is('bracket', '{');
    if (braced) this.next();
    this.predicates++;
    const body = this.parseExpression(0);
    this.predicates--;
    if (braced) this.expect('bracket', '}');
    return this.node('predicate', start.pos, { body }, [body]);
  }

  private parsePostfix(start: Node): Node {
    let node = start;
    for (;;) {
      const t = this.current;
      const optional = t.kind === 'op' && t.value === '?.';
      if (optional && this.peekIs(1, 'bracket', '[')) {
        this.next();
        node = this.parseIndex(node, true);
      } else if (optional || (t.kind === 'op' && t.value === '.')) {
        this.next();
        const prop = this.current;
        if (!(prop.kind === 'ident' || (prop.kind === 'op' && isName(prop.value)))) this.fail('expected a property name');
        this.next();
        if (this.is('bracket', '(')) {
          this.fail(`method calls are not supported (${prop.value}())`, prop.pos);
        }
        const { inner, chained } = unchain(node);
        const property = this.node('string', prop.pos, { value: prop.value }, []);
        const member = this.node('member', prop.pos, { object: inner, property, optional }, [inner, property]);
        node = chained || optional ? this.node('chain', member.pos, { node: member }, [member]) : member;
      } else if (t.kind === 'bracket' && t.value === '[') {
        node = this.parseIndex(node, false);
      } else {
        return node;
      }
    }
  }

  /** `[i]`, `[i:j]`, `[:j]`, `[i:]`, `[:]` after `node` (the `[` is current). */
  private parseIndex(node: Node, optional: boolean): Node {
    const open = this.expect('bracket', '[');
    const { inner, chained } = unchain(node);
    let result: Node;
    if (this.is('op', ':')) {
      this.next();
      const to = this.is('bracket', ']') ? null : this.parseExpression(0);
      result = this.node('slice', open.pos, { object: inner, from: null, to, optional }, [inner, to]);
    } else {
      const from = this.parseExpression(0);
      if (this.is('op', ':')) {
        this.next();
        const to = this.is('bracket', ']') ? null : this.parseExpression(0);
        result = this.node('slice', open.pos, { object: inner, from, to, optional }, [inner, from, to]);
      } else {
        result = this.node('member', open.pos, { object: inner, property: from, optional }, [inner, from]);
      }
    }
    this.expect('bracket', ']');
    return chained || optional ? this.node('chain', result.pos, { node: result }, [result]) : result;
  }
}

/** Postfix operations continue an optional chain: `a?.b.c` is one chain around `(a?.b).c`. */
const unchain = (node: Node): { inner: Node; chained: boolean } =>
  node.type === 'chain' ? { inner: node.node, chained: true } : { inner: node, chained: false };

/** Parses an expression into its syntax tree; throws {@link ExprFailure} (`syntax`) with the offending position. */
export const parse = (src: string): Node => new Parser(tokenize(src)).parseAll();
