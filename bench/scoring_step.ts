/**
 * Benchmark: scoring one full GoLongRL step (issue 15 item 7) — 128 prompts × 16 rollouts = 2,048 rows, all
 * nine capability types (EM, LongBench-Pro Accuracy / F1 / SubEM / NDCG / Pairwise / Summary, math_verify,
 * IoU), think blocks of 1–4K words, summaries of 200–600 words, 5 of the 16 summary prompts in Chinese
 * (jieba; 80 rows, 3.9%). Generated deterministically (seed 15) and written to a temporary JSONL file.
 *
 * Timed in the same command:
 *   - ours in process: the first pass (cold: jieba's dictionary, regex compilation) and a second (warm),
 *     process CPU time;
 *   - ours as a CLI call, cold: `node bin/golongrl.mjs score FILE` (the esbuild bundle, dist/cli/main.mjs, when
 *     it is up to date; jieba's dictionary restored from its memory image, see lib/rewards/jieba.ts), the same
 *     with GOLONGRL_JIEBA_IMAGE=0 (jieba-rs builds its dictionary, as every start did before) and with
 *     GOLONGRL_TSX=1 (compiling through tsx); user+sys CPU and wall from /usr/bin/time, best of 3 — the
 *     target is < 1 s per step on one core, cold, as a CLI call;
 *   - the CLI's start-up alone (`golongrl --help`), bundle vs tsx;
 *   - the Python reference libraries on the same rows (bench/py/score_step.py: pltrdy rouge, jieba,
 *     math-verify from bench/requirements-bench.txt, installed into .venv on first use); scores compared.
 *
 * Run standalone: `node --import tsx bench/scoring_step.ts`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { computeScore } from '../lib/rewards/index.js';
import type { RewardCase } from '../lib/rewards/types.js';
import { Rng } from '../lib/util/random.js';

const ROOT = join(import.meta.dirname, '..');

const SYL = 'ka ri to mu sen la ve no di pra gol tin ber os ul tam quo fe ni za'.split(' ');
const HAN = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严';
const WORD_LIST = Array.from({ length: 3000 }, (_, i) => SYL[i % 20] + SYL[Math.floor(i / 20) % 20] + (i >= 400 ? SYL[Math.floor(i / 400) % 20] : ''));

function words(rng: Rng, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    // Zipf-like: small indices far more often
    const r = rng.next();
    out.push(WORD_LIST[Math.floor(WORD_LIST.length * r * r * r)]);
    if (i % 17 === 16) out[out.length - 1] += '.';
  }
  return out.join(' ');
}
function hanText(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    s += HAN[Math.floor(HAN.length * rng.next() * rng.next())];
    if (i % 23 === 22) s += '，';
  }
  return s + '。';
}
const think = (rng: Rng) => `<think>\n${words(rng, rng.int(1000, 4001))}\n</think>\n`;
const item = (rng: Rng) => `${rng.pick(WORD_LIST)} ${rng.int(1, 99)}`;
const items = (rng: Rng, k: number) => {
  const s = new Set<string>();
  while (s.size < k) s.add(item(rng));
  return [...s];
};

type Make = (rng: Rng, i: number) => { data_source: string; gt: unknown; mode?: string; response: (rng: Rng, p: number) => string };
const lbp = (mode: string, gold: string[], response: (rng: Rng, p: number) => string, summary = 'English') => ({ data_source: 'longbench_pro', gt: { doc_ids: gold, summary, golden_label: '' }, mode, response });

const TYPES: Make[] = [
  (rng) => {
    const g = item(rng);
    return { data_source: 'EM', gt: { golden_label: g }, response: (r, p) => think(r) + (r.bernoulli(p) ? g : item(r)) };
  },
  (rng) => {
    const g = item(rng);
    return lbp('T3.2 Single-Hop Fact QA', [g], (r, p) => `${think(r)}[Answer]\n${r.bernoulli(p) ? g : item(r)}`);
  },
  (rng) => {
    const g = items(rng, rng.int(3, 8));
    return lbp('T5.1 Full-Sentence Citation Alignment', g, (r, p) => `${think(r)}[Answer]\n${g.filter(() => r.bernoulli(p)).concat(r.bernoulli(p) ? [] : [item(r)]).join('\n')}`);
  },
  (rng) => {
    const g = rng.int(2, 5000);
    return { data_source: 'math_longcot_math_verify', gt: { golden_label: String(g) }, response: (r, p) => `${think(r)}So the total is $\\frac{${2 * (r.bernoulli(p) ? g : g + r.int(1, 9))}}{2}$, i.e. \\boxed{${r.bernoulli(p) ? g : g + 1}}.` };
  },
  (rng) => {
    const rows = Array.from({ length: rng.int(2, 7) }, () => [rng.pick(WORD_LIST), rng.int(1, 99)]);
    return { data_source: 'multitableqa_pretraining', gt: { golden_label: JSON.stringify({ data: rows }) }, response: (r, p) => `${think(r)}<answer>${JSON.stringify({ data: rows.filter(() => r.bernoulli(p)) })}</answer>` };
  },
  (rng) => {
    const g = items(rng, rng.int(2, 6));
    return lbp('T8.2 Single-Source Targeted Aggregation', g, (r, p) => `${think(r)}[Answer]\n${g.map((x) => (r.bernoulli(p) ? x : item(r))).join('\n')}`);
  },
  (rng) => {
    const g = items(rng, rng.int(3, 8));
    return lbp('T1.1 Global Cohesive Retrieval', g, (r, p) => `${think(r)}[Answer]\n${r.shuffle(g.filter(() => r.bernoulli(p))).join('\n')}`);
  },
  (rng) => {
    const g = items(rng, rng.int(3, 8));
    return lbp('T2.1 Global Timeline Reconstruction', g, (r, p) => `${think(r)}[Answer]\n${(r.bernoulli(p) ? g : r.shuffle([...g])).join('\n')}`);
  },
  (rng, i) => {
    const zh = i % 3 === 0; // 5 of the 16 summary prompts
    const ref = zh ? hanText(rng, rng.int(200, 601)) : words(rng, rng.int(200, 601));
    const toks = zh ? [...ref] : ref.split(' ');
    return lbp(
      'T4.2 Query-Focused Summary',
      [ref],
      (r, p) => think(r) + (zh ? toks.map((t) => (r.bernoulli(p) ? t : HAN[r.int(0, HAN.length)])).join('') : toks.map((t) => (r.bernoulli(p) ? t : r.pick(WORD_LIST))).join(' ')),
      zh ? 'Chinese' : 'English',
    );
  },
];

/** The step's 2,048 rows (deterministic). */
export function scoringStepRows(seed = 15): RewardCase[] {
  const rng = new Rng(seed);
  const rows: RewardCase[] = [];
  for (let prompt = 0; prompt < 128; prompt++) {
    const t = prompt < 126 ? prompt % 9 : 8; // 14 prompts per type, 16 summary prompts
    const spec = TYPES[t](rng, Math.floor(prompt / 9));
    const p = rng.beta(1.6, 1.3);
    for (let k = 0; k < 16; k++)
      rows.push({ data_source: spec.data_source, response: spec.response(rng, p), ground_truth: spec.gt, extra_info: spec.mode ? { reward_mode: spec.mode } : null });
  }
  return rows;
}

