import * as E from 'fp-ts/lib/Either';
import fc from 'fast-check';
import { MAX_CONDITION_LENGTH, assessMeasurementResult, evaluateCondition, evaluateExpression } from './AnalysisCondition';
import type { ConditionError } from './AnalysisCondition';

const right = <A>(e: E.Either<ConditionError, A>): A => {
  if (E.isLeft(e)) throw new Error(`expected a value, got ${e.left._tag}: ${e.left.message}`);
  return e.right;
};

const left = <A>(e: E.Either<ConditionError, A>): ConditionError => {
  if (E.isRight(e)) throw new Error(`expected an error, got ${JSON.stringify(e.right)}`);
  return e.left;
};

describe('evaluateCondition', () => {
  it.each<[string, unknown, boolean]>([
    // The conditions Argo users write.
    ['result[0] >= 0.95', [0.97], true],
    ['result[0] >= 0.95', [0.9], false],
    ['result < 0.01', 0.005, true],
    ['result < 0.01', 0.5, false],
    ['len(result) > 0 && result[0] < 5', [3], true],
    ['len(result) > 0 && result[0] < 5', [], false], // && short-circuits: no index error
    ['asFloat(result) > 0.9', '0.95', true],
    ['asFloat(result) > 0.9', '1e-3', false],
    ['asInt(result) == 200', '200', true],
    ['asInt(result) == 3', 3.99, true], // truncates, as Go's int64(f)
    ['result.data.ok == true', { data: { ok: true } }, true],
    ['result.data.ok == true', { data: { ok: 'true' } }, false], // == across types is false, not an error
    ['all(result, {# < 100})', [1, 50, 99], true],
    ['all(result, {# < 100})', [1, 150], false],
    ['all(result, # < 100)', [], true],
    ['any(result, # > 10)', [1, 11], true],
    ['none(result, # > 10)', [1, 2], true],
    ['one(result, # > 10)', [11, 12], false],
    ['isNaN(result)', NaN, true],
    ['isNaN(result)', 1.5, false],
    ['isInf(result)', -Infinity, true],
    ['isNil(result)', null, true],
    ['isNil(result)', undefined, true],
    ['isNil(result)', 0, false],
    ['isNil(result)', [], false],
    ['default(result, 0) > 3', null, false],
    ['default(result, 5) > 3', null, true],
    ['default(result, 0) > 3', 4, true],
    ['result in [200, 201]', 201, true], // the float 201 equals the int 201
    ['result in [200, 201]', 404, false],
    ['result not in [200, 201]', 404, true],
    ['"x" in result.tags', { tags: ['x', 'y'] }, true],
    ['"z" in result.tags', { tags: ['x', 'y'] }, false],
    ['"ok" in result', { ok: 0 }, true],
    ['result in nil', 1, false],
    ['result > 0.5 ? true : false', 0.7, true],
    ['(result > 0.5 ? "high" : "low") == "low"', 0.2, true],
    ['result > 0.9 ? true : result > 0.5 ? false : true', 0.7, false],
    ['result.ok ?: false', { ok: true }, true],
    // Strings.
    ['result.status startsWith "2"', { status: '204' }, true],
    ['result.name contains "canary"', { name: 'web-canary-1' }, true],
    ['result.name endsWith "-stable"', { name: 'web-canary' }, false],
    ['result.name not contains "canary"', { name: 'web' }, true],
    ['result matches "^web-[0-9]+$"', 'web-12', true],
    ['result matches "^web-[0-9]+$"', 'web-12x', false],
    ['result matches "(?i)^ERROR"', 'error: boom', true],
    ['lower(result.level) == "ok"', { level: 'OK' }, true],
    ['upper(result) == "OK"', 'ok', true],
    ['trim(result) == "ok"', '  ok \n', true],
    ['trim(result, "_") == "ok"', '__ok_', true],
    ['hasPrefix(result, "v1.") && hasSuffix(result, ".3")', 'v1.2.3', true],
    ['split(result, ",")[1] == "b"', 'a,b,c', true],
    ['split(result, ",", 2)[1] == "b,c"', 'a,b,c', true],
    ['join(result, "-") == "a-b"', ['a', 'b'], true],
    ['indexOf(result, "b") == 1 && lastIndexOf(result, "b") == 3', 'abab', true],
    ['replace(result, "-", "_") == "a_b_c"', 'a-b-c', true],
    ['"a" + result == "ab"', 'b', true],
    ['len(result) == 3', 'héé', true], // characters, not UTF-16 units or bytes
    ['result[1] == "é"', 'héé', true],
    ['result[1:] == "éé"', 'héé', true],
    ['`raw\\n` == "raw\\\\n"', null, true], // backquoted strings are raw
    ["'single' == \"single\"", null, true],
    ['"\\u00e9\\x41\\t" == "éA\t"', null, true],
    // Numbers and arithmetic.
    ['result.count / result.total < 0.05', { count: 1, total: 100 }, true],
    ['result == 1', 1, true],
    // `==` between values of different types whose types are not known before evaluation is false, as in expr.
    ['result[0] == "1"', [1], false],
    ['result.a == "1"', { a: 1 }, false],
    ['result.a != true', { a: 'true' }, true],
    ['result == nil', 0, false],
    ['nil != result', 'x', true],
    ['result == 1.0 && 1 == 1.0 && 2 != 2.5', 1, true], // ints and floats compare by value
    ['result == {"a": 1}', { a: 1 }, true],
    ['result == [1, 2]', [1, 2], true],
    ['(result > 0 ? "big" : "small") == "big"', 1, true],
    ['all(result, {# != "a"})', [1, 2], true],
    ['result.count / result.total == 0.5 && result.ok == true', { count: 1, total: 2, ok: true }, true],
    ['7 / 2 == 3.5', null, true], // / is always float division
    ['7 % 3 == 1 && -7 % 3 == -1', null, true], // Go's truncated remainder
    ['1 + 2 * 3 == 7 && (1 + 2) * 3 == 9', null, true],
    ['2 ** 3 ** 2 == 512', null, true], // right-associative
    ['-2 ** 2 == -4', null, true], // unary minus binds looser than **
    ['result ^ 2 == 9', 3, true],
    ['1 / 0 > 1e308', null, true], // float division by zero is +Inf
    ['0x1F == 31 && 0o17 == 15 && 0b101 == 5 && 1_000 == 1000', null, true],
    ['.5 == 0.5 && 1e3 == 1000 && 1.5e-3 == 0.0015', null, true],
    ['abs(result) < 0.1', -0.05, true],
    ['round(result) == 3 && round(-result) == -3', 2.5, true], // halves away from zero
    ['floor(result) == 2 && ceil(result) == 3', 2.1, true],
    ['sum(result) == 6 && mean(result) == 2 && median(result) == 2', [1, 2, 3], true],
    ['median(result) == 2.5', [4, 1, 3, 2], true],
    ['max(result) == 9 && min(result) == 1', [3, 9, 1], true],
    ['max(1, result, 2) == 7', 7, true],
    ['int(result) == 3 && float("1.5") == 1.5 && int("-12") == -12', 3.9, true],
    ['string(result) == "0.5"', 0.5, true],
    ['string(result) == "1e+06" && string(1.5e-5) == "1.5e-05" && string(123456) == "123456"', 1e6, true],
    ['string([1, "a", nil]) == "[1 a <nil>]"', null, true],
    ['type(result) == "float" && type(1) == "int" && type(len(result)) == "int"', [], false],
    ['type(result) == "array" && type(1) == "int" && type(len(result)) == "int"', [], true],
    ['type(result) == "float"', 1, true], // provider numbers are floats, as in Go
    ['type(1 + 1) == "int" && type(1 + 1.0) == "float" && type(2 ** 2) == "float" && type(4 / 2) == "float"', null, true],
    ['9223372036854775807 + 1 < 0', null, true], // ints wrap at 64 bits, as in Go
    // Logic.
    ['not (result > 1)', 0, true],
    ['!(result > 1) and result >= 0', 0, true],
    ['result > 1 or result < -1', -2, true],
    ['not result.ok', { ok: false }, true],
    ['1 < result < 3', 2, true], // comparison chains
    ['1 < result < 3', 3, false],
    ['result in 200..299', 204, true],
    ['result in 200..299', 300, false],
    // Members, indexes, nil.
    ['result != nil', 0, true],
    ['result == nil', null, true],
    ['result?.data?.ok ?? false', null, false],
    ['result?.data?.ok ?? false', { data: { ok: true } }, true],
    ['result?.[0] == nil', null, true],
    ['result?.a.b == nil', null, true], // a nil before ?. ends the whole chain
    ['(result ?.5 : 1) == 0.5', true, true], // a ternary with the float .5, not optional chaining
    ['result.missing == nil', {}, true],
    ['result[-1] == 3', [1, 2, 3], true],
    ['result[1:3] == [2, 3] && result[:2] == [1, 2] && result[-1:] == [3]', [1, 2, 3], true],
    ['result.items[0].status == "Healthy"', { items: [{ status: 'Healthy' }] }, true],
    ['result["key with space"] == 1', { 'key with space': 1 }, true],
    ['get(result, 5) == nil && get(result, 0) == 1', [1], true],
    ['first(result) == 1 && last(result) == 3', [1, 2, 3], true],
    ['first(result) == nil', [], true],
    ['keys(result) == ["a", "b"] && values(result) == [1, 2]', { a: 1, b: 2 }, true],
    ['$env.result == 1', 1, true],
    ['{a: 1, "b": [2]}.b[0] == 2', null, true],
    ['[1, 2, 3,][-1] == 3', null, true],
    // Predicates and pipes.
    ['count(result, # > 1) == 2', [1, 2, 3], true],
    ['len(filter(result, .ok)) == 1', [{ ok: true }, { ok: false }], true],
    ['map(result, #.v)[1] == 2', [{ v: 1 }, { v: 2 }], true],
    ['find(result, # > 1) == 2 && findIndex(result, # > 1) == 1', [1, 2, 3], true],
    ['findLast(result, # > 1) == 3 && findLastIndex(result, # > 5) == -1', [1, 2, 3], true],
    ['all(result, # == #index)', [0, 1, 2], true],
    ['all(result, {any(#.tags, {# == "x"})})', [{ tags: ['x'] }, { tags: ['y', 'x'] }], true],
    ['reduce(result, #acc + #, 0) == 6 && reduce(result, #acc * #) == 6', [1, 2, 3], true],
    ['sum(result, #.n) == 3', [{ n: 1 }, { n: 2 }], true],
    ['sort(result) == [1, 2, 3] && sort(result, "desc")[0] == 3', [3, 1, 2], true],
    ['result | len() > 1', [1, 2], true],
    ['result | filter(# > 1) | len() == 2', [1, 2, 3], true],
    ['let x = result * 2; x > 3', 2, true],
    // Layout.
    ['result > 0 /* a comment */ // and another', 1, true],
    ['result > 0\n  && result < 10', 5, true],
  ])('%s with %p is %p', (expression, result, expected) => {
    expect(right(evaluateCondition(expression, result))).toBe(expected);
  });
});

