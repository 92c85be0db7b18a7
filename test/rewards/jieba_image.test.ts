/**
 * jieba start-up (issue 15 item 7, lib/rewards/jieba.ts): the wasm memory image and the plain-ASCII block
 * shortcut must not change a single token.
 *  - the image is sound only while the module's one mutable global is its stack pointer: checked on the
 *    installed binary;
 *  - a process that restored the image and one that built the dictionary (GOLONGRL_JIEBA_IMAGE=0) cut a
 *    corpus identically; a truncated image or one of another build is ignored (the dictionary is built);
 *  - plain-ASCII blocks (no "+", "#", "&") cut by the shortcut equal jieba-rs's cut plus the skip-regex fix.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cutBlockWithEngine, jiebaCut } from '../../lib/rewards/jieba.js';
import { Rng } from '../../lib/util/random.js';

const ROOT = join(import.meta.dirname, '..', '..');

/** Mutability of every global the module defines (global section, id 6), from the binary itself. */
function definedGlobalsMutability(wasm: Uint8Array): boolean[] {
  let p = 8; // magic + version
  const leb = (): number => {
    let r = 0;
    let shift = 0;
    for (;;) {
      const b = wasm[p++];
      r += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return r;
      shift += 7;
    }
  };
  while (p < wasm.length) {
    const id = wasm[p++];
    const size = leb();
    const end = p + size;
    if (id === 6) {
      const out: boolean[] = [];
      for (let n = leb(), i = 0; i < n; i++) {
        p++; // value type (i32 / i64 / f32 / f64: one byte)
        out.push(wasm[p++] === 1);
        // init expression up to its `end` (0x0b), skipping the immediates of const / global.get
        while (wasm[p] !== 0x0b) {
          const op = wasm[p++];
          if (op === 0x41 || op === 0x42 || op === 0x23) while (wasm[p++] & 0x80);
          else if (op === 0x44) p += 8;
          else if (op === 0x43) p += 4;
        }
        p++;
      }
      return out;
    }
    p = end;
  }
  return [];
}

/** Cut CORPUS in a fresh process; returns the cuts and where the dictionary came from. */
function cutInChild(env: Record<string, string>, corpus: string[]): { source: string; cuts: string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'golongrl-jieba-'));
  const input = join(dir, 'corpus.json');
  writeFileSync(input, JSON.stringify(corpus));
  const script = [
    "import { readFileSync } from 'node:fs';",
    "import { jiebaCut, jiebaDictionarySource } from './lib/rewards/jieba.ts';",
    `const corpus = JSON.parse(readFileSync(${JSON.stringify(input)}, 'utf8'));`,
    'const cuts = corpus.map((t) => jiebaCut(t));',
    'process.stdout.write(JSON.stringify({ source: jiebaDictionarySource(), cuts }));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { source: string; cuts: string[][] };
}

function corpus(): string[] {
  const rng = new Rng(42);
  const han = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严';
  const bits = ['，', '。', ' ', 'c++', 'AT&T', '2020-2021年', '100%', 'gpt-4o', '3.14', '\r\n', '㐀', '𠀀', 'Ｆｕｌｌ', '😀', '小明硕士毕业于中国科学院计算所', '南京市长江大桥'];
  const out = ['我来到北京清华大学', '他来到了网易杭研大厦', '小明硕士毕业于中国科学院计算所，后在日本京都大学深造'];
  for (let i = 0; i < 300; i++) {
    let s = '';
    for (let k = rng.int(1, 80); k > 0; k--) s += rng.bernoulli(0.8) ? han[Math.floor(han.length * rng.next() * rng.next())] : rng.pick(bits);
    out.push(s);
  }
  return out;
}

describe('jieba memory image', () => {
  it('the wasm module defines exactly one mutable global (its stack pointer), so memory + table is its whole state', () => {
    const glue = createRequire(import.meta.url).resolve('jieba-wasm');
    const globals = definedGlobalsMutability(new Uint8Array(readFileSync(join(dirname(glue), 'jieba_rs_wasm_bg.wasm'))));
    expect(globals.filter(Boolean).length).toBe(1);
  });

  it('a process that restored the image cuts exactly like one that built the dictionary; a broken image is ignored', () => {
    const dir = mkdtempSync(join(tmpdir(), 'golongrl-jieba-img-'));
    const texts = corpus();
    const built = cutInChild({ GOLONGRL_JIEBA_IMAGE: '0' }, texts);
    expect(built.source).toBe('built');
    const first = cutInChild({ GOLONGRL_JIEBA_IMAGE_DIR: dir }, texts); // no image yet: builds it and writes it
    expect(first.source).toBe('built');
    const images = readdirSync(dir).filter((f) => f.endsWith('.img'));
    expect(images).toHaveLength(1);
    const restored = cutInChild({ GOLONGRL_JIEBA_IMAGE_DIR: dir }, texts);
    expect(restored.source).toBe('image');
    expect(restored.cuts).toEqual(built.cuts);
    expect(first.cuts).toEqual(built.cuts);
    // Golden: Python jieba 0.42.1 on the classic sentence.
    expect(restored.cuts[0]).toEqual(['我', '来到', '北京', '清华大学']);

    // Truncated (a torn copy): ignored, the dictionary is built again, the image rewritten whole.
    const img = join(dir, images[0]);
    truncateSync(img, 1 << 20);
    const again = cutInChild({ GOLONGRL_JIEBA_IMAGE_DIR: dir }, texts);
    expect(again.source).toBe('built');
    expect(again.cuts).toEqual(built.cuts);
    expect(cutInChild({ GOLONGRL_JIEBA_IMAGE_DIR: dir }, texts.slice(0, 5)).source).toBe('image');

    // An image made by another jieba-wasm build (other key in the header): ignored.
    const buf = readFileSync(img);
    const at = buf.indexOf('"key":"') + 7;
    buf.write(buf[at] === 0x30 ? '1' : '0', at, 'latin1');
    writeFileSync(img, buf);
    const other = cutInChild({ GOLONGRL_JIEBA_IMAGE_DIR: dir }, texts);
    expect(other.source).toBe('built');
    expect(other.cuts).toEqual(built.cuts);
  });

  it('plain-ASCII blocks: the shortcut equals jieba-rs plus the skip-regex fix', () => {
    const rng = new Rng(7);
    const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%-';
    const blocks = ['a', 'ka', 'rito.', '2020-2021', '100%100%', '3.14.15', 'x.5%', '.', '-', '%', '_a_', 'v1.2.3-beta', 'ok', 'qq', 'ai'];
    for (let i = 0; i < 3000; i++) {
      let s = '';
      for (let k = rng.int(1, 24); k > 0; k--) s += chars[rng.int(0, chars.length)];
      blocks.push(s);
    }
    for (const b of blocks) expect(jiebaCut(b), b).toEqual(cutBlockWithEngine(b));
    // Why "+", "#" and "&" are excluded: dictionary words, which the skip regex alone would split.
    expect(cutBlockWithEngine('c++')).toEqual(['c++']);
    expect(cutBlockWithEngine('AT&T')).toEqual(['AT&T']);
  });
});
