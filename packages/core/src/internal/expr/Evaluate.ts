/**
 * Compiling (parse + name check) and evaluating an expr expression against an environment of variables.
 *
 * Compilation rejects, before anything runs, what no environment value could fix: syntax errors, unknown
 * names and functions, wrong argument counts, `#acc` outside `reduce`, invalid literal regular expressions.
 * Evaluation is a tree walk that charges one step per node visited (and more for work proportional to data:
 * copying, comparing, sorting, building strings, regex matching) and stops with an error once the budget is
 * spent, so no expression can run for long whatever the data.
 */
import type { Predicate } from './Builtins';
import { BUILTINS, PREDICATE_BUILTINS, UNSUPPORTED_FUNCTIONS } from './Builtins';
import { ExprFailure, evalFailure } from './Failure';
import { binary, fetch, negate, slice, truth } from './Operators';
import type { Node } from './Parser';
import { PREDICATE_FUNCTIONS, parse } from './Parser';
import type { Regex } from './Regex';
import { compileRegex } from './Regex';
import type { ValueMap } from './Value';
import { isNil, kindOf, makeMap, mapGet, stringCost, typeName } from './Value';

/** Longest expression accepted, in characters. */
export const MAX_EXPRESSION_LENGTH = 4096;

/** Evaluation steps allowed per expression. */
export const MAX_STEPS = 1_000_000;

/** The variable that names the whole environment, as in expr (`$env["result"]`). */
const ENV_NAME = '$env';

const syntax = (message: string, pos: number): ExprFailure => new ExprFailure('syntax', message, pos);

/** Parses and checks an expression against the names the environment will provide. */
export const compile = (src: string, names: ReadonlySet<string>): Node => {
  if (src.length > MAX_EXPRESSION_LENGTH) {
    throw syntax(`expression is too long (${src.length} characters, at most ${MAX_EXPRESSION_LENGTH})`, MAX_EXPRESSION_LENGTH);
  }
  if (src.trim() === '') throw syntax('expression is empty', 0);
  const ast = parse(src);
  check(ast, names, new Set(), null);
  return ast;
};

/** Static checks; `predicate` is the name of the function whose predicate encloses `node`, if any. */
const check = (node: Node, names: ReadonlySet<string>, locals: ReadonlySet<string>, predicate: string | null): void => {
  switch (node.type) {
    case 'name':
      if (!locals.has(node.name) && !names.has(node.name) && node.name !== ENV_NAME) throw syntax(`unknown name ${node.name}`, node.pos);
      return;
    case 'pointer':
      if (node.name === 'acc' ? predicate !== 'reduce' : node.name !== '' && node.name !== 'index') {
        throw syntax(`unknown pointer #${node.name}${node.name === 'acc' ? ' (only inside reduce)' : ''}`, node.pos);
      }
      return;
    case 'call': {
      const { name, args } = node;
      const shapes = Object.prototype.hasOwnProperty.call(PREDICATE_FUNCTIONS, name) ? PREDICATE_FUNCTIONS[name] : undefined;
      if (UNSUPPORTED_FUNCTIONS.has(name)) throw syntax(`function ${name} is not supported in conditions`, node.pos);
      if (shapes !== undefined) {
        if (!PREDICATE_BUILTINS.has(name)) throw syntax(`function ${name} is not supported in conditions`, node.pos);
        args.forEach((a) => (a.type === 'predicate' ? check(a.body, names, locals, name) : check(a, names, locals, predicate)));
        return;
      }
      const fn = BUILTINS.get(name);
      if (fn === undefined) throw syntax(`unknown function ${name}`, node.pos);
      if (args.length < fn.min || args.length > fn.max) {
        const expected = fn.min === fn.max ? `${fn.min}` : fn.max === Infinity ? `at least ${fn.min}` : `${fn.min} to ${fn.max}`;
        throw syntax(`wrong number of arguments for ${name}: expected ${expected}, got ${args.length}`, node.pos);
      }
      args.forEach((a) => check(a, names, locals, predicate));
      return;
    }
    case 'let': {
      check(node.value, names, locals, predicate);
      check(node.body, names, new Set([...locals, node.name]), predicate);
      return;
    }
    case 'binary':
      check(node.left, names, locals, predicate);
      check(node.right, names, locals, predicate);
      if (node.op === 'matches' && node.right.type === 'string') {
        try {
          compileRegex(node.right.value);
        } catch (e) {
          if (e instanceof ExprFailure) throw syntax(e.message, node.right.pos);
          throw e;
        }
      }
      return;
    default:
      for (const child of children(node)) check(child, names, locals, predicate);
  }
};

const children = (node: Node): Array<Node> => {
  switch (node.type) {
    case 'array':
      return [...node.items];
    case 'map':
      return node.entries.flatMap((e) => [e.key, e.value]);
    case 'unary':
      return [node.operand];
    case 'binary':
      return [node.left, node.right];
    case 'member':
      return [node.object, node.property];
    case 'slice':
      return [node.object, ...(node.from === null ? [] : [node.from]), ...(node.to === null ? [] : [node.to])];
    case 'chain':
      return [node.node];
    case 'conditional':
      return [node.cond, node.then, node.otherwise];
    case 'call':
      return [...node.args];
    case 'predicate':
      return [node.body];
    case 'let':
      return [node.value, node.body];
    default:
      return [];
  }
};

/** Variables bound by `let`, innermost first. */
interface Locals {
  readonly name: string;
  readonly value: unknown;
  readonly parent: Locals | null;
}

/** The element a predicate is looking at. */
interface Frame {
  readonly item: unknown;
  readonly index: number;
  readonly acc: unknown;
}

interface Scope {
  readonly locals: Locals | null;
  readonly frame: Frame | null;
}

