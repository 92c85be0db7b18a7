/** `golongrl score` prints each row as written with `"score"` added (lib/cli/score.ts `withScore`). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withScore } from '../../lib/cli/score.js';

const added = (text: string, score: number) => withScore(JSON.parse(text) as Record<string, unknown>, text, score);

describe('score output: the row as written plus "score"', () => {
  it('parses to the input object with score added last, for any object and formatting', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('', ' ', '\t', ' \r'), fc.boolean(), (obj, score, pad, pretty) => {
        const text = `${pad}${pretty ? JSON.stringify(obj, null, 1).replace(/\n/g, ' ') : JSON.stringify(obj)}${pad}`;
        const expected = JSON.parse(text) as Record<string, unknown>;
        expected.score = score;
        const out = added(text, score);
        expect(JSON.stringify(JSON.parse(out))).toBe(JSON.stringify(expected));
        expect(out).not.toMatch(/[\r\n]/);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps every other value exactly as written (big integers, 1.0, escapes); an existing score is replaced in place', () => {
    expect(added('{"uid": 12345678901234567890, "x": 1.0, "s": "\\u00e9"}', 0.5)).toBe('{"uid": 12345678901234567890, "x": 1.0, "s": "\\u00e9","score":0.5}');
    expect(added('{}', 1)).toBe('{"score":1}');
    expect(added('{ }', 0)).toBe('{ "score":0}');
    expect(added('{"score": 7, "a": 1}', 0.25)).toBe('{"score":0.25,"a":1}');
  });
});
