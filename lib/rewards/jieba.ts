/**
 * Chinese word segmentation for the Summary metric:
 *
 *   jiebaJoin(x) == " ".join(jieba.cut(x, cut_all=False))      (jieba 0.42.1, default mode, HMM on)
 *
 * Source: GoLongRL `Train/verl/verl/utils/reward_score/long_bench_pro.py::Summary_Max_Rouge_L`
 * (applied to the normalised references and prediction when ground_truth["summary"] == "Chinese").
 *
 * Engine: `jieba-wasm` 2.4.0 (the Rust port jieba-rs compiled to WebAssembly; same prefix dictionary and
 * the same HMM model as Python jieba). `@node-rs/jieba` 2.0.3 (an N-API binding of the same jieba-rs)
 * was evaluated too: on the 8 Chinese golden summary cases both give Python jieba's output exactly,
 * and on a 6,405-text corpus (golden texts, random mixes of dictionary words, single characters, ASCII
 * words, numbers, punctuation, emoji, full-width forms) the two packages agreed on every text.
 * @node-rs/jieba is about 2.5x faster, but its per-platform binaries are optional dependencies that the
 * npm registry reachable here does not fully serve, which leaves a lockfile `npm ci` rejects; the
 * wasm build is one platform-independent package. Chinese segmentation runs only on Chinese summary
 * rows, so the speed difference does not matter. Both share the same two departures from Python
 * jieba, which this module corrects:
 *
 *  1. Han range. Python's `re_han_default` is `[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+`; jieba-rs's block
 *     classifier also counts CJK Extension A (U+3400–U+4DBF), U+9FD6–U+9FFF, the compatibility
 *     ideographs (U+F900–U+FAFF) and the astral extensions as Han. Python emits each such character
 *     as its own token and cuts the surrounding text into separate blocks; jieba-rs glued runs of
 *     them into one token ("㐀㐁" → "㐀㐁" instead of "㐀", "㐁"). Fix: this module splits the input
 *     into blocks with Python's exact regex and hands jieba-rs only the Han blocks (which contain no
 *     out-of-range characters), emitting the other characters one code point at a time ("\r\n" as one
 *     token), exactly as `jieba.cut` does.
 *  2. HMM skip regex. Python's `finalseg.re_skip` is `([a-zA-Z0-9]+(?:\.\d+)?%?)`; jieba-rs has the
 *     dot unescaped (`(?:.\d+)`), so in out-of-vocabulary runs it keeps "2020-2021" or "100%100%"
 *     as one token where Python yields "2020", "-", "2021" / "100%", "100%". Fix: every maximal run of
 *     consecutive output tokens made only of the characters [a-zA-Z0-9+#&._%-] is re-split with
 *     Python's regex. Such a run can only come from one HMM buffer segment (tokens of the dictionary
 *     path are multi-character dictionary words, and the only all-ASCII dictionary words — "c++", "c#",
 *     "C++", "C#", "AT&T" — can never be produced by the HMM splitter as a single token, so they are
 *     kept as run breakers).
 *
 * After these two fixes the module matched Python jieba 0.42.1 on every text of the evaluation corpus
 * (6,405 texts plus targeted cases for both issues). Known remaining differences (not observed):
 *  - jieba-rs's bundled dict.txt lacks the one entry "B超 3 n"; it can never match lowercased text, but
 *    it changes the dictionary's total frequency by 3 in ~60 million, so a route whose log-probability
 *    ties another to ~1e-7 could in principle be resolved differently;
 *  - floating-point rounding in the route/Viterbi scores is done in a different order (Rust vs CPython),
 *    which again only matters for exact ties.
 * Never throws on strings.
 *
 * Start-up cost (issue 15 item 7). jieba-rs builds its prefix dictionary (a 349,046-word trie, ≈0.3 s of
 * CPU) inside the wasm module on the first `cut`, which used to be a third of a cold `golongrl score` of
 * one GoLongRL step. Two things keep that off the common path:
 *  - the wasm module is loaded only when a text has a Han block (`engine()`), never for English rows;
 *  - a memory image: a wasm instance's whole state is its linear memory (the dictionary, the allocator,
 *    every Rust static), its externref table and its `__stack_pointer` global, which is back at its
 *    initial value whenever no call is running. So the first process that builds the dictionary saves
 *    the memory (non-zero pages) and the table length, right after one probe cut, to
 *    `node_modules/.cache/golongrl/jieba-<key>.img` (written atomically, best effort; `npm run build`
 *    writes it too); later processes instantiate the module, grow memory and table to the saved sizes
 *    and read the pages straight into the wasm memory (≈60 ms instead of ≈300 ms). The key is a SHA-1 of
 *    the wasm binary and its JavaScript glue, so another jieba-wasm build never uses an old image; the
 *    module must have `__stack_pointer` as its only mutable global (test/rewards/jieba_image.test.ts
 *    checks the binary). After a restore the probe sentence is cut again and must give exactly what the
 *    fresh instance gave when the image was made; otherwise the image is deleted and a fresh instance
 *    (a new copy of the glue, so a new wasm instance) builds the dictionary as before. The segmentation is
 *    the same either way (test/rewards/jieba_image.test.ts compares both on a corpus).
 *    GOLONGRL_JIEBA_IMAGE=0 turns the image off (neither read nor written); GOLONGRL_JIEBA_IMAGE_DIR
 *    puts it in another folder.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nodeRequire } from './node_require.cjs';
import { mkdirp } from '../util/fsx.js';

interface JiebaEngine {
  cut(sentence: string, hmm?: boolean | null): string[];
}

/** What the glue (`jieba-wasm`'s nodejs build, CommonJS) exposes beyond its typed API. */
interface JiebaGlue extends JiebaEngine {
  __wasm: { memory: WebAssembly.Memory; __wbindgen_export_2: WebAssembly.Table };
}

