/**
 * The type check expr makes when it compiles an expression against an environment, before anything runs:
 * expr types each variable by the value the environment holds (Argo compiles every condition with
 * `expr.Env({"result": <measured value>, ...})`), and refuses `==` and `!=` between operands whose types are
 * both known and cannot be compared (`invalid operation: == (mismatched types float64 and string)`): a number
 * with a string, a bool with a number, a map with an array, and so on. Ints and floats compare with each
 * other, and `nil` with anything. Because it is a compile-time check, a mismatch fails the condition even in
 * a branch that evaluation would skip (`result > 0 || result == "x"`).
 *
 * Only what expr itself knows statically is typed here: literals, environment variables (by their value),
 * `let` names (by their value's type), and what operators build from typed operands. Member access, indexing,
 * slices, function results, predicate pointers (`#`) and `??` are of unknown type (expr's `interface{}`):
 * comparing them with anything is allowed and yields `false` on a mismatch at run time (`result[0] == "1"`),
 * as expr's runtime does. So this check never refuses a comparison that expr accepts.
 */
import { ExprFailure } from './Failure';
import type { Node } from './Parser';
import type { ValueMap } from './Value';
import { kindOf, mapGet } from './Value';

/** A statically known type, or `undefined` when it is only known at run time (expr's `interface{}`). */
type StaticType = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'array' | 'map' | undefined;

const numeric = (t: StaticType): t is 'int' | 'float' => t === 'int' || t === 'float';

/** Whether expr accepts `a == b` for these static types. */
const comparable = (a: StaticType, b: StaticType): boolean =>
  a === undefined || b === undefined || a === 'nil' || b === 'nil' || a === b || (numeric(a) && numeric(b));

/** The static type of a value held by the environment. */
const typeOfValue = (v: unknown): StaticType => {
  const kind = kindOf(v);
  return kind === 'nil' || kind === 'unsupported' ? undefined : kind;
};

/**
 * Checks the comparisons of a compiled expression against the environment it will run in; throws an
 * evaluation failure at the first mismatched `==` / `!=`, in source order.
 */
export function checkComparisonTypes(ast: Node, env: ValueMap): void {
  typeOf(ast, env, new Map());
}

function typeOf(node: Node, env: ValueMap, locals: ReadonlyMap<string, StaticType>): StaticType {
  switch (node.type) {
    case 'nil':
    case 'bool':
    case 'int':
    case 'float':
    case 'string':
      return node.type;
    case 'name':
      if (locals.has(node.name)) return locals.get(node.name);
      return typeOfValue(mapGet(env, node.name));
    case 'pointer':
      return undefined;
    case 'array':
      for (const item of node.items) typeOf(item, env, locals);
      return 'array';
    case 'map':
      for (const e of node.entries) {
        typeOf(e.key, env, locals);
        typeOf(e.value, env, locals);
      }
      return 'map';
    case 'unary': {
      const t = typeOf(node.operand, env, locals);
      if (node.op === 'not') return 'bool';
      return numeric(t) ? t : undefined;
    }
    case 'binary': {
      const l = typeOf(node.left, env, locals);
      const r = typeOf(node.right, env, locals);
      switch (node.op) {
        case '==':
        case '!=':
          if (!comparable(l, r)) throw new ExprFailure('eval', `invalid operation: ${node.op} (mismatched types ${l} and ${r})`, node.pos);
          return 'bool';
        case '+':
          if (l === 'string' && r === 'string') return 'string';
          return numeric(l) && numeric(r) ? (l === 'int' && r === 'int' ? 'int' : 'float') : undefined;
        case '-':
        case '*':
          return numeric(l) && numeric(r) ? (l === 'int' && r === 'int' ? 'int' : 'float') : undefined;
        case '/':
        case '**':
          return numeric(l) && numeric(r) ? 'float' : undefined;
        case '%':
          return l === 'int' && r === 'int' ? 'int' : undefined;
        case '..':
          return 'array';
        case '??':
          return undefined;
        default:
          return 'bool'; // comparisons, and / or, in, contains, startsWith, endsWith, matches
      }
    }
    case 'member':
      typeOf(node.object, env, locals);
      typeOf(node.property, env, locals);
      return undefined;
    case 'slice':
      typeOf(node.object, env, locals);
      if (node.from !== null) typeOf(node.from, env, locals);
      if (node.to !== null) typeOf(node.to, env, locals);
      return undefined;
    case 'chain':
      typeOf(node.node, env, locals);
      return undefined;
    case 'conditional': {
      typeOf(node.cond, env, locals);
      const a = typeOf(node.then, env, locals);
      const b = typeOf(node.otherwise, env, locals);
      return a === b ? a : undefined;
    }
    case 'call':
      for (const a of node.args) typeOf(a, env, locals);
      return undefined;
    case 'predicate':
      typeOf(node.body, env, locals);
      return undefined;
    case 'let': {
      const t = typeOf(node.value, env, locals);
      const inner = new Map(locals);
      inner.set(node.name, t);
      return typeOf(node.body, env, inner);
    }
  }
}
