/**
 * Benchmark: `golongrl data profile` on a 2 GiB GoLongRL-shaped JSONL file, in a child process.
 *
 * Data: rows from the SAMPLE generator's task builders (lib/data/sample_generator.ts
 * `iterateSyntheticRows`: the 27 task types in turn, each prompt a synthetic document of 8K–128K
 * Qwen3 tokens drawn uniformly, ~330 KB of JSON per row) written to a temporary directory until the
 * file reaches 2 GiB. The file is freshly written, so it is read from the page cache, not from disk.
 *
 * Measured, each in its own child process (`node --import tsx bench/data_profile.ts --child <golongrl
 * argv>`, which runs the real CLI entry `main(argv)` and then reports `process.resourceUsage().maxRSS`):
 *   1. `data profile BIG --tokens chars --json`: streaming read + JSON parse + validation + capability
 *      mapping + per-group character statistics over the full 2 GiB;
 *   2. `data validate BIG --json`: the same read + parse + validation without the profile;
 *   3. `data profile PREFIX --tokens exact --no-cache --json` on the first ≥ 20 MiB of rows: exact
 *      Qwen3 token counting (chunked, no cache), i.e. tokenizer throughput. Exact counting of the
 *      full 2 GiB would take 20–50 minutes on one core, so it is measured on this prefix only;
 *   4. in this process, the same chunked counter on real text (node_modules READMEs, TypeScript's
 *      zh-CN messages), because the synthetic prose reuses a small vocabulary and tokenizes faster.
 * Throughput = file bytes / the seconds the CLI itself reports for its pass (tokenizer loading and
 * process start-up excluded; the child's wall time is reported too). Peak RSS = the child's maxRSS;
 * target ≤ 1 GiB.
 *
 * Run standalone: `node --import tsx bench/data_profile.ts [--gib 2] [--prefix-mib 20] [--keep]`.
 */
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { iterateSyntheticRows } from '../lib/data/sample_generator.js';
import { loadQwen3Tokenizer } from '../lib/data/tokens.js';

const run = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const ROOT = path.resolve(HERE, '..');
const RSS_TARGET_MB = 1024;

export interface ChildRun {
  /** The CLI's JSON output. */
  out: Record<string, unknown>;
  wall_s: number;
  peak_rss_mb: number;
}

export interface DataProfileBenchResult {
  name: string;
  details: string;
  file_bytes: number;
  rows: number;
  generate_s: number;
  profile_chars: { seconds: number; wall_s: number; mb_per_s: number; rows_per_s: number; peak_rss_mb: number };
  validate: { seconds: number; wall_s: number; mb_per_s: number; rows_per_s: number; peak_rss_mb: number };
  tokens_exact: { bytes: number; rows: number; tokens: number; seconds: number; wall_s: number; mb_per_s: number; tokens_per_s: number; peak_rss_mb: number };
  /** The same counter on real text (the synthetic prose reuses a small vocabulary, which BPE caches love). */
  tokens_real_text: { text: string; bytes: number; tokens: number; seconds: number; mb_per_s: number; tokens_per_s: number }[];
  peak_rss_target_mb: number;
  within_rss_target: boolean;
}

export interface BenchDataProfileOptions {
  /** File size in GiB (default 2). */
  gib?: number;
  /** Prefix measured with exact tokens, in MiB (default 20). */
  prefixMib?: number;
  seed?: number;
  /** Keep the temporary directory (prints its path). */
  keep?: boolean;
}