const PAGE = 65536;
const IMAGE_MAGIC = 'GOLONGRL-JIEBA-IMAGE-1\n';
/** Cut right after instantiation (builds the dictionary) and again after a restore: the two must agree. */
const PROBE = '我们在北京的大学里学习了很多年的中文和数学，南京市长江大桥欢迎您。小明硕士毕业于中国科学院计算所，后在日本京都大学深造；2020-2021年c++和100%的ai。';

interface ImageHeader {
  key: string;
  /** Memory pages right after instantiation (the restore starts from the same state). */
  basePages: number;
  pages: number;
  table: number;
  probe: string[];
  /** [first page, page count] of each stored run, in file order. */
  runs: [number, number][];
}

/** Where the image of this jieba-wasm build lives, and its key. */
function imageLocation(gluePath: string): { path: string; key: string } {
  const dir = dirname(gluePath);
  const h = createHash('sha1');
  h.update(readFileSync(join(dir, 'jieba_rs_wasm_bg.wasm')));
  h.update(readFileSync(gluePath));
  const key = h.digest('hex');
  // <root>/node_modules/jieba-wasm/pkg/nodejs/jieba_rs_wasm.js → <root>/node_modules/.cache/golongrl/
  const cacheDir = process.env.GOLONGRL_JIEBA_IMAGE_DIR || join(dir, '..', '..', '..', '.cache', 'golongrl');
  return { path: join(cacheDir, `jieba-${key.slice(0, 16)}.img`), key };
}

function loadGlue(fresh: boolean): JiebaGlue {
  const id = nodeRequire.resolve('jieba-wasm');
  if (fresh) delete nodeRequire.cache[id];
  return nodeRequire(id) as JiebaGlue;
}