describe('evaluateExpression', () => {
  it.each<[string, Record<string, unknown>, unknown]>([
    ['1 + 2', {}, 3],
    ['7 / 2', {}, 3.5],
    ['x * 2', { x: 21 }, 42],
    ['[1, 2][0:1]', {}, [1]],
    ['{a: 1 + 1}', {}, { a: 2 }],
    ['map(1..3, # * 10)', {}, [10, 20, 30]],
    ['filter(xs, # % 2 == 0)', { xs: [1, 2, 3, 4].map(BigInt) }, [2, 4]],
    ['a?.b?.c', { a: null }, null],
    ['a.b ?? "none"', { a: {} }, 'none'],
    ['upper(name) + "!"', { name: 'hi' }, 'HI!'],
    ['len(1..0)', {}, 0],
    ['"__proto__" in {__proto__: 1}', {}, true],
    ['{__proto__: 1}.__proto__', {}, 1],
    ['obj.constructor', { obj: {} }, null], // only own keys: no prototype leaks
    ['obj.toString', { obj: {} }, null],
  ])('%s', (expression, env, expected) => {
    expect(right(evaluateExpression(expression, env))).toEqual(expected);
  });
});

describe('errors', () => {
  it.each<[string, unknown, ConditionError['_tag'], string, number]>([
    ['result >', 1, 'ConditionSyntaxError', 'unexpected end of expression', 8],
    ['(result > 1', 1, 'ConditionSyntaxError', 'expected ")" but found end of expression', 11],
    ['"abc', 1, 'ConditionSyntaxError', 'literal not terminated', 0],
    ['result @ 1', 1, 'ConditionSyntaxError', 'unrecognized character "@"', 7],
    ['1 /* open', 1, 'ConditionSyntaxError', 'unclosed comment', 2],
    ['1abc > 0', 1, 'ConditionSyntaxError', 'bad number syntax: "1abc"', 0],
    ['foo(result) > 1', 1, 'ConditionSyntaxError', 'unknown function foo', 0],
    ['now() > 1', 1, 'ConditionSyntaxError', 'function now is not supported in conditions', 0],
    ['result > 1 && groupBy(result, #) != nil', 1, 'ConditionSyntaxError', 'function groupBy is not supported in conditions', 14],
    ['bar > 1', 1, 'ConditionSyntaxError', 'unknown name bar', 0],
    ['len(result, 1) > 0', [], 'ConditionSyntaxError', 'wrong number of arguments for len: expected 1, got 2', 0],
    ['# > 1', 1, 'ConditionSyntaxError', 'cannot use pointer accessor outside predicate', 0],
    ['all(result, {#acc > 0})', [], 'ConditionSyntaxError', 'unknown pointer #acc (only inside reduce)', 13],
    ['result ?? 0 > 3', null, 'ConditionSyntaxError', 'operator > and coalesce expressions (??) cannot be mixed; wrap either in parentheses', 12],
    ['result matches "("', 'x', 'ConditionSyntaxError', 'invalid regular expression: missing closing )', 15],
    ['result.name() == 1', {}, 'ConditionSyntaxError', 'method calls are not supported (name())', 7],
    ['result not > 1', 1, 'ConditionSyntaxError', 'unexpected token "not"', 7],
    ['99999999999999999999 > 1', 1, 'ConditionSyntaxError', 'integer literal is too large', 0],
    ['result > "a"', 1, 'ConditionEvalError', 'invalid operation: float > string', 7],
    // expr types `result` by the measured value before it runs, so `==` of mismatched types is an error (the
    // measurement is an Error), even in a branch that would not be evaluated; `result[0]` and `result.a` are
    // of unknown type there, so they compare as false instead (above).
    ['result == "5"', 5, 'ConditionEvalError', 'invalid operation: == (mismatched types float and string)', 7],
    ['result != "5"', 5, 'ConditionEvalError', 'invalid operation: != (mismatched types float and string)', 7],
    ['"5" == result', 5, 'ConditionEvalError', 'invalid operation: == (mismatched types string and float)', 4],
    ['result == 5', '5', 'ConditionEvalError', 'invalid operation: == (mismatched types string and int)', 7],
    ['result == "true"', true, 'ConditionEvalError', 'invalid operation: == (mismatched types bool and string)', 7],
    ['result > 0 || result == "x"', 1, 'ConditionEvalError', 'invalid operation: == (mismatched types float and string)', 21],
    ['result * 2 == "10"', 5, 'ConditionEvalError', 'invalid operation: == (mismatched types float and string)', 11],
    ['len(result) > 0 && result == [1]', { a: 1 }, 'ConditionEvalError', 'invalid operation: == (mismatched types map and array)', 26],
    ['1 == "1"', null, 'ConditionEvalError', 'invalid operation: == (mismatched types int and string)', 2],
    ['let x = result; x == "1"', 1, 'ConditionEvalError', 'invalid operation: == (mismatched types float and string)', 18],
    ['1 < "a"', 1, 'ConditionEvalError', 'invalid operation: int < string', 2],
    ['nil < 1', 1, 'ConditionEvalError', 'invalid operation: nil < int', 4],
    ['result.a.b == 1', { a: null }, 'ConditionEvalError', 'cannot fetch b from nil', 9],
    ['result.x == 1', null, 'ConditionEvalError', 'cannot fetch x from nil', 7],
    ['result?.a.b == 1', { a: null }, 'ConditionEvalError', 'cannot fetch b from nil', 10], // ?. only guards what precedes it
    ['result.x == 1', [1], 'ConditionEvalError', 'cannot fetch x from array', 7],
    ['result[3] == 1', [1, 2], 'ConditionEvalError', 'index out of range: 3 (array length is 2)', 6],
    ['result[-3] == 1', [1, 2], 'ConditionEvalError', 'index out of range: -1 (array length is 2)', 6],
    ['result', 1, 'ConditionEvalError', 'condition must evaluate to a boolean, got float', 0],
    ['result + 1', 1, 'ConditionEvalError', 'condition must evaluate to a boolean, got float', 0],
    ['result.name', { name: 'x' }, 'ConditionEvalError', 'condition must evaluate to a boolean, got string', 0],
    ['5 % result == 1', 2, 'ConditionEvalError', 'invalid operation: int % float', 2],
    ['5 % 0 == 0', 2, 'ConditionEvalError', 'integer divide by zero', 2],
    ['asInt(result) > 1', 'abc', 'ConditionEvalError', 'asInt: strconv.ParseInt: parsing "abc": invalid syntax', 0],
    ['asFloat(result) > 1', '1.5x', 'ConditionEvalError', 'asFloat: strconv.ParseFloat: parsing "1.5x": invalid syntax', 0],
    ['asInt(result) > 1', true, 'ConditionEvalError', 'asInt() not supported on bool true', 0],
    ['len(result) > 0', 5, 'ConditionEvalError', 'invalid argument for len (type float)', 0],
    ['result && true', 1, 'ConditionEvalError', 'left operand of and must be a boolean, got float', 7],
    ['!result', 1, 'ConditionEvalError', 'operand of not must be a boolean, got float', 0],
    ['result ? 1 : 2', 'yes', 'ConditionEvalError', 'condition of ?: must be a boolean, got string', 7],
    ['all(result, # > 0)', null, 'ConditionEvalError', 'invalid argument for all (type nil)', 0],
    ['all(result, #)', [1], 'ConditionEvalError', 'predicate of all must return a boolean, got float', 0],
    ['"a" in "abc"', 1, 'ConditionEvalError', 'operator "in" not defined on string', 4],
    ['result contains 1', 'abc', 'ConditionEvalError', 'invalid operation: string contains int', 7],
    ['len(0..200000) > 0', 1, 'ConditionEvalError', 'range 0..200000 is too large (at most 100000 elements)', 5],
    ['1.5..3 == []', 1, 'ConditionEvalError', 'invalid operation: float .. int', 3],
    ['repeat("ab", 1000000) != ""', 1, 'ConditionEvalError', 'string too long (2000000 characters, at most 1000000)', 0],
    ['result matches "a{2000}"', 'a', 'ConditionSyntaxError', 'invalid regular expression: invalid repeat count {2000}', 15],
    ['result matches result', '(?=x)', 'ConditionEvalError', 'invalid regular expression: invalid or unsupported Perl syntax', 7],
  ])('%s with %p', (expression, result, tag, message, position) => {
    const error = left(evaluateCondition(expression, result));
    expect(error).toEqual({ _tag: tag, message: `${message} at position ${position}`, position, retryable: false });
  });

  it('names the first token that failed, not the whole expression', () => {
    const expression = 'result.a > 0 && result.b.c > 0';
    const error = left(evaluateCondition(expression, { a: 1, b: null }));
    expect(expression.slice(error.position)).toBe('c > 0');
  });
});