/** Write rows until `bytes`; also write the first ≥ `prefixBytes` of rows to a second file. */
function writeBenchFile(file: string, prefixFile: string, bytes: number, prefixBytes: number, seed: number): { rows: number; bytes: number; prefixRows: number; prefixBytes: number } {
  const fd = openSync(file, 'w');
  const pfd = openSync(prefixFile, 'w');
  let rows = 0;
  let written = 0;
  let prefixRows = 0;
  let prefixWritten = 0;
  let buf: string[] = [];
  let bufBytes = 0;
  const flush = () => {
    if (buf.length) writeSync(fd, buf.join(''));
    buf = [];
    bufBytes = 0;
  };
  try {
    for (const row of iterateSyntheticRows({ seed, minTokens: 8_000, maxTokens: 128_000 })) {
      const line = JSON.stringify(row) + '\n';
      const n = Buffer.byteLength(line);
      buf.push(line);
      bufBytes += n;
      written += n;
      rows++;
      if (prefixWritten < prefixBytes) {
        writeSync(pfd, line);
        prefixWritten += n;
        prefixRows++;
      }
      if (bufBytes >= 1 << 24) flush();
      if (written >= bytes) break;
    }
    flush();
  } finally {
    closeSync(fd);
    closeSync(pfd);
  }
  return { rows, bytes: written, prefixRows, prefixBytes: prefixWritten };
}

/** Run `golongrl <argv>` in a child process that reports its own peak RSS. */
async function child(argv: string[]): Promise<ChildRun> {
  const t0 = performance.now();
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', SELF, '--child', ...argv], { cwd: ROOT, maxBuffer: 1 << 26 });
  const wall_s = (performance.now() - t0) / 1000;
  const m = /__maxrss_kb=(\d+)/.exec(stderr);
  if (!m) throw new Error(`child did not report its peak RSS:\n${stderr}`);
  return { out: JSON.parse(stdout), wall_s, peak_rss_mb: Number(m[1]) / 1024 };
}