/** Marks an optional chain (`a?.b`) that met nil: the enclosing chain node turns it into nil. */
const SHORT_CIRCUIT: unique symbol = Symbol('short-circuit');

class Machine {
  private steps = 0;
  private readonly regexes = new Map<string, Regex>();

  constructor(
    private readonly env: ValueMap,
    private readonly maxSteps: number,
  ) {}

  readonly charge = (n: number): void => {
    this.steps += n;
    if (this.steps > this.maxSteps) throw evalFailure(`evaluation exceeded its budget of ${this.maxSteps} steps`);
  };

  private readonly regex = (pattern: string): Regex => {
    let re = this.regexes.get(pattern);
    if (re === undefined) {
      this.charge(1 + Math.ceil(pattern.length / 8));
      re = compileRegex(pattern);
      this.regexes.set(pattern, re);
    }
    return re;
  };

  run(node: Node, scope: Scope): unknown {
    try {
      this.charge(1);
      return this.step(node, scope);
    } catch (e) {
      if (e instanceof ExprFailure) throw e.at(node.pos);
      throw e;
    }
  }

  private step(node: Node, scope: Scope): unknown {
    switch (node.type) {
      case 'nil':
        return null;
      case 'bool':
      case 'int':
      case 'float':
      case 'string':
        return node.value;
      case 'name':
        return this.lookup(node.name, scope);
      case 'pointer': {
        const frame = scope.frame;
        if (frame === null) throw evalFailure('cannot use pointer accessor outside predicate');
        return node.name === 'index' ? BigInt(frame.index) : node.name === 'acc' ? frame.acc : frame.item;
      }
      case 'array':
        return node.items.map((item) => this.run(item, scope));
      case 'map':
        return makeMap(
          node.entries.map(({ key, value }) => {
            const k = this.run(key, scope);
            if (typeof k !== 'string') throw evalFailure(`map keys must be strings, got ${typeName(k)}`).at(key.pos);
            return [k, this.run(value, scope)] as const;
          }),
        );
      case 'unary': {
        const v = this.run(node.operand, scope);
        return node.op === 'not' ? !truth(v, 'operand of not') : negate(node.op, v);
      }
      case 'binary': {
        if (node.op === 'and' || node.op === 'or') {
          const left = truth(this.run(node.left, scope), `left operand of ${node.op}`);
          if (node.op === 'and' ? !left : left) return left;
          return truth(this.run(node.right, scope), `right operand of ${node.op}`);
        }
        if (node.op === '??') {
          const left = this.run(node.left, scope);
          return isNil(left) ? this.run(node.right, scope) : left;
        }
        const left = this.run(node.left, scope);
        const right = this.run(node.right, scope);
        this.charge(stringCost(left) + stringCost(right));
        return binary(node.op, left, right, this.charge, this.regex);
      }
      case 'member': {
        const object = this.run(node.object, scope);
        if (object === SHORT_CIRCUIT || (node.optional && isNil(object))) return SHORT_CIRCUIT;
        return fetch(object, this.run(node.property, scope), this.charge);
      }
      case 'slice': {
        const object = this.run(node.object, scope);
        if (object === SHORT_CIRCUIT || (node.optional && isNil(object))) return SHORT_CIRCUIT;
        const from = node.from === null ? undefined : this.run(node.from, scope);
        const to = node.to === null ? undefined : this.run(node.to, scope);
        return slice(object, from, to, this.charge);
      }
      case 'chain': {
        const v = this.run(node.node, scope);
        return v === SHORT_CIRCUIT ? null : v;
      }
      case 'conditional':
        return truth(this.run(node.cond, scope), 'condition of ?:') ? this.run(node.then, scope) : this.run(node.otherwise, scope);
      case 'let': {
        const value = this.run(node.value, scope);
        return this.run(node.body, { locals: { name: node.name, value, parent: scope.locals }, frame: scope.frame });
      }
      case 'call':
        return this.call(node, scope);
      case 'predicate':
        throw evalFailure('a predicate can only be an argument of a function such as all or filter');
    }
  }

  private lookup(name: string, scope: Scope): unknown {
    for (let l = scope.locals; l !== null; l = l.parent) if (l.name === name) return l.value;
    if (name === ENV_NAME) return this.env;
    const v = mapGet(this.env, name);
    return v === undefined ? null : v;
  }

  private call(node: Extract<Node, { type: 'call' }>, scope: Scope): unknown {
    const predicateFn = PREDICATE_BUILTINS.get(node.name);
    if (predicateFn !== undefined) {
      const [collection, ...rest] = node.args;
      const items = this.run(collection!, scope);
      if (kindOf(items) !== 'array') throw evalFailure(`invalid argument for ${node.name} (type ${typeName(items)})`);
      let predicate: Predicate | null = null;
      const extra: unknown[] = [];
      for (const arg of rest) {
        if (arg.type === 'predicate') {
          const body = arg.body;
          predicate = (item, index, acc) => {
            this.charge(1);
            return this.run(body, { locals: scope.locals, frame: { item, index, acc } });
          };
        } else {
          extra.push(this.run(arg, scope));
        }
      }
      return predicateFn.run(items as readonly unknown[], predicate, extra, this.charge);
    }
    const fn = BUILTINS.get(node.name);
    if (fn === undefined) throw evalFailure(`unknown function ${node.name}`);
    const args = node.args.map((a) => this.run(a, scope));
    for (const a of args) this.charge(stringCost(a));
    return fn.call(args, this.charge);
  }
}

/** Evaluates a compiled expression; throws {@link ExprFailure} (`eval`) with the position of the failing node. */
export const evaluate = (ast: Node, env: ValueMap, maxSteps: number = MAX_STEPS): unknown =>
  new Machine(env, maxSteps).run(ast, { locals: null, frame: null });
