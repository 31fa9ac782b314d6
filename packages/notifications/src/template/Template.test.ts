import * as E from 'fp-ts/lib/Either';
import fc from 'fast-check';
import { compileTemplate, renderTemplate } from './Template';
import { SPRIG_FUNCTIONS } from './Funcs';
import { GoFunc, GoTime, formatFloat } from './Values';

const render = (src: string, data: Record<string, unknown> = {}): string => {
  const t = compileTemplate('t', src);
  if (E.isLeft(t)) throw new Error(t.left);
  const r = renderTemplate(t.right, data, () => Date.UTC(2026, 0, 2, 3, 4, 5));
  if (E.isLeft(r)) throw new Error(r.left);
  return r.right;
};

const renderError = (src: string, data: Record<string, unknown> = {}): string => {
  const t = compileTemplate('t', src);
  if (E.isLeft(t)) return t.left;
  const r = renderTemplate(t.right, data, () => 0);
  if (E.isRight(r)) throw new Error(`expected an error, rendered ${JSON.stringify(r.right)}`);
  return r.left;
};

describe('Go text/template semantics', () => {
  it.each([
    ['{{.a.b}}', { a: { b: 'x' } }, 'x'],
    ['{{.a.missing}}|{{.missing.deeper}}', { a: {} }, '<no value>|<no value>'],
    ['{{.a}}|{{print .a}}|{{.l}}', { a: null, l: [null] }, '<no value>|<nil>|[<nil>]'],
    ['{{.m}}', { m: { b: 2, a: [1, 'x'] } }, 'map[a:[1 x] b:2]'],
    ['{{.f}} {{.i}} {{.big}}', { f: 0.5, i: 3, big: 1234567.5 }, '0.5 3 1.2345675e+06'],
    ['a  {{- " b " -}}  c', {}, 'a b c'],
    ['a  {{- .x -}}  c', { x: 1 }, 'a1c'],
    ['{{- /* comment */ -}} x', {}, 'x'],
    ['{{if .a}}A{{else if .b}}B{{else}}C{{end}}', { b: 1 }, 'B'],
    ['{{with .a}}{{.}}{{else}}none{{end}}', { a: '' }, 'none'],
    ['{{range $i, $e := .l}}{{$i}}={{$e}},{{else}}empty{{end}}', { l: ['a', 'b'] }, '0=a,1=b,'],
    ['{{range .l}}x{{else}}empty{{end}}', { l: [] }, 'empty'],
    ['{{range $k, $v := .m}}{{$k}}{{$v}}{{end}}', { m: { b: 2, a: 1 } }, 'a1b2'],
    ['{{range 3}}{{.}}{{end}}', {}, '012'],
    ['{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}', {}, '2'],
    ['{{if $v := .a}}{{$v}}{{else}}[{{$v}}]{{end}}', { a: 0 }, '[0]'],
    ['{{range .l}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}', { l: [1, 2, 3, 4, 5] }, '13'],
    ['{{.a | printf "%s-%s" "x"}}', { a: 'y' }, 'x-y'],
    ['{{(index .l 1).n}}', { l: [{}, { n: 'z' }] }, 'z'],
    ['{{index .m "a" "b"}}', { m: { a: { b: 'c' } } }, 'c'],
    ['{{and 1 "" 2}}|{{or 0 "" "x"}}|{{not 0}}', {}, '|x|true'],
    ['{{eq .a "x" "y"}} {{ne 1 2}} {{lt 1 2}} {{ge "b" "a"}} {{eq .missing nil}}', { a: 'y' }, 'true true true true true'],
    ['{{len "héllo"}} {{len .l}} {{len .m}}', { l: [1, 2], m: { a: 1 } }, '6 2 1'],
    ['{{printf "%5.2f|%-4d|%q|%v|%x|%t|%03d" 3.14159 7 "a\\"b" .l 255 true 5}}', { l: [1, 'a'] }, ' 3.14|7   |"a\\"b"|[1 a]|ff|true|005'],
    ['{{print "a" 1 2 "b"}}{{println 1 "x"}}', {}, 'a1 2b1 x\n'],
    ['{{ "\\t\\u00e9" }}{{ `raw\\n` }}{{ 0x1F }} {{ 1e3 }} {{ \'a\' }}', {}, '\té' + 'raw\\n' + '31 1000 97'],
    ['{{(call .time.Now).Format "2006-01-02T15:04:05Z07:00 Mon Jan _2 3:04PM"}}', {}, '2026-01-02T03:04:05Z Fri Jan  2 3:04AM'],
    ['{{(call .time.Now).Format "15:04:05.000 05,999"}}', {}, '03:04:05.000 05'],
    ['{{html "<a href=\'x\'>&"}} {{urlquery "a b&c"}}', {}, '&lt;a href=&#39;x&#39;&gt;&amp; a+b%26c'],
  ])('%s', (src, data, want) => {
    const withTime = { ...data, time: { Now: new GoFunc('Now', () => new GoTime(Date.UTC(2026, 0, 2, 3, 4, 5))) } };
    expect(render(src, withTime)).toBe(want);
  });

  it.each([
    ['{{.a.b}}', { a: 'str' }, /can't evaluate field b in type string/],
    ['{{.a.b}}', { a: null }, /nil pointer evaluating interface \{\}\.b/],
    ['{{len .missing}}', {}, /error calling len: len of nil pointer/],
    ['{{index .l 5}}', { l: [1] }, /index out of range: 5/],
    ['{{upper .n}}', { n: 5 }, /wrong type for value; expected string; got int64/],
    ['{{eq .l 1}}', { l: [1] }, /non-comparable type/],
    ['{{lt 1 "a"}}', {}, /incompatible types for comparison/],
    ['{{div 1 0}}', {}, /integer divide by zero/],
    ['{{range .s}}{{end}}', { s: 'abc' }, /range can't iterate over abc/],
  ])('%s fails at render: %s', (src, data, want) => {
    expect(renderError(src, data)).toMatch(want);
  });

  it.each([
    ['{{.a', /^template: t:1:1: unclosed action$/],
    ['{{if .a}}x', /unexpected EOF/],
    ['{{end}}', /unexpected \{\{end\}\}/],
    ['{{template "x"}}', /\{\{template\}\} is not supported/],
    ['{{block "x" .}}{{end}}', /\{\{block\}\} is not supported/],
    ['{{$x}}', /undefined variable "\$x"/],
    ['{{if true}}{{$y := 1}}{{end}}{{$y}}', /undefined variable "\$y"/],
    ['{{break}}', /\{\{break\}\} outside \{\{range\}\}/],
    ['{{ env "HOME" }}', /function "env" is not supported/],
    ['{{ expandenv "$HOME" }}', /function "expandenv" is not supported/],
    ['{{ nosuch }}', /function "nosuch" not defined/],
    ['{{ "unterminated }}', /unterminated quoted string/],
    ['{{ add.x }}', /unexpected field access after function add/],
    ['{{ 100000000000000000000 }}', /integer overflow/],
  ])('%s is an error at load: %s', (src, want) => {
    const t = compileTemplate('t', src);
    expect(E.isLeft(t) && t.left).toMatch(want);
  });

  it('offers the sprig functions the README lists, and never env/expandenv', () => {
    for (const f of ['add', 'sub', 'mul', 'div', 'upper', 'lower', 'title', 'trim', 'replace', 'quote', 'default', 'toJson', 'toPrettyJson', 'date', 'now', 'join', 'split', 'contains', 'hasPrefix', 'hasSuffix', 'list', 'dict'])
      expect(SPRIG_FUNCTIONS).toContain(f);
    expect(SPRIG_FUNCTIONS).not.toContain('env');
    expect(SPRIG_FUNCTIONS).not.toContain('expandenv');
  });

  it('renders sprig JSON as Go does (sorted keys, HTML-escaped, pretty with two spaces)', () => {
    expect(render('{{toJson .m}}|{{toRawJson .m}}', { m: { z: '<&>', a: [1.5, null] } })).toBe('{"a":[1.5,null],"z":"\\u003c\\u0026\\u003e"}|{"a":[1.5,null],"z":"<&>"}');
    expect(render('{{toPrettyJson .m}}', { m: { b: { c: 1 } } })).toBe('{\n  "b": {\n    "c": 1\n  }\n}');
  });

  it('formats floats as Go %v', () => {
    expect([0.1, 1e-5, 123456.5, 1234567.5, -2.5e-7].map(formatFloat)).toEqual(['0.1', '1e-05', '123456.5', '1.2345675e+06', '-2.5e-07']);
  });

  it('property: text without actions renders as itself', () => {
    fc.assert(fc.property(fc.string().filter((s) => !s.includes('{{')), (s) => expect(render(s)).toBe(s)));
  });

  it('property: any input either compiles or fails with a message naming the template (never throws)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('{{', '}}', '{{-', ' -}}', '.a', '$x', ':=', 'if', 'end', 'range', 'else', '"s"', '(', ')', '|', ' ', 'len', '1', 'x'), { maxLength: 20 }), (parts) => {
        const r = compileTemplate('t', parts.join(''));
        if (E.isLeft(r)) expect(r.left).toMatch(/^template: t/);
        else {
          const out = renderTemplate(r.right, { a: 'v' }, () => 0);
          if (E.isLeft(out)) expect(out.left).toMatch(/^template: t: /);
        }
      }),
    );
  });
});