/** Restore the image into a just-instantiated glue; true when it is in place and the probe agrees. */
function restoreImage(glue: JiebaGlue, path: string, key: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false; // no image yet
  }
  try {
    const size = fstatSync(fd).size;
    const pre = Buffer.alloc(Math.min(size, 1 << 16));
    readSync(fd, pre, 0, pre.length, 0);
    const magicLen = Buffer.byteLength(IMAGE_MAGIC);
    if (pre.toString('latin1', 0, magicLen) !== IMAGE_MAGIC) return false;
    const hlen = pre.readUInt32LE(magicLen);
    if (magicLen + 4 + hlen > pre.length) return false;
    const h = JSON.parse(pre.toString('utf8', magicLen + 4, magicLen + 4 + hlen)) as ImageHeader;
    const { memory, __wbindgen_export_2: table } = glue.__wasm;
    const dataStart = Math.ceil((magicLen + 4 + hlen) / PAGE) * PAGE;
    const stored = h.runs.reduce((a, [, n]) => a + n, 0);
    if (h.key !== key || memory.buffer.byteLength !== h.basePages * PAGE || table.length > h.table || dataStart + stored * PAGE !== size) return false;
    memory.grow(h.pages - h.basePages);
    table.grow(h.table - table.length);
    const mem = new Uint8Array(memory.buffer);
    let pos = dataStart;
    for (const [first, n] of h.runs) {
      let done = 0;
      while (done < n * PAGE) {
        const r = readSync(fd, mem, first * PAGE + done, n * PAGE - done, pos + done);
        if (r <= 0) throw new Error('short read');
        done += r;
      }
      pos += n * PAGE;
    }
    return JSON.stringify(glue.cut(PROBE, true)) === JSON.stringify(h.probe);
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

/** Save a just-built instance (quiescent, right after the probe cut); best effort, atomic. */
function writeImage(glue: JiebaGlue, path: string, key: string, basePages: number, probe: string[]): void {
  const { memory, __wbindgen_export_2: table } = glue.__wasm;
  const mem = new Uint8Array(memory.buffer);
  const pages = mem.length / PAGE;
  // Pages the restore must write: every page the fresh instance starts with, and every non-zero page after.
  const runs: [number, number][] = [];
  for (let p = 0; p < pages; p++) {
    let keep = p < basePages;
    if (!keep) {
      const words = new Int32Array(memory.buffer, p * PAGE, PAGE / 4);
      for (let k = 0; k < words.length; k++)
        if (words[k] !== 0) {
          keep = true;
          break;
        }
    }
    if (!keep) continue;
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === p) last[1]++;
    else runs.push([p, 1]);
  }
  const header: ImageHeader = { key, basePages, pages, table: table.length, probe, runs };
  const hjson = Buffer.from(JSON.stringify(header));
  const pre = Buffer.alloc(Math.ceil((Buffer.byteLength(IMAGE_MAGIC) + 4 + hjson.length) / PAGE) * PAGE);
  pre.write(IMAGE_MAGIC, 0, 'latin1');
  pre.writeUInt32LE(hjson.length, Buffer.byteLength(IMAGE_MAGIC));
  hjson.copy(pre, Buffer.byteLength(IMAGE_MAGIC) + 4);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    mkdirp(dirname(path));
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, pre);
      for (const [first, n] of runs) writeSync(fd, mem, first * PAGE, n * PAGE);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch {
    rmSync(tmp, { force: true }); // a read-only node_modules: the next process builds the dictionary again
  }
}

let loaded: JiebaEngine | null = null;
let loadedFrom: 'image' | 'built' | null = null;

/** How this process got its dictionary: restored from the image, built, or not yet (test seam). */
export function jiebaDictionarySource(): 'image' | 'built' | null {
  return loadedFrom;
}

/**
 * The jieba-rs engine with its dictionary built: from the memory image when there is a valid one,
 * otherwise built now (and the image written for the next process).
 */
function engine(): JiebaEngine {
  if (loaded) return loaded;
  const useImage = process.env.GOLONGRL_JIEBA_IMAGE !== '0';
  let glue = loadGlue(false);
  if (!useImage) {
    loadedFrom = 'built';
    return (loaded = glue);
  }
  const { path, key } = imageLocation(nodeRequire.resolve('jieba-wasm'));
  const basePages = glue.__wasm.memory.buffer.byteLength / PAGE;
  if (restoreImage(glue, path, key)) {
    loadedFrom = 'image';
    return (loaded = glue);
  }
  if (glue.__wasm.memory.buffer.byteLength !== basePages * PAGE || existsSync(path)) {
    // A restore was tried and failed (or the image is unusable): drop it, start from a new instance.
    rmSync(path, { force: true });
    glue = loadGlue(true);
  }
  const base = glue.__wasm.memory.buffer.byteLength / PAGE;
  const probe = glue.cut(PROBE, true); // builds the dictionary
  writeImage(glue, path, key, base, probe);
  loadedFrom = 'built';
  return (loaded = glue);
}

/** Test seam: where the image of the installed jieba-wasm lives. */
export function jiebaImagePath(): string {
  return imageLocation(nodeRequire.resolve('jieba-wasm')).path;
}

