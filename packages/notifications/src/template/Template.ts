/**
 * Go `text/template` for notification templates: {@link compileTemplate} parses at load time (a syntax error,
 * an unsupported construct or an unknown function is an error then, naming the template) and
 * {@link renderTemplate} executes over the data of one notification.
 */
import * as E from 'fp-ts/lib/Either';
import { execute } from './Exec';
import { BUILTINS, UNSUPPORTED_SPRIG, templateFuncs } from './Funcs';
import type { Arg, Node, Pipeline } from './Parse';
import { TemplateSyntaxError, parseTemplate } from './Parse';
import { TemplateExecError } from './Values';

export interface CompiledTemplate {
  readonly name: string;
  readonly nodes: ReadonlyArray<Node>;
}

const KNOWN = new Set([...templateFuncs(() => 0).keys(), 'and', 'or']);

const functionsOf = (nodes: ReadonlyArray<Node>, out: Array<{ name: string; pos: number }>): void => {
  const pipe = (p: Pipeline): void => {
    for (const c of p.cmds) for (const a of c.args) arg(a);
  };
  const arg = (a: Arg): void => {
    if (a.t === 'ident') out.push({ name: a.name, pos: a.pos });
    if (a.t === 'pipe') pipe(a.pipe);
  };
  for (const n of nodes) {
    if (n.t === 'action') pipe(n.pipe);
    if (n.t === 'if' || n.t === 'with' || n.t === 'range') {
      pipe(n.pipe);
      functionsOf(n.list, out);
      if (n.elseList !== undefined) functionsOf(n.elseList, out);
    }
  }
};

/** Parses `source`; the error names `name` (`template.x: slack.attachments`), the line and column, and what is wrong. */
export function compileTemplate(name: string, source: string): E.Either<string, CompiledTemplate> {
  let nodes: ReadonlyArray<Node>;
  try {
    nodes = parseTemplate(source);
  } catch (e) {
    if (e instanceof TemplateSyntaxError) return E.left(`template: ${name}:${e.message}`);
    throw e;
  }
  const used: Array<{ name: string; pos: number }> = [];
  functionsOf(nodes, used);
  for (const u of used) {
    if (KNOWN.has(u.name) || BUILTINS.has(u.name)) continue;
    const before = source.slice(0, u.pos);
    const where = `${before.split('\n').length}:${u.pos - before.lastIndexOf('\n')}`;
    if (UNSUPPORTED_SPRIG.has(u.name)) return E.left(`template: ${name}:${where}: function "${u.name}" is not supported (see the README for the supported sprig functions)`);
    return E.left(`template: ${name}:${where}: function "${u.name}" not defined`);
  }
  return E.right({ name, nodes });
}

/** Executes a compiled template; the error names the template, as Go's does. */
export function renderTemplate(t: CompiledTemplate, data: Readonly<Record<string, unknown>>, now: () => number): E.Either<string, string> {
  try {
    return E.right(execute(t.nodes, data, templateFuncs(now)));
  } catch (e) {
    if (e instanceof TemplateExecError) return E.left(`template: ${t.name}: ${e.message}`);
    // A bug of ours or an input too deep for the stack: still a value, never a crash of the controller.
    return E.left(`template: ${t.name}: internal error: ${e instanceof Error ? e.message : String(e)}`);
  }
}
