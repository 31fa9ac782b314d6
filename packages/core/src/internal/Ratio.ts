/**
 * Exact integer arithmetic on `a·b/c` for non-negative integers (c > 0). The product is kept exact even
 * beyond 2^53 (for example a 10^8 traffic scale times a replica count) by switching to bigint.
 */

/** `floor(a·b/c)` and the remainder `a·b mod c`, exactly. */
export function divideProduct(a: number, b: number, c: number): { readonly quotient: number; readonly remainder: number } {
  const product = a * b;
  if (Number.isSafeInteger(product)) {
    const remainder = product % c;
    return { quotient: (product - remainder) / c, remainder };
  }
  const big = BigInt(a) * BigInt(b);
  const divisor = BigInt(c);
  return { quotient: Number(big / divisor), remainder: Number(big % divisor) };
}

/** `ceil(a·b/c)`, exactly. */
export function ceilOfProduct(a: number, b: number, c: number): number {
  const { quotient, remainder } = divideProduct(a, b, c);
  return remainder === 0 ? quotient : quotient + 1;
}