function cpuS(f: () => void): number {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
}

/** user+sys and wall seconds of a command, from /usr/bin/time. */
function timed(cmd: string[], env: Record<string, string> = {}): { cpu: number; wall: number; status: number | null; stderr: string } {
  const r = spawnSync('/usr/bin/time', ['-f', '__time %U %S %e', ...cmd], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 30 });
  const m = /__time ([\d.]+) ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { cpu: m ? Number(m[1]) + Number(m[2]) : NaN, wall: m ? Number(m[3]) : NaN, status: r.status, stderr: (r.stderr ?? '').slice(0, 500) };
}
function best(n: number, f: () => ReturnType<typeof timed>): ReturnType<typeof timed> {
  let b = f();
  for (let i = 1; i < n; i++) {
    const x = f();
    if (x.cpu < b.cpu) b = x;
  }
  return b;
}

export interface ScoringStepResult {
  name: string;
  ours_s: number;
  ref_s: number;
  ratio: number;
  details: string;
  cli_cold_cpu_s: number;
  cli_cold_no_jieba_image_cpu_s: number;
  cli_cold_tsx_cpu_s: number;
  startup_bundle_cpu_s: number;
  startup_tsx_cpu_s: number;
  python: { available: boolean; seconds?: number; mismatches?: number; note?: string };
}

