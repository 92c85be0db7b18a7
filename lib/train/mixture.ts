/**
 * A short/long data mixture by tokens (dGRPO, GOLONGRL.md §G: its training data mixes short- and
 * long-context examples 10/90 by tokens; the exact construction is not public). Here "short" prompts
 * are drawn at `shortContextLen` and "long" ones at the step's context length (the recipe's, or the
 * curriculum phase's). To make the SHORT share of prompt TOKENS equal `shortTokenRatio` r in
 * expectation, each prompt is short with probability
 *
 *   p = r·T_long / (r·T_long + (1 − r)·T_short)        T_x = x + 4 + 3 (context + fixed tokens + a typical query)
 *
 * (then E[short tokens] / E[all tokens] = p·T_short / (p·T_short + (1−p)·T_long) = r). Each draw uses
 * its own counter-based stream (streams.ts, purpose `mixture`), so resume stays exact. The trainer logs
 * the realised share of the step's generated prompt tokens as `mixture/short_token_frac`.
 */

export interface MixtureConfig {
  /** Target share of prompt tokens from short prompts, in [0, 1] (dGRPO: 0.1). */
  shortTokenRatio: number;
  /** Context length of short prompts (an even integer in [8, 512]). */
  shortContextLen: number;
}

/** Typical prompt tokens beyond the context: <bos>, marker, two <sep> and ~3 query tokens. */
const FIXED_TOKENS = 7;

export function validateMixture(m: MixtureConfig): void {
  if (!(m.shortTokenRatio >= 0 && m.shortTokenRatio <= 1)) throw new RangeError(`mixture.shortTokenRatio must be in [0, 1], got ${m.shortTokenRatio}`);
  if (!Number.isInteger(m.shortContextLen) || m.shortContextLen < 8 || m.shortContextLen > 512 || m.shortContextLen % 2 !== 0)
    throw new RangeError(`mixture.shortContextLen must be an even integer in [8, 512], got ${m.shortContextLen}`);
}

/** Probability that a prompt is drawn short, given the long context length. */
export function shortProbability(m: MixtureConfig, longContextLen: number): number {
  const r = m.shortTokenRatio;
  const tl = longContextLen + FIXED_TOKENS;
  const ts = m.shortContextLen + FIXED_TOKENS;
  if (r <= 0) return 0;
  if (r >= 1) return 1;
  return (r * tl) / (r * tl + (1 - r) * ts);
}

/** Parses the CLI form `RATIO` or `RATIO:SHORTLEN` (e.g. `0.1:8`). */
export function parseMixture(text: string, defaultShortLen = 8): MixtureConfig {
  const m = /^([0-9.]+)(?::(\d+))?$/.exec(text.trim());
  if (!m) throw new RangeError(`mixture '${text}' is not RATIO or RATIO:SHORTLEN`);
  const c = { shortTokenRatio: Number(m[1]), shortContextLen: m[2] !== undefined ? Number(m[2]) : defaultShortLen };
  validateMixture(c);
  return c;
}
