/**
 * Executes a parsed Go template over notification data, with text/template's semantics for what notification
 * templates do: a missing map key is `<no value>` (and a field of it is too), a field of `nil` or of a non-map
 * is an error, truth is Go's (empty string, 0, nil, empty slice/map and missing are false), `range` over maps
 * goes in key order, variables are scoped to their block. Work is bounded (output size and steps).
 */
import type { Arg, Command, Node, Pipeline } from './Parse';
import { GoFunc, GoTime, MISSING, TemplateExecError, formatGoTime, goType, isMap, printValue } from './Values';

/** A template function: receives evaluated arguments (MISSING for an absent value). */
export type TemplateFunc = (...args: unknown[]) => unknown;

const MAX_OUTPUT = 1 << 20;
const MAX_STEPS = 1_000_000;

class Break {}
class Continue {}

interface State {
  out: string;
  steps: number;
  readonly funcs: ReadonlyMap<string, TemplateFunc>;
  vars: Array<[string, unknown]>;
}

export function truth(v: unknown): boolean {
  if (v === MISSING || v === null || v === undefined) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v !== '';
  if (typeof v === 'number') return v !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

const tick = (s: State): void => {
  if (++s.steps > MAX_STEPS) throw new TemplateExecError('template took too many steps');
};

const field = (receiver: unknown, name: string): unknown => {
  if (receiver === MISSING) return MISSING;
  if (receiver === null || receiver === undefined) throw new TemplateExecError(`nil pointer evaluating interface {}.${name}`);
  if (receiver instanceof GoTime) return timeMethod(receiver, name, []);
  if (isMap(receiver)) return Object.prototype.hasOwnProperty.call(receiver, name) ? receiver[name] : MISSING;
  throw new TemplateExecError(`can't evaluate field ${name} in type ${goType(receiver)}`);
};

/** Methods of time.Time that templates call: `.Format`, `.UTC`, `.Local` (UTC), `.Unix`, `.UnixMilli`, `.Year`… */
export function timeMethod(t: GoTime, name: string, args: unknown[]): unknown {
  const d = new Date(t.ms);
  switch (name) {
    case 'Format':
      if (typeof args[0] !== 'string') throw new TemplateExecError('wrong type for value; expected string for Format');
      return formatGoTime(t, args[0]);
    case 'UTC':
    case 'Local':
      return t;
    case 'Unix':
      return Math.floor(t.ms / 1000);
    case 'UnixMilli':
      return t.ms;
    case 'Year':
      return d.getUTCFullYear();
    case 'Day':
      return d.getUTCDate();
    case 'Hour':
      return d.getUTCHours();
    case 'Minute':
      return d.getUTCMinutes();
    case 'Second':
      return d.getUTCSeconds();
    default:
      throw new TemplateExecError(`can't evaluate field ${name} in type time.Time (supported: Format, UTC, Local, Unix, UnixMilli, Year, Day, Hour, Minute, Second)`);
  }
}

const lookupVar = (s: State, name: string): unknown => {
  for (let i = s.vars.length - 1; i >= 0; i--) if (s.vars[i]![0] === name) return s.vars[i]![1];
  throw new TemplateExecError(`undefined variable: ${name}`);
};

const setVar = (s: State, name: string, value: unknown): void => {
  for (let i = s.vars.length - 1; i >= 0; i--)
    if (s.vars[i]![0] === name) {
      s.vars[i]![1] = value;
      return;
    }
  throw new TemplateExecError(`undefined variable: ${name}`);
};

const chainFrom = (receiver: unknown, chain: ReadonlyArray<string>, args: unknown[] | undefined): unknown => {
  let v = receiver;
  for (let i = 0; i < chain.length; i++) {
    const last = i === chain.length - 1;
    if (v instanceof GoTime) v = timeMethod(v, chain[i]!, last && args !== undefined ? args : []);
    else {
      if (last && args !== undefined && args.length > 0) throw new TemplateExecError(`${chain[i]} is not a method but has arguments`);
      v = field(v, chain[i]!);
    }
  }
  return v;
};

function evalArg(s: State, dot: unknown, a: Arg): unknown {
  tick(s);
  switch (a.t) {
    case 'field':
      return chainFrom(dot, a.chain, undefined);
    case 'var':
      return chainFrom(lookupVar(s, a.name), a.chain, undefined);
    case 'dot':
      return dot;
    case 'string':
      return a.value;
    case 'number':
      return a.value;
    case 'bool':
      return a.value;
    case 'nil':
      throw new TemplateExecError('nil is not a command');
    case 'pipe':
      return chainFrom(evalPipeline(s, dot, a.pipe), a.chain, undefined);
    case 'ident':
      return call(s, dot, a.name, []);
  }
}

/** Builtins that receive Go's reflect.Value (a missing value stays missing); the others get nil for it. */
const REFLECT_BUILTINS = new Set(['not', 'len', 'index', 'slice', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'call']);

const call = (s: State, dot: unknown, name: string, args: unknown[]): unknown => {
  const f = s.funcs.get(name);
  if (f === undefined) throw new TemplateExecError(`"${name}" is not a defined function`);
  try {
    return f(...(REFLECT_BUILTINS.has(name) ? args : args.map((a) => (a === MISSING ? null : a))));
  } catch (e) {
    if (e instanceof TemplateExecError) throw new TemplateExecError(`error calling ${name}: ${e.message}`);
    throw e;
  }
};

function evalCommand(s: State, dot: unknown, cmd: Command, final: unknown, hasFinal: boolean): unknown {
  const [first, ...rest] = cmd.args;
  if (first === undefined) throw new TemplateExecError('empty command');
  const argValues = (): unknown[] => {
    const vs = rest.map((a) => (a.t === 'nil' ? null : evalArg(s, dot, a)));
    if (hasFinal) vs.push(final);
    return vs;
  };
  switch (first.t) {
    case 'ident': {
      if (first.name === 'and' || first.name === 'or') {
        // Short-circuit, returning the deciding operand, as Go does.
        const all = [...rest.map((a) => () => evalArg(s, dot, a)), ...(hasFinal ? [() => final] : [])];
        if (all.length === 0) throw new TemplateExecError(`wrong number of args for ${first.name}: want at least 1 got 0`);
        let v: unknown = undefined;
        for (const get of all) {
          v = get();
          if (first.name === 'and' ? !truth(v) : truth(v)) return v;
        }
        return v;
      }
      return call(s, dot, first.name, argValues());
    }
    case 'field':
    case 'var': {
      const args = argValues();
      const base = first.t === 'field' ? dot : lookupVar(s, first.name);
      if (args.length > 0 && first.chain.length === 0) throw new TemplateExecError(`can't give argument to non-function ${first.t === 'var' ? first.name : '.'}`);
      return chainFrom(base, first.chain, args);
    }
    case 'pipe': {
      const args = argValues();
      const v = evalPipeline(s, dot, first.pipe);
      if (first.chain.length === 0) {
        if (args.length > 0) throw new TemplateExecError("can't give argument to non-function");
        return v;
      }
      return chainFrom(v, first.chain, args);
    }
    default: {
      if (rest.length > 0 || hasFinal) throw new TemplateExecError(`can't give argument to non-function ${printArg(first)}`);
      if (first.t === 'nil') throw new TemplateExecError('nil is not a command');
      return evalArg(s, dot, first);
    }
  }
}

const printArg = (a: Arg): string => (a.t === 'string' ? JSON.stringify(a.value) : a.t === 'number' || a.t === 'bool' ? String(a.value) : a.t);

function evalPipeline(s: State, dot: unknown, p: Pipeline): unknown {
  let value: unknown = undefined;
  let has = false;
  for (const c of p.cmds) {
    value = evalCommand(s, dot, c, value, has);
    // Go digs into an interface{} result: a nil one becomes the invalid value (printed `<no value>`).
    if (value === null || value === undefined) value = MISSING;
    has = true;
  }
  if (p.decl.length === 1 || (p.decl.length > 1 && p.assign)) {
    if (p.assign) setVar(s, p.decl[0]!, value);
    else s.vars.push([p.decl[0]!, value]);
  }
  return value;
}

const write = (s: State, text: string): void => {
  s.out += text;
  if (s.out.length > MAX_OUTPUT) throw new TemplateExecError('template output is larger than 1 MiB');
};

function walk(s: State, dot: unknown, nodes: ReadonlyArray<Node>): void {
  for (const n of nodes) {
    tick(s);
    switch (n.t) {
      case 'text':
        write(s, n.text);
        break;
      case 'action': {
        const v = evalPipeline(s, dot, n.pipe);
        if (n.pipe.decl.length === 0) write(s, printValue(v));
        break;
      }
      case 'if':
      case 'with': {
        const mark = s.vars.length;
        const v = evalPipeline(s, dot, n.pipe);
        if (truth(v)) walk(s, n.t === 'with' ? v : dot, n.list);
        else if (n.elseList !== undefined) walk(s, dot, n.elseList);
        s.vars.length = mark;
        break;
      }
      case 'range':
        walkRange(s, dot, n);
        break;
      case 'break':
        throw new Break();
      case 'continue':
        throw new Continue();
    }
  }
}

type ControlNode = Extract<Node, { pipe: Pipeline; list: ReadonlyArray<Node> }>;

function walkRange(s: State, dot: unknown, n: ControlNode): void {
  const mark = s.vars.length;
  const decl = n.pipe.decl;
  const v = evalPipeline(s, dot, { ...n.pipe, decl: [] });
  let entries: Array<[unknown, unknown]>;
  if (Array.isArray(v)) entries = v.map((e, i) => [i, e]);
  else if (isMap(v)) entries = Object.keys(v).sort().map((k) => [k, v[k]]);
  else if (typeof v === 'number' && Number.isInteger(v)) entries = Array.from({ length: Math.max(v, 0) }, (_, i) => [i, i]);
  else if (v === MISSING || v === null || v === undefined) entries = [];
  else throw new TemplateExecError(`range can't iterate over ${printValue(v)}`);
  if (entries.length === 0) {
    if (n.elseList !== undefined) walk(s, dot, n.elseList);
    s.vars.length = mark;
    return;
  }
  for (const [k, e] of entries) {
    const inner = s.vars.length;
    if (decl.length === 1) {
      if (n.pipe.assign) setVar(s, decl[0]!, e);
      else s.vars.push([decl[0]!, e]);
    } else if (decl.length === 2) {
      if (n.pipe.assign) {
        setVar(s, decl[0]!, k);
        setVar(s, decl[1]!, e);
      } else s.vars.push([decl[0]!, k], [decl[1]!, e]);
    }
    try {
      walk(s, e, n.list);
    } catch (x) {
      if (x instanceof Break) {
        s.vars.length = inner;
        break;
      }
      if (!(x instanceof Continue)) throw x;
    }
    s.vars.length = inner;
  }
  s.vars.length = mark;
}

/** Runs a parsed template with `data` as dot and `$`; throws {@link TemplateExecError}. */
export function execute(nodes: ReadonlyArray<Node>, data: unknown, funcs: ReadonlyMap<string, TemplateFunc>): string {
  const s: State = { out: '', steps: 0, funcs, vars: [['$', data]] };
  walk(s, data, nodes);
  return s.out;
}