export async function benchDataProfile(opts: BenchDataProfileOptions = {}): Promise<DataProfileBenchResult> {
  const gib = opts.gib ?? 2;
  const prefixMib = opts.prefixMib ?? 20;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'golongrl-bench-data-'));
  const big = path.join(dir, 'golongrl_SAMPLE_bench.jsonl');
  const prefix = path.join(dir, 'golongrl_SAMPLE_bench_prefix.jsonl');
  try {
    const t0 = performance.now();
    const w = writeBenchFile(big, prefix, Math.round(gib * 2 ** 30), prefixMib * 2 ** 20, opts.seed ?? 20250611);
    const generate_s = (performance.now() - t0) / 1000;
    const size = statSync(big).size;

    const prof = await child(['data', 'profile', big, '--tokens', 'chars', '--json']);
    const val = await child(['data', 'validate', big, '--json']);
    const tok = await child(['data', 'profile', prefix, '--tokens', 'exact', '--no-cache', '--json']);

    const p = prof.out as { rows: number; seconds: number };
    const v = val.out as { rows: number; seconds: number };
    const t = tok.out as { rows: number; seconds: number; length: { tokens: { mean: number } } };
    const real = await realTextTokens();
    const tokens = Math.round(t.length.tokens.mean * t.rows);
    const mbps = (bytes: number, s: number) => bytes / 1e6 / s;
    const res: DataProfileBenchResult = {
      name: 'data-profile',
      details: '',
      file_bytes: size,
      rows: p.rows,
      generate_s,
      profile_chars: { seconds: p.seconds, wall_s: prof.wall_s, mb_per_s: mbps(size, p.seconds), rows_per_s: p.rows / p.seconds, peak_rss_mb: prof.peak_rss_mb },
      validate: { seconds: v.seconds, wall_s: val.wall_s, mb_per_s: mbps(size, v.seconds), rows_per_s: v.rows / v.seconds, peak_rss_mb: val.peak_rss_mb },
      tokens_exact: {
        bytes: w.prefixBytes,
        rows: t.rows,
        tokens,
        seconds: t.seconds,
        wall_s: tok.wall_s,
        mb_per_s: mbps(w.prefixBytes, t.seconds),
        tokens_per_s: tokens / t.seconds,
        peak_rss_mb: tok.peak_rss_mb,
      },
      tokens_real_text: real,
      peak_rss_target_mb: RSS_TARGET_MB,
      within_rss_target: Math.max(prof.peak_rss_mb, val.peak_rss_mb) <= RSS_TARGET_MB,
    };
    res.details =
      `${(size / 2 ** 30).toFixed(2)} GiB JSONL, ${p.rows} rows (synthetic prompts of 8K-128K tokens, page-cached): ` +
      `profile --tokens chars ${p.seconds.toFixed(1)} s = ${res.profile_chars.mb_per_s.toFixed(0)} MB/s, ${res.profile_chars.rows_per_s.toFixed(0)} rows/s, peak RSS ${prof.peak_rss_mb.toFixed(0)} MB; ` +
      `validate ${v.seconds.toFixed(1)} s = ${res.validate.mb_per_s.toFixed(0)} MB/s, peak RSS ${val.peak_rss_mb.toFixed(0)} MB (target <= ${RSS_TARGET_MB} MB: ${res.within_rss_target ? 'met' : 'MISSED'}); ` +
      `exact Qwen3 tokens on the first ${(w.prefixBytes / 2 ** 20).toFixed(1)} MiB (${t.rows} rows, ${tokens} tokens, no cache): ${t.seconds.toFixed(1)} s = ` +
      `${res.tokens_exact.mb_per_s.toFixed(2)} MB/s, ${Math.round(res.tokens_exact.tokens_per_s)} tokens/s, peak RSS ${tok.peak_rss_mb.toFixed(0)} MB (one core); ` +
      `on real text: ${real.map((r) => `${r.text} ${r.mb_per_s.toFixed(2)} MB/s (${Math.round(r.tokens_per_s)} tokens/s)`).join(', ')}`;
    return res;
  } finally {
    if (opts.keep) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

/** Chunked exact counting on real text: node_modules READMEs (English) and TypeScript's zh-CN messages. */
async function realTextTokens(): Promise<DataProfileBenchResult['tokens_real_text']> {
  const tok = await loadQwen3Tokenizer();
  let en = '';
  for (const d of readdirSync(path.join(ROOT, 'node_modules')).sort()) {
    const f = path.join(ROOT, 'node_modules', d, 'README.md');
    if (existsSync(f)) en += readFileSync(f, 'utf8') + '\n\n';
  }
  const zhFile = path.join(ROOT, 'node_modules/typescript/lib/zh-cn/diagnosticMessages.generated.json');
  const zh = Object.values(JSON.parse(readFileSync(zhFile, 'utf8')) as Record<string, string>).join('\n');
  tok.count('warm up the tokenizer. 预热。');
  return [
    ['English READMEs of node_modules', en],
    ['Chinese (TypeScript zh-CN messages)', zh],
  ].map(([text, s]) => {
    const t0 = performance.now();
    const tokens = tok.count(s);
    const seconds = (performance.now() - t0) / 1000;
    const bytes = Buffer.byteLength(s);
    return { text, bytes, tokens, seconds, mb_per_s: bytes / 1e6 / seconds, tokens_per_s: tokens / seconds };
  });
}

async function childMain(argv: string[]): Promise<void> {
  const { main } = await import('../lib/cli/main.js');
  const code = await main(argv);
  process.stderr.write(`__maxrss_kb=${process.resourceUsage().maxRSS}\n`);
  process.exitCode = code;
}

function argValue(argv: string[], name: string): number | undefined {
  const k = argv.indexOf(name);
  return k >= 0 ? Number(argv[k + 1]) : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') void childMain(argv.slice(1));
  else
    void benchDataProfile({ gib: argValue(argv, '--gib'), prefixMib: argValue(argv, '--prefix-mib'), keep: argv.includes('--keep') }).then((res) => {
      console.log(JSON.stringify(res, null, 2));
      if (!res.within_rss_target) process.exitCode = 1;
    });
}