/** Python jieba's `re_han_default` (default mode block splitter). */
const RE_HAN_DEFAULT = /[\u4E00-\u9FD5a-zA-Z0-9+#&._%-]+/g;
/** Characters of `re_han_default` other than the Han range: the ASCII part of a Han block. */
const RE_ASCII_PART = /^[a-zA-Z0-9+#&._%-]+$/;
/** All-ASCII entries of jieba's dict.txt: produced only by the dictionary route, never by the HMM splitter. */
const ASCII_DICT_WORDS = new Set(['c++', 'c#', 'C++', 'C#', 'AT&T']);

const isAlnum = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/**
 * `re_skip.split(s)` of Python's finalseg (`[a-zA-Z0-9]+(?:\.[0-9]+)?%?`), keeping matches and non-empty
 * gaps, in order. A scanner, not the regex: a match starts at an ASCII letter or digit and takes the whole
 * run (greedy), then "." and digits if a digit follows the ".", then "%"; a gap is everything up to the next
 * letter or digit. (Test: equal to the regex split on random strings, test/rewards/summary.test.ts.)
 */
function pythonHmmSkipSplit(s: string, out: string[]): void {
  const n = s.length;
  let i = 0;
  let gap = 0;
  while (i < n) {
    if (!isAlnum(s.charCodeAt(i))) {
      i++;
      continue;
    }
    if (i > gap) out.push(s.slice(gap, i));
    let j = i + 1;
    while (j < n && isAlnum(s.charCodeAt(j))) j++;
    if (j + 1 < n && s.charCodeAt(j) === 0x2e && isDigit(s.charCodeAt(j + 1))) {
      j += 2;
      while (j < n && isDigit(s.charCodeAt(j))) j++;
    }
    if (j < n && s.charCodeAt(j) === 0x25) j++;
    out.push(i === 0 && j === n ? s : s.slice(i, j));
    i = gap = j;
  }
  if (gap < n) out.push(s.slice(gap));
}

/** Test seam: `pythonHmmSkipSplit` as a function returning the pieces. */
export function hmmSkipSplit(s: string): string[] {
  const out: string[] = [];
  pythonHmmSkipSplit(s, out);
  return out;
}

/**
 * Short blocks repeat (GoLongRL's summary reward segments the whole response, think block included, as
 * the reference does; a Chinese clause between two commas is one block), so the cuts of blocks that need
 * jieba-rs are memoised: a block's cut depends on the block alone. Bounded: blocks up to 64 UTF-16 units,
 * 65,536 entries.
 */
const BLOCK_CACHE = new Map<string, readonly string[]>();
const CACHE_MAX_BLOCK = 64;
const CACHE_MAX_ENTRIES = 65_536;

/**
 * A block with no Han character and none of "+", "#", "&" contains no dictionary word of two or more
 * characters (the only all-ASCII entries of dict.txt are "c++", "c#", "C++", "C#", "AT&T"), so Python's
 * DAG route is single characters, its buffer is the whole block (not a word), and `finalseg.cut` splits it
 * with `re_skip` alone: the cut is `pythonHmmSkipSplit(block)`, no dictionary needed. Every English word of
 * a think block is such a block.
 */
function isPlainAsciiBlock(block: string): boolean {
  for (let i = 0; i < block.length; i++) {
    const c = block.charCodeAt(i);
    if (c >= 0x80 || c === 0x2b || c === 0x23 || c === 0x26) return false; // Han, "+", "#", "&"
  }
  return true;
}

/**
 * Cut one `re_han_default` block that is not plain ASCII with jieba-rs, through the memo, then undo its HMM
 * skip-regex difference. jiebaCut's fallback for a block its batched call did not leave in the memo (the
 * memo was cleared when full while the batch's cuts went in).
 */
function cutHanBlock(block: string, out: string[]): void {
  if (block.length <= CACHE_MAX_BLOCK) {
    let cut = BLOCK_CACHE.get(block);
    if (cut === undefined) {
      const tmp: string[] = [];
      cutHanBlockUncached(block, tmp);
      if (BLOCK_CACHE.size >= CACHE_MAX_ENTRIES) BLOCK_CACHE.clear();
      BLOCK_CACHE.set(block, (cut = tmp));
    }
    for (const w of cut) out.push(w);
    return;
  }
  cutHanBlockUncached(block, out);
}

/** Test seam: a block cut by jieba-rs (plus the skip-regex fix), without the plain-ASCII shortcut or the memo. */
export function cutBlockWithEngine(block: string): string[] {
  const out: string[] = [];
  cutHanBlockUncached(block, out);
  return out;
}

function cutHanBlockUncached(block: string, out: string[]): void {
  engineCalls++;
  fixAsciiRuns(engine().cut(block, true), 0, out);
}

let engineCalls = 0;

/** Test seam: how many jieba-rs `cut` calls this process has made. */
export function jiebaEngineCalls(): number {
  return engineCalls;
}

/**
 * jieba-rs's words of one block, from index `from` → `out`, its all-ASCII runs re-split as Python's HMM
 * route splits them (`pythonHmmSkipSplit`); a "\n" word (the batch separator) or the end of `words` ends
 * the block. Returns the index of that separator (or `words.length`).
 */
function fixAsciiRuns(words: readonly string[], from: number, out: string[]): number {
  let run = '';
  let k = from;
  for (; k < words.length; k++) {
    const w = words[k];
    if (w === BATCH_SEP) break;
    if (RE_ASCII_PART.test(w) && !ASCII_DICT_WORDS.has(w)) {
      run += w;
      continue;
    }
    if (run) {
      pythonHmmSkipSplit(run, out);
      run = '';
    }
    out.push(w);
  }
  if (run) pythonHmmSkipSplit(run, out);
  return k;
}

/**
 * Blocks joined for one jieba-rs call. "\n" is outside `re_han_default` (and jieba-rs's own block
 * regex), so jieba-rs splits the joined text back into the same blocks and cuts each alone, as one call
 * per block would, with a "\n" word between them; no block contains one. One call per text instead of
 * one per block: each call costs ≈ 80 µs of string passing whatever the block's size (a summary row has
 * dozens of blocks, one per clause).
 */
const BATCH_SEP = '\n';

/** The cuts of `blocks` (Han blocks, none plain ASCII) with ONE jieba-rs call; per-block calls if the separators do not come back as expected. */
function cutHanBlocksBatched(blocks: readonly string[]): string[][] {
  if (blocks.length === 1) return [cutBlockWithEngine(blocks[0])];
  engineCalls++;
  const words = engine().cut(blocks.join(BATCH_SEP), true);
  let seps = 0;
  for (const w of words) if (w === BATCH_SEP) seps++;
  if (seps !== blocks.length - 1) return blocks.map(cutBlockWithEngine);
  const cuts: string[][] = [];
  let k = 0;
  for (let b = 0; b < blocks.length; b++) {
    const cut: string[] = [];
    k = fixAsciiRuns(words, k, cut) + 1;
    cuts.push(cut);
  }
  return cuts;
}

/** Non-Han text[from, to): jieba yields "\r\n" and every other code point as separate tokens. */
function cutSkipBlock(text: string, from: number, to: number, out: string[]): void {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d && i + 1 < to && text.charCodeAt(i + 1) === 0x0a) {
      out.push('\r\n');
      i++;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      out.push(text.slice(i, i + 2));
      i++;
    } else out.push(text[i]);
  }
}