describe('limits', () => {
  it('refuses expressions longer than the limit', () => {
    const expression = `result > 0${' '.repeat(MAX_CONDITION_LENGTH)}`;
    const error = left(evaluateCondition(expression, 1));
    expect(error._tag).toBe('ConditionSyntaxError');
    expect(error.message).toMatch(/^expression is too long \(4106 characters, at most 4096\)/);
  });

  it.each([
    ['parentheses', `${'('.repeat(150)}result${')'.repeat(150)} > 0`],
    ['unary operators', `${'!'.repeat(150)}true`],
    ['right-associative operators', `2${' ** 2'.repeat(150)} > 0`],
    ['left-associative chains', `1${' + 1'.repeat(150)} > 0`],
    ['nested arrays', `len(${'['.repeat(150)}${']'.repeat(150)}) > 0`],
  ])('refuses deep nesting: %s', (_name, expression) => {
    const error = left(evaluateCondition(expression, 1));
    expect(error._tag).toBe('ConditionSyntaxError');
    expect(error.message).toMatch(/^expression nests deeper than 100 levels/);
  });

  it('stops runaway evaluation with the step budget', () => {
    const error = left(evaluateCondition('all(0..99999, {all(0..99999, {# >= 0})})', null));
    expect(error).toMatchObject({ _tag: 'ConditionEvalError', message: expect.stringMatching(/^evaluation exceeded its budget of 1000000 steps/) });
  });

  it('matches regular expressions in linear time (no catastrophic backtracking)', () => {
    const started = Date.now();
    expect(right(evaluateCondition('result matches "^(a+)+$"', `${'a'.repeat(5000)}!`))).toBe(false);
    expect(right(evaluateCondition('result matches "^(a|aa)*b"', 'a'.repeat(3000)))).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('charges for huge strings from the result', () => {
    const error = left(evaluateCondition('all(0..99999, {result + "" != ""})', 'x'.repeat(900_000)));
    expect(error.message).toMatch(/^evaluation exceeded its budget/);
  });

  it('refuses values nested deeper than it will walk', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 300; i++) deep = [deep];
    const error = left(evaluateCondition('result == result', deep));
    expect(error.message).toMatch(/^value nests deeper than 256 levels/);
  });
});

