/** `fixSpace` (lib/rewards/normalize.ts): its no-split fast path must equal `" ".join(s.split())` exactly. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixSpace, pySplit } from '../../lib/rewards/normalize.js';

describe('fixSpace fast path', () => {
  it('equals " ".join(s.split()) on strings of words, spaces and every Python whitespace kind', () => {
    const ws = [' ', ' ', ' ', '\t', '\n', '\r', '\x0b', '\x0c', '\x1c', '\x1f', '\x85', '\xa0', '\u1680', '\u2000', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\u200b'];
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constantFrom(...ws), fc.constantFrom('a', 'bc', '中', '.', 'x y')), { maxLength: 30 }), (parts) => {
        const s = parts.join('');
        expect(fixSpace(s)).toBe(pySplit(s).join(' '));
      }),
      { numRuns: 5000 },
    );
  });
});
