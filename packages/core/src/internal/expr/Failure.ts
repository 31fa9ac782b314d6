/**
 * The one exception the expression engine throws internally. The public entry points catch it and return it
 * as a value; nothing else is thrown on purpose, so anything else caught there is a bug.
 *
 * `position` is a 0-based offset into the expression; `-1` means "not known yet": the evaluator fills in the
 * position of the node it was evaluating when the failure passes through it.
 */
export class ExprFailure {
  constructor(
    readonly kind: 'syntax' | 'eval',
    readonly message: string,
    readonly position: number = -1,
  ) {}

  /** The same failure, placed at `position` unless it already has a place. */
  at(position: number): ExprFailure {
    return this.position >= 0 ? this : new ExprFailure(this.kind, this.message, position);
  }
}

/** A failure while evaluating, without a position (the node being evaluated supplies it). */
export const evalFailure = (message: string): ExprFailure => new ExprFailure('eval', message);
