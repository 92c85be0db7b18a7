/**
 * Exact Qwen3 token counts: chunked counting equals whole-string counting on long real texts and on
 * adversarial random strings; the chat template; the disk cache (miss, then hit from a new process
 * state), keyed by content hash.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  contentHash,
  createTokenCounter,
  decodedPromptText,
  isSafeCut,
  loadQwen3Tokenizer,
  renderChatPrompt,
  renderedLength,
  safeChunks,
  TokenCache,
  type Qwen3Tokenizer,
} from '../../lib/data/tokens.js';
import { generateSample } from '../../lib/data/sample_generator.js';

let tok: Qwen3Tokenizer;
beforeAll(async () => {
  tok = await loadQwen3Tokenizer();
});

/** Real English text: the READMEs of the top-level packages in node_modules (about 0.4 MB). */
function englishReadmes(maxChars = 400_000): string {
  let s = '';
  for (const d of readdirSync('node_modules').sort()) {
    const f = join('node_modules', d, 'README.md');
    if (existsSync(f)) s += readFileSync(f, 'utf8') + '\n\n';
    if (s.length > maxChars) break;
  }
  return s;
}
/** Real Chinese text: TypeScript's zh-CN diagnostic messages (about 60K characters). */
function chineseMessages(): string {
  return Object.values(JSON.parse(readFileSync('node_modules/typescript/lib/zh-cn/diagnosticMessages.generated.json', 'utf8')) as Record<string, string>).join('\n');
}

describe('Qwen3 tokenizer', () => {
  it('is the real Qwen3 vocabulary (known ids) and counts special tokens as one', () => {
    expect(tok.encode('Hello world')).toEqual([9707, 1879]);
    expect(tok.encode('<think>')).toEqual([151667]);
    expect(tok.countWhole('<|im_start|>user\nhi<|im_end|>\n')).toBe(6);
  });

  it('chunked count == whole-string count on long real texts (English, English without newlines, Chinese without spaces or newlines)', () => {
    const en = englishReadmes();
    const zh = chineseMessages();
    expect(en.length).toBeGreaterThan(300_000);
    const texts: Record<string, string> = {
      english: en,
      'english, newlines → spaces (rule 2 cuts only)': en.replace(/\n/g, ' '),
      'chinese, no whitespace (rule 3 cuts only)': zh.replace(/\s/g, ''),
      chinese: zh,
    };
    for (const [name, text] of Object.entries(texts)) {
      const whole = tok.countWhole(text);
      for (const target of [1_000, 4_096, 16_384]) {
        const chunks = safeChunks(text, target, tok.addedTokens);
        expect(chunks.join(''), name).toBe(text);
        expect(chunks.length, `${name} @${target}`).toBeGreaterThan(text.length / target / 2);
        expect(chunks.reduce((a, c) => a + tok.countWhole(c), 0), `${name} @${target}`).toBe(whole);
      }
      expect(tok.count(text), name).toBe(whole);
    }
  });

  it('chunked count == whole-string count on the SAMPLE prompts (chat-templated, up to 56K tokens)', () => {
    for (const row of generateSample()) {
      const text = renderChatPrompt(row.prompt);
      const whole = tok.countWhole(text);
      expect(safeChunks(text, 2_048, tok.addedTokens).reduce((a, c) => a + tok.countWhole(c), 0), row.extra_info.task).toBe(whole);
    }
  });

  it('chunked count == whole-string count on random strings of awkward characters (property test)', () => {
    const atoms = [
      ' ', '  ', '\n', '\n\n', '\r\n', '\t', 'a', 'word', 'Word', "'s", "'LL", '1', '2024', '.', ',', '!', '。', '，', '中文', '字',
      'é', 'e\u0301', '\u0301', 'ﬁ', '한', '\u1100\u1161', '😀', '👍🏽', '<|im_start|>', '<|im_end|>', '<think>', '</think>', '<|', '|>',
      '_', '-', '--', '"', '\u00a0', '\u3000', 'ʼ', '٣', 'Ⅻ', 'x\u0308', '\u200b',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...atoms), { minLength: 0, maxLength: 400 }), fc.integer({ min: 8, max: 64 }), (parts, target) => {
        const text = parts.join('');
        const chunks = safeChunks(text, target, tok.addedTokens);
        expect(chunks.join('')).toBe(text);
        expect(chunks.reduce((a, c) => a + tok.countWhole(c), 0)).toBe(tok.countWhole(text));
      }),
      { numRuns: 1500, seed: 20250611 },
    );
  });

  it('never cuts inside an added token or a surrogate pair', () => {
    const t = 'abc<|im_start|>user\nx😀y';
    for (let b = 4; b < 15; b++) expect(isSafeCut(t, b, tok.addedTokens), `cut at ${b}`).toBe(false);
    expect(isSafeCut(t, t.indexOf('😀') + 1, tok.addedTokens)).toBe(false);
    expect(isSafeCut('line one\nLine two', 9)).toBe(true);
    expect(isSafeCut('word next', 4)).toBe(true);
    expect(isSafeCut('中文。下一句', 2)).toBe(true);
    expect(isSafeCut('e\n\u0301x', 2)).toBe(false);
  });
});

describe('chat template', () => {
  it('renders Qwen3 chat prompts with the generation prompt (what verl tokenizes) and measures them without building them', () => {
    const msgs = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Question?' },
      { role: 'assistant', content: 'Answer.' },
      { role: 'tool', content: 'r1' },
      { role: 'tool', content: 'r2' },
      { role: 'user', content: 'Again?' },
    ];
    const s = renderChatPrompt(msgs);
    expect(s).toBe(
      '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nQuestion?<|im_end|>\n<|im_start|>assistant\nAnswer.<|im_end|>\n' +
        '<|im_start|>user\n<tool_response>\nr1\n</tool_response>\n<tool_response>\nr2\n</tool_response><|im_end|>\n' +
        '<|im_start|>user\nAgain?<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(renderedLength(msgs)).toBe(s.length);
    expect(decodedPromptText([{ role: 'user', content: 'Cafe\u0301' }])).toBe('user\nCafé\nassistant\n');
  });
});

describe('token cache', () => {
  it('misses, stores counts under the content hash, and hits from a fresh counter; cacheDir null disables it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'golongrl-tokens-'));
    const msgs = [{ role: 'user', content: 'The harbour clerk reviewed the winter accounts.\n\n'.repeat(2_000) }];
    const a = await createTokenCounter({ cacheDir: dir });
    const n = a.countPrompt(msgs);
    expect(n).toBe(tok.countWhole(renderChatPrompt(msgs)));
    expect(a.cache!.misses).toBe(1);
    a.flush();
    const file = join(dir, `${tok.fingerprint}.tsv`);
    expect(readFileSync(file, 'utf8')).toBe(`${contentHash(renderChatPrompt(msgs))}\t${n}\n`);

    const b = await createTokenCounter({ cacheDir: dir });
    expect(b.countPrompt(msgs)).toBe(n);
    expect([b.cache!.hits, b.cache!.misses]).toEqual([1, 0]);
    // the cache is what answers: a planted (wrong) count for a text is returned as is
    const c = new TokenCache(dir, tok.fingerprint);
    c.set(contentHash('planted'), 12345);
    c.flush();
    expect((await createTokenCounter({ cacheDir: dir })).countText('planted')).toBe(12345);

    const none = await createTokenCounter({ cacheDir: null });
    expect(none.cache).toBeNull();
    expect(none.countText('planted')).toBe(tok.countWhole('planted'));
  });
});