/**
 * `list(jieba.cut(text, cut_all=False))`. One regex pass finds the blocks; the blocks that need jieba-rs
 * and are not memoised are cut together in one engine call (`cutHanBlocksBatched`); then the text's
 * tokens are emitted in order.
 */
export function jiebaCut(text: string): string[] {
  const starts: number[] = [];
  const blocks: string[] = [];
  const plain: boolean[] = [];
  let pending: Set<string> | null = null;
  RE_HAN_DEFAULT.lastIndex = 0;
  for (let m = RE_HAN_DEFAULT.exec(text); m !== null; m = RE_HAN_DEFAULT.exec(text)) {
    const b = m[0];
    const p = isPlainAsciiBlock(b);
    starts.push(m.index);
    blocks.push(b);
    plain.push(p);
    if (!p && !(b.length <= CACHE_MAX_BLOCK && BLOCK_CACHE.has(b))) (pending ??= new Set()).add(b);
  }
  const long = new Map<string, readonly string[]>(); // cuts of blocks too long for the memo
  if (pending !== null) {
    const list = [...pending];
    const cuts = cutHanBlocksBatched(list);
    list.forEach((b, i) => {
      if (b.length <= CACHE_MAX_BLOCK) {
        if (BLOCK_CACHE.size >= CACHE_MAX_ENTRIES) BLOCK_CACHE.clear();
        BLOCK_CACHE.set(b, cuts[i]);
      } else long.set(b, cuts[i]);
    });
  }
  const out: string[] = [];
  let last = 0;
  for (let k = 0; k < blocks.length; k++) {
    const b = blocks[k];
    if (starts[k] > last) cutSkipBlock(text, last, starts[k], out);
    if (plain[k]) pythonHmmSkipSplit(b, out);
    else {
      const cut = b.length <= CACHE_MAX_BLOCK ? BLOCK_CACHE.get(b) : long.get(b);
      if (cut !== undefined) for (const w of cut) out.push(w);
      else cutHanBlock(b, out);
    }
    last = starts[k] + b.length;
  }
  if (last < text.length) cutSkipBlock(text, last, text.length, out);
  return out;
}

/** `" ".join(jieba.cut(text, cut_all=False))` */
export function jiebaJoin(text: string): string {
  return jiebaCut(text).join(' ');
}
