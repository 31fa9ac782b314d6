/**
 * The condition language of analysis metrics: `successCondition` and `failureCondition` are expressions in
 * the expr language (github.com/expr-lang/expr), evaluated against `result`, the value a metric provider
 * measured, as Argo Rollouts does. A hand-written parser and tree-walking evaluator (no `eval`, no
 * `Function`), with bounded work: at most {@link MAX_CONDITION_LENGTH} characters, a syntax tree at most
 * 100 levels deep and {@link MAX_CONDITION_STEPS} evaluation steps per expression.
 *
 * What is supported: literals (ints, floats, strings, booleans, `nil`, arrays, maps), `result[0]`,
 * `result.field`, `?.`, `??`, slices, arithmetic (`/` is always float division, `%` needs ints, `**`/`^`),
 * comparison (a number ordered against a string is an error; `==` between operands whose types differ is an
 * error when both types are known before evaluation, as expr's type check makes it: `result == "5"` with a
 * numeric result; else false: `result[0] == "5"`),
 * `&& || !` and `and or not`, `in` / `not in`, `contains`, `startsWith`, `endsWith`, `matches` (RE2 syntax),
 * `..` ranges, ternaries, `let`, pipes, predicates (`all(result, {# > 0})` or `all(result, # > 0)`), the
 * expr builtins users reach for (`len abs ceil floor round max min sum mean median first last take get
 * upper lower trim trimPrefix trimSuffix split join replace repeat indexOf lastIndexOf hasPrefix hasSuffix
 * int float string type keys values sort reverse all any none one filter map count find findIndex findLast
 * findLastIndex reduce`) and Argo's helpers `asInt`, `asFloat`, `isNaN`, `isInf`, `isNil`, `default`.
 * Anything else is an error naming the function and its position, never a silent `false`.
 */
import * as E from 'fp-ts/lib/Either';
import { compile, evaluate, MAX_EXPRESSION_LENGTH, MAX_STEPS } from './internal/expr/Evaluate';
import { ExprFailure } from './internal/expr/Failure';
import { checkComparisonTypes } from './internal/expr/Types';
import type { ValueMap } from './internal/expr/Value';
import { kindOf, makeMap, mapKeys, toOutput, typeName } from './internal/expr/Value';

/** The longest condition accepted, in characters. */
export const MAX_CONDITION_LENGTH = MAX_EXPRESSION_LENGTH;

/** The evaluation steps one condition may take before it is stopped with an error. */
export const MAX_CONDITION_STEPS = MAX_STEPS;

/**
 * Why a condition could not be evaluated. `ConditionSyntaxError`: the expression itself is wrong (it does
 * not parse, or names an unknown variable or function, or is too long or too deep); no result could make
 * it work. `ConditionEvalError`: evaluating it against this result failed (a type mismatch, an index out
 * of range, member access on nil, a non-boolean outcome, the step budget). `position` is the 0-based
 * offset in the expression of the token where the problem is, and the message ends with it. Neither is
 * retryable: the same expression on the same result fails the same way.
 */
export interface ConditionError {
  readonly _tag: 'ConditionSyntaxError' | 'ConditionEvalError';
  readonly message: string;
  readonly position: number;
  readonly retryable: false;
  /** Which of the metric's conditions failed, when {@link assessMeasurementResult} evaluated it. */
  readonly condition?: 'successCondition' | 'failureCondition';
}

/** The outcome of one measurement judged by its metric's conditions. */
export type MeasurementAssessment = 'Successful' | 'Failed' | 'Inconclusive';

const toError = (e: unknown): ConditionError => {
  if (e instanceof ExprFailure) {
    const position = Math.max(e.position, 0);
    return {
      _tag: e.kind === 'syntax' ? 'ConditionSyntaxError' : 'ConditionEvalError',
      message: `${e.message} at position ${position}`,
      position,
      retryable: false,
    };
  }
  // Anything else is a bug in the evaluator (or an environment object whose getters throw); report it as
  // a value all the same, so that a condition can never take the controller down.
  return { _tag: 'ConditionEvalError', message: `internal error: ${e instanceof Error ? e.message : String(e)} at position 0`, position: 0, retryable: false };
};

