/**
 * `pyJsonLoads` + `pyStr` against the real thing: 3,000 random JSON documents (numbers in
 * every lexical form, Unicode and control-escaped strings, nesting) are parsed and printed
 * by Debian's Python 3 (`json.loads` then `str`) and by us; the outputs must be identical.
 * Strings use code points assigned before Unicode 6 (see `stableChar`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PyJsonError, pyJsonLoads, pyStr } from '../../lib/util/pyjson.js';

const PY = '/usr/bin/python3';

const num = fc.oneof(
  fc.integer({ min: -1e6, max: 1e6 }).map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
  fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: -30, max: 30 })).map(([a, b, e]) => `${a}.${b}e${e}`),
  fc.constantFrom('1.0', '-0.0', '0.0001', '0.00001', '1e16', '1E+2', '123456789012345678.0', 'NaN', 'Infinity', '-Infinity'),
);
// Code points whose printability is the same in every Unicode version since 6 (Python 3.11 ships
// Unicode 14, Node a newer ICU; characters assigned after 14 print raw in Node but escaped in
// Python). Such a difference cannot change an IoU score: gold and prediction rows are keyed by
// the same function, and repr stays injective either way.
const stableChar = fc
  .oneof(fc.integer({ min: 0, max: 0x7ff }), fc.integer({ min: 0x4e00, max: 0x9fa5 }), fc.integer({ min: 0x1f600, max: 0x1f64f }), fc.integer({ min: 0xdc00, max: 0xdfff }) /* lone low surrogates: they cannot pair up */)
  .map((c) => String.fromCharCode(...(c > 0xffff ? [0xd800 + ((c - 0x10000) >> 10), 0xdc00 + ((c - 0x10000) & 0x3ff)] : [c])));
const str = fc.array(stableChar, { maxLength: 12 }).map((cs) => JSON.stringify(cs.join('')));
const leaf = fc.oneof(num, str, fc.constantFrom('true', 'false', 'null'));
const doc = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, tie('arr'), tie('obj')),
  arr: fc.array(tie('node'), { maxLength: 4 }).map((xs) => `[${(xs as string[]).join(', ')}]`),
  obj: fc.array(fc.tuple(str, tie('node')), { maxLength: 4 }).map((kv) => `{${(kv as [string, string][]).map(([k, v]) => `${k}: ${v}`).join(', ')}}`),
})).node;

describe('Python-faithful JSON', () => {
  it('matches CPython json.loads + str() on 3,000 random documents', () => {
    // Never skipped: without Debian's python3 this fails (scripts/setup-test-env.sh installs it).
    expect(existsSync(PY), `${PY} not found: run 'bash scripts/setup-test-env.sh' (installs Debian's python3)`).toBe(true);
    const docs = fc.sample(doc, { numRuns: 3000, seed: 7 }) as string[];
    const script = 'import json,sys\nfor line in sys.stdin:\n    print(json.dumps(str(json.loads(json.loads(line)))))';
    const out = execFileSync(PY, ['-c', script], { input: docs.map((d) => JSON.stringify(d)).join('\n') + '\n', maxBuffer: 1 << 26 }).toString();
    const expected = out.trim().split('\n').map((l) => JSON.parse(l) as string);
    const got = docs.map((d) => pyStr(pyJsonLoads(d)));
    const diffs = got.map((g, i) => (g === expected[i] ? null : { doc: docs[i], python: expected[i], ours: g })).filter(Boolean);
    expect(diffs.slice(0, 5)).toEqual([]);
  });
  it('rejects what Python rejects', () => {
    for (const bad of ['', '{', '[1,]', '{"a" 1}', '01', '1 2', '"\u0001"', "'a'", '[1] x', '-', '.5']) {
      expect(() => pyJsonLoads(bad), bad).toThrow(PyJsonError);
    }
  });
});
