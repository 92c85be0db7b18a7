/** `rougeSentenceIds` (lib/rewards/rouge.ts) is `rougeSentences` + splitting on " " + interning, in one scan. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Interner, rougeSentenceIds, rougeSentences } from '../../lib/rewards/rouge.js';

describe('rougeSentenceIds', () => {
  it('gives the words of rougeSentences(text), sentence by sentence (blank pieces as the word "")', () => {
    const parts = ['.', '. ', ' .', '..', ' ', '  ', '\t', '\n', '\u3000', '\xa0', '\u200b', 'a', 'bc', '中文', 'x.y', '3.14', '\x1c'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...parts), { maxLength: 40 }), (ps) => {
        const text = ps.join('');
        const interner = new Interner();
        const ids = rougeSentenceIds(text, interner);
        const words = [...interner.ids.keys()];
        expect(ids.map((s) => Array.from(s, (k) => words[k]))).toEqual(rougeSentences(text).map((s) => s.split(' ')));
      }),
      { numRuns: 5000 },
    );
  });
});