const asEnv = (env: unknown): ValueMap => {
  if (kindOf(env) !== 'map') throw new ExprFailure('eval', `the environment must be a map of variables, got ${typeName(env)}`, 0);
  return env as ValueMap;
};

const run = (expression: string, env: ValueMap): unknown => {
  const ast = compile(expression, new Set(mapKeys(env)));
  checkComparisonTypes(ast, env);
  return evaluate(ast, env);
};

/**
 * Evaluates an expression against `env` (a map of variable names to plain data) and returns its value,
 * with ints as numbers and arrays and maps copied. For conditions, use {@link evaluateCondition}.
 */
export function evaluateExpression(expression: string, env: Readonly<Record<string, unknown>>): E.Either<ConditionError, unknown> {
  try {
    const values = asEnv(env);
    const value = run(expression, values);
    let outputSteps = 0;
    return E.right(
      toOutput(value, (n) => {
        outputSteps += n;
        if (outputSteps > MAX_STEPS) throw new ExprFailure('eval', 'the result is too large to return', 0);
      }),
    );
  } catch (e) {
    return E.left(toError(e));
  }
}

/**
 * Evaluates a `successCondition` or `failureCondition` against a provider's `result` (numbers are floats,
 * as Go decodes them; arrays and plain objects are arrays and maps; `null`/`undefined` are `nil`). The
 * expression must produce a boolean; anything else is a `ConditionEvalError`
 * ("condition must evaluate to a boolean, got <type>").
 */
export function evaluateCondition(expression: string, result: unknown): E.Either<ConditionError, boolean> {
  try {
    const value = run(expression, makeMap([['result', result]]));
    if (typeof value !== 'boolean') {
      throw new ExprFailure('eval', `condition must evaluate to a boolean, got ${typeName(value)}`, 0);
    }
    return E.right(value);
  } catch (e) {
    return E.left(toError(e));
  }
}

const present = (condition: string | null | undefined): condition is string => condition != null && condition !== '';

/**
 * Judges one measured `result` by a metric's conditions, as Argo Rollouts does (an empty string counts as
 * no condition):
 *
 * | success | failure | outcome                                                              |
 * |---------|---------|----------------------------------------------------------------------|
 * | –       | –       | Successful                                                           |
 * | set     | –       | Successful when it holds, else Failed                                |
 * | –       | set     | Failed when it holds, else Successful                                |
 * | set     | set     | Failed when failure holds; else Successful when success holds; else Inconclusive |
 *
 * Both conditions are evaluated (success first) before deciding, so an error in either one is returned
 * (the measurement is then an `Error`) even when the other would have decided.
 */
export function assessMeasurementResult(
  result: unknown,
  successCondition?: string | null,
  failureCondition?: string | null,
): E.Either<ConditionError, MeasurementAssessment> {
  const hasSuccess = present(successCondition);
  const hasFailure = present(failureCondition);
  let success = false;
  let failure = false;
  if (hasSuccess) {
    const r = evaluateCondition(successCondition, result);
    if (E.isLeft(r)) return E.left({ ...r.left, condition: 'successCondition' });
    success = r.right;
  }
  if (hasFailure) {
    const r = evaluateCondition(failureCondition, result);
    if (E.isLeft(r)) return E.left({ ...r.left, condition: 'failureCondition' });
    failure = r.right;
  }
  if (!hasSuccess && !hasFailure) return E.right('Successful');
  if (hasSuccess && !hasFailure) failure = !success;
  if (!hasSuccess && hasFailure) success = !failure;
  if (failure) return E.right('Failed');
  return E.right(success ? 'Successful' : 'Inconclusive');
}