describe('regular expressions (matches)', () => {
  it.each<[string, string, boolean]>([
    ['abc', 'xxabcxx', true], // unanchored, like Go's MatchString
    ['^abc$', 'abc', true],
    ['^abc$', 'abc\n', false], // $ is end of text without (?m)
    ['(?m)^b$', 'a\nb\nc', true],
    ['a.c', 'a\nc', false],
    ['(?s)a.c', 'a\nc', true],
    ['^[a-c]+$', 'abccba', true],
    ['^[^0-9]+$', 'abc1', false],
    ['^\\d{3}-\\d{2,}$', '123-45', true],
    ['^\\d{3}-\\d{2,}$', '123-4', false],
    ['^(ab|cd){2}$', 'abcd', true],
    ['^\\w+\\s\\W$', 'ab_1 !', true],
    ['\\bfoo\\b', 'a foo b', true],
    ['\\bfoo\\b', 'afoob', false],
    ['^[[:alpha:]]+$', 'abcXYZ', true],
    ['^\\pL+$', 'héllo', true],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['(?i)^[^a]$', 'A', false],
    ['^a*?b$', 'aaab', true],
    ['^\\Q1.5\\E$', '1.5', true],
    ['^\\Q1.5\\E$', '1x5', false],
    ['^x{0}y$', 'y', true],
    ['^(?:a|)$', '', true],
    ['^\\x41\\x{42}$', 'AB', true],
    ['^[\\]a]+$', ']a]', true],
    ['(?P<n>a)b', 'ab', true],
  ])('%s on %p is %p', (pattern, text, expected) => {
    expect(right(evaluateExpression('text matches pattern', { text, pattern }))).toBe(expected);
  });

  it.each(['(', 'a**', '*a', '\\1', '[a', 'x{3,2}', '(?<=a)b', '\\pX'])('rejects %s', (pattern) => {
    expect(left(evaluateExpression('"" matches pattern', { pattern })).message).toMatch(/^invalid regular expression/);
  });
});

