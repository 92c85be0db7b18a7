/**
 * math_longcot_math_verify: the port of GoLongRL's math_dapo reward with Hugging Face math_verify lives in
 * `lib/rewards/math_verify/` (one file per concern; `index.ts` has the contract and sources). This file
 * keeps the old import path working.
 */
export * from './math_verify/index.js';