function pythonReference(file: string): { available: boolean; seconds?: number; scores?: number[]; note?: string } {
  const py = join(ROOT, '.venv', 'bin', 'python');
  if (!existsSync(py)) return { available: false, note: 'no .venv (run scripts/setup-test-env.sh)' };
  const probe = spawnSync(py, ['-c', 'import rouge, jieba, math_verify'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const pip = spawnSync(py, ['-m', 'pip', 'install', '-q', '-r', join(ROOT, 'bench', 'requirements-bench.txt')], { encoding: 'utf8' });
    if (pip.status !== 0) return { available: false, note: `pip install -r bench/requirements-bench.txt failed: ${(pip.stderr || pip.stdout).trim().split('\n').pop()}` };
  }
  const out = execFileSync(py, [join(ROOT, 'bench', 'py', 'score_step.py'), file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const j = JSON.parse(out.trim().split('\n').pop()!) as { cpu_seconds: number; scores: number[] };
  return { available: true, seconds: j.cpu_seconds, scores: j.scores };
}

export function benchScoringStep(): ScoringStepResult {
  const rows = scoringStepRows();
  const dir = mkdtempSync(join(tmpdir(), 'golongrl-step-'));
  const file = join(dir, 'step.jsonl');
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const chars = rows.reduce((a, r) => a + r.response.length, 0);
  let ours: number[] = [];
  const cold = cpuS(() => (ours = rows.map((r) => computeScore(r))));
  const warm = Math.min(cpuS(() => rows.forEach((r) => computeScore(r))), cpuS(() => rows.forEach((r) => computeScore(r))));
  const node = process.execPath;
  // A fresh bundle (scripts/build-cli.mjs, what `npm ci` runs as `prepare`), so the CLI timing is the bundle's.
  const build = spawnSync(node, [join(ROOT, 'scripts', 'build-cli.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) process.stderr.write(`bench: scripts/build-cli.mjs failed: ${build.stderr}\n`);
  const cli = best(3, () => timed([node, 'bin/golongrl.mjs', 'score', file, '--json']));
  const cliNoImage = best(3, () => timed([node, 'bin/golongrl.mjs', 'score', file, '--json'], { GOLONGRL_JIEBA_IMAGE: '0' }));
  const cliTsx = best(3, () => timed([node, 'bin/golongrl.mjs', 'score', file, '--json'], { GOLONGRL_TSX: '1' }));
  const up = best(5, () => timed([node, 'bin/golongrl.mjs', '--help']));
  const upTsx = best(5, () => timed([node, 'bin/golongrl.mjs', '--help'], { GOLONGRL_TSX: '1' }));
  // Whether bin/golongrl.mjs ran the bundle: it does only while no source listed in dist/cli.meta.json is newer.
  const bundled = (() => {
    try {
      const built = statSync(join(ROOT, 'dist', 'cli', 'main.mjs')).mtimeMs;
      const { inputs } = JSON.parse(readFileSync(join(ROOT, 'dist', 'cli.meta.json'), 'utf8')) as { inputs: string[] };
      return inputs.every((f) => statSync(join(ROOT, f)).mtimeMs <= built);
    } catch {
      return false;
    }
  })();
  const py = pythonReference(file);
  let mismatches: number | undefined;
  if (py.scores) mismatches = py.scores.filter((s, i) => !(Math.abs(s - ours[i]) <= 1e-6)).length;
  const zhRows = rows.filter((r) => (r.ground_truth as { summary?: string }).summary === 'Chinese').length;
  const details =
    `${rows.length} rows (${(chars / 1e6).toFixed(1)} M chars of responses, ${zhRows} Chinese summary rows): in process ${cold.toFixed(2)} s cold, ${warm.toFixed(2)} s warm (CPU); ` +
    `CLI call, cold: ${cli.cpu.toFixed(2)} s CPU (${cli.wall.toFixed(2)} s wall) with ${bundled ? 'the bundle (dist/cli/main.mjs)' : 'tsx (the bundle was stale: a source changed during the bench)'} and jieba's dictionary image (target < 1 s), ` +
    `${cliNoImage.cpu.toFixed(2)} s CPU without the image (GOLONGRL_JIEBA_IMAGE=0), ${cliTsx.cpu.toFixed(2)} s CPU through tsx; ` +
    `start-up (golongrl --help): ${up.cpu.toFixed(2)} s CPU bundle vs ${upTsx.cpu.toFixed(2)} s tsx; ` +
    (py.available ? `Python reference libraries ${py.seconds!.toFixed(2)} s CPU on the same rows (warm, after imports), scores differing: ${mismatches} of ${rows.length}` : `Python reference NOT measured: ${py.note}`);
  return {
    name: 'scoring one GoLongRL step (2,048 rows)',
    ours_s: warm,
    ref_s: py.seconds ?? NaN,
    ratio: py.seconds ? py.seconds / warm : NaN,
    details,
    cli_cold_cpu_s: cli.cpu,
    cli_cold_no_jieba_image_cpu_s: cliNoImage.cpu,
    cli_cold_tsx_cpu_s: cliTsx.cpu,
    startup_bundle_cpu_s: up.cpu,
    startup_tsx_cpu_s: upTsx.cpu,
    python: { available: py.available, seconds: py.seconds, mismatches, note: py.note },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = benchScoringStep();
  process.stdout.write(`${r.name}: ${r.details}\n`);
}