describe('assessMeasurementResult', () => {
  // Argo's truth table (analysis/evaluate.go EvaluateResult): result is 1 throughout.
  const TRUE = 'result == 1';
  const FALSE = 'result == 2';
  it.each<[string | undefined, string | undefined, string]>([
    [undefined, undefined, 'Successful'],
    [TRUE, undefined, 'Successful'],
    [FALSE, undefined, 'Failed'],
    [undefined, TRUE, 'Failed'],
    [undefined, FALSE, 'Successful'],
    [TRUE, FALSE, 'Successful'],
    [FALSE, TRUE, 'Failed'],
    [TRUE, TRUE, 'Failed'], // failure wins
    [FALSE, FALSE, 'Inconclusive'],
  ])('success %p, failure %p -> %s', (success, failure, expected) => {
    expect(right(assessMeasurementResult(1, success, failure))).toBe(expected);
  });

  it('treats empty strings and null as no condition', () => {
    expect(right(assessMeasurementResult(1, '', null))).toBe('Successful');
    expect(right(assessMeasurementResult(1, null, 'result == 1'))).toBe('Failed');
    expect(right(assessMeasurementResult(1, 'result == 2', ''))).toBe('Failed');
  });

  it('reports an error in either condition, even when the other would decide', () => {
    expect(left(assessMeasurementResult(1, 'result ==', 'result == 1'))._tag).toBe('ConditionSyntaxError');
    expect(left(assessMeasurementResult(1, 'result == 1', 'result.x'))).toMatchObject({ _tag: 'ConditionEvalError', position: 7 });
    expect(left(assessMeasurementResult(1, 'result + 1', undefined)).message).toBe('condition must evaluate to a boolean, got float at position 0');
  });

  it('judges typical provider results', () => {
    expect(right(assessMeasurementResult([0.99], 'result[0] >= 0.95', 'result[0] < 0.9'))).toBe('Successful');
    expect(right(assessMeasurementResult([0.92], 'result[0] >= 0.95', 'result[0] < 0.9'))).toBe('Inconclusive');
    expect(right(assessMeasurementResult([0.5], 'result[0] >= 0.95', 'result[0] < 0.9'))).toBe('Failed');
  });
});

describe('fuzz', () => {
  const VALID = [
    'result[0] >= 0.95',
    'len(result) > 0 && result[0] < 5',
    'asFloat(result) > 0.9 || isNaN(result)',
    'all(result, {# < 100}) and not any(result, # > 1000)',
    'default(result, 0) > 3 ? true : false',
    'result?.data?.items[-1].ok ?? false',
    '"x" in result.tags || result.name matches "^w[a-z]+-(\\\\d+)$"',
    'let x = result | filter(.ok) | map(#.v); sum(x) / max(len(x), 1) > 0.5',
    'reduce(result, #acc + #, 0) in 0..10',
    'string(result) contains "e+" && trim(lower(`A b `)) startsWith "a"',
  ];
  const TOKENS = [
    'result', '#', '#index', '#acc', '.', '?.', '??', '[', ']', '(', ')', '{', '}', ',', ':', '?', '0', '1', '-1', '0.5', '1e3',
    '"s"', "'t'", '`r`', 'nil', 'true', 'false', '+', '-', '*', '/', '%', '**', '^', '==', '!=', '<', '<=', '>', '>=', '&&',
    '||', '!', 'not', 'and', 'or', 'in', 'not in', 'matches', 'contains', 'startsWith', 'endsWith', '..', '|', 'let', 'x',
    '=', ';', 'len', 'all', 'any', 'filter', 'map', 'reduce', 'sum', 'max', 'asInt', 'asFloat', 'isNil', 'default',
    'split', 'join', 'string', 'int', 'type', 'keys', 'repeat', 'sort', '$env', '/*', '*/', '//', '\n',
  ];
  const FUNCTIONS = ['len', 'abs', 'round', 'max', 'mean', 'first', 'upper', 'trim', 'split', 'join', 'int', 'float', 'string', 'type', 'keys', 'asInt', 'asFloat', 'isNaN', 'isNil', 'default', 'get', 'sort', 'replace', 'repeat'];
  const PREDICATES = ['all', 'any', 'none', 'one', 'filter', 'map', 'count', 'sum', 'find', 'findIndex', 'reduce'];
  const OPERATORS = ['+', '-', '*', '/', '%', '**', '==', '!=', '<', '>=', '&&', '||', 'and', 'in', 'not in', 'matches', 'contains', 'startsWith', '..', '??'];
  /** Expressions that parse (mostly): they reach the evaluator, where the type errors and edge cases are. */
  const { grammar } = fc.letrec<{ grammar: string }>((tie) => ({
    grammar: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom('result', 'nil', 'true', 'false', '0', '2', '-1', '0.5', '"s"', '"a,b"', '"(a+)+$"', '[]', '{}', '0..3', 'result[0]', 'result.a'),
      fc.tuple(tie('grammar'), fc.constantFrom(...OPERATORS), tie('grammar')).map(([a, op, b]) => `${a} ${op} (${b})`),
      fc.tuple(fc.constantFrom('!', 'not ', '-'), tie('grammar')).map(([op, a]) => `${op}(${a})`),
      fc.tuple(tie('grammar'), tie('grammar'), tie('grammar')).map(([a, b, c]) => `(${a}) ? (${b}) : (${c})`),
      fc.tuple(tie('grammar'), fc.constantFrom('a', 'ok'), fc.boolean()).map(([a, p, optional]) => `(${a})${optional ? '?.' : '.'}${p}`),
      fc.tuple(tie('grammar'), tie('grammar')).map(([a, b]) => `(${a})[${b}]`),
      fc.tuple(tie('grammar'), fc.option(tie('grammar'))).map(([a, b]) => `(${a})[${b ?? ''}:]`),
      fc.tuple(fc.constantFrom(...FUNCTIONS), fc.array(tie('grammar'), { minLength: 1, maxLength: 2 })).map(([f, args]) => `${f}(${args.join(', ')})`),
      fc.tuple(fc.constantFrom(...PREDICATES), tie('grammar'), fc.constantFrom('# > 0', '#', '.ok', '#index == 0', 'len(#) > 1', '# + 1', '#acc + #'), fc.boolean()).map(
        ([f, a, p, braces]) => `${f}(${a}, ${braces ? `{${p}}` : p})`,
      ),
      fc.array(tie('grammar'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
      fc.tuple(tie('grammar'), tie('grammar')).map(([a, b]) => `{a: ${a}, "b": ${b}}`),
      fc.tuple(tie('grammar'), tie('grammar')).map(([a, b]) => `let x = ${a}; ${b}`),
    ),
  }));
  const expression = fc.oneof(
    grammar,
    fc.string({ maxLength: 80 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((ts) => ts.join(' ')),
    fc.array(fc.constantFrom(...TOKENS), { maxLength: 30 }).map((ts) => ts.join('')),
    fc.tuple(fc.constantFrom(...VALID), fc.nat()).map(([e, n]) => e.slice(0, n % (e.length + 1))),
    fc.tuple(fc.constantFrom(...VALID), fc.nat(), fc.constantFrom(...TOKENS)).map(([e, n, t]) => {
      const at = n % (e.length + 1);
      return e.slice(0, at) + t + e.slice(at);
    }),
  );
  const result = fc.oneof(
    fc.jsonValue(),
    fc.constantFrom(NaN, Infinity, -Infinity, undefined, -0, 'NaN', '1e400'),
    fc.array(fc.double(), { maxLength: 5 }),
    fc.dictionary(fc.constantFrom('ok', 'data', 'tags', 'items', 'name', 'v', '__proto__'), fc.jsonValue(), { maxKeys: 4 }),
  );

  it('always returns a value or an error, never throws, and finishes quickly', () => {
    let slowest = 0;
    fc.assert(
      fc.property(expression, result, (expr, res) => {
        const started = Date.now();
        const outcomes = [evaluateCondition(expr, res), evaluateExpression(expr, { result: res }), assessMeasurementResult(res, expr, expr)];
        slowest = Math.max(slowest, Date.now() - started);
        for (const outcome of outcomes) {
          if (E.isLeft(outcome)) {
            const e = outcome.left;
            expect(['ConditionSyntaxError', 'ConditionEvalError']).toContain(e._tag);
            expect(e.retryable).toBe(false);
            expect(Number.isInteger(e.position) && e.position >= 0 && e.position <= Math.max(expr.length, 0)).toBe(true);
            expect(e.message).not.toMatch(/^internal error/);
            expect(e.message.endsWith(` at position ${e.position}`)).toBe(true);
          }
        }
        const condition = outcomes[0]!;
        if (E.isRight(condition)) expect(typeof condition.right).toBe('boolean');
      }),
      { numRuns: 500 },
    );
    expect(slowest).toBeLessThan(2000);
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID), result, (expr, res) => {
        expect(evaluateExpression(expr, { result: res })).toEqual(evaluateExpression(expr, { result: res }));
      }),
      { numRuns: 200 },
    );
  });
});

describe('values of any depth (issue #15: never a stack overflow)', () => {
  /** An array (or a map) nested `depth` levels deep, built without recursion. */
  const deep = (depth: number, kind: 'array' | 'map' = 'array'): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
    return v;
  };
  const tooDeep = /value nests deeper than 256 levels at position \d+$/;

  it.each<[string, string, 'array' | 'map']>([
    ['printing it (string())', 'string(result) != ""', 'array'],
    ['comparing it with itself', 'result == result', 'array'],
    ['comparing maps', 'result == result', 'map'],
    ['looking for it in a list', 'result in [result]', 'array'],
    ['builtins that walk nested arrays (max)', 'max(result) > 0', 'array'],
  ])('%s: a ConditionEvalError, not a RangeError', (_name, condition, kind) => {
    const e = left(evaluateCondition(condition, deep(200_000, kind)));
    expect(e._tag).toBe('ConditionEvalError');
    expect(e.message).not.toMatch(/call stack|internal error/);
    expect(e.message).toMatch(tooDeep);
  });

  it('reading near the top of a deep value works', () => {
    expect(right(evaluateCondition('len(result) == 1 && type(result[0]) == "array"', deep(200_000)))).toBe(true);
  });

  it('evaluateExpression refuses to hand back a value too deep to copy', () => {
    const e = left(evaluateExpression('result', { result: deep(200_000) }));
    expect(e.message).toMatch(tooDeep);
  });

  it('assessMeasurementResult names the condition that failed', () => {
    expect(left(assessMeasurementResult(1, 'result + 1')).condition).toBe('successCondition');
    expect(left(assessMeasurementResult(1, 'result > 0', 'nope')).condition).toBe('failureCondition');
  });
});
