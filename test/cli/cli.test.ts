/**
 * The `golongrl` command as users and scripts run it: a real child process (`bin/golongrl.mjs`),
 * real files, real exit codes.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readGolden } from '../golden.js';

const BIN = fileURLToPath(new URL('../../bin/golongrl.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'golongrl-cli-'));

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const parse = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

interface GoldenReward { case: Record<string, unknown>; expected: number }
interface GoldenAdv { rows: { uid: string; reward_mode: string; score: number }[]; results: { estimator: string; options: Record<string, unknown>; expected: number[]; extra: Record<string, number> }[] }

describe('golongrl score', () => {
  it('prints every row back, in order, with the reference score added (golden cases, file and stdin)', () => {
    const golden = readGolden<GoldenReward>('rewards.jsonl').filter((_, i) => i % 5 === 0);
    const file = join(tmp, 'cases.jsonl');
    writeFileSync(file, jsonl(golden.map((g) => g.case)));
    for (const r of [cli(['score', file]), cli(['score', '-'], readFileSync(file, 'utf8'))]) {
      expect(r.code, r.err).toBe(0);
      const rows = parse(r.out);
      expect(rows).toHaveLength(golden.length);
      rows.forEach((row, i) => {
        expect(row.response).toBe(golden[i].case.response);
        // NDCG goldens are 4-decimal trec_eval output
        expect(Math.abs(row.score - golden[i].expected)).toBeLessThan(6e-5);
      });
    }
  });
  it('a malformed line → exit 2 naming file, line and field', () => {
    const file = join(tmp, 'bad.jsonl');
    writeFileSync(file, jsonl([{ data_source: 'EM', response: 'a</think>b', ground_truth: { golden_label: 'b' } }]) + '{"data_source": "EM", "ground_truth": {}}\n');
    const r = cli(['score', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${file}:2: field 'response': missing`);
    const bad = join(tmp, 'bad2.jsonl');
    writeFileSync(bad, '{not json\n');
    expect(cli(['score', bad]).err).toContain(`${bad}:1: field '<line>': not valid JSON`);
    const task = join(tmp, 'task.jsonl');
    writeFileSync(task, jsonl([{ data_source: 'longbench_pro', response: 'x', ground_truth: { doc_ids: ['a'] }, extra_info: { reward_mode: 'T0 nope' } }]));
    expect(cli(['score', task]).err).toContain("field 'extra_info.reward_mode': unknown LongBench-Pro sub-task 'T0 nope'");
  });
  it('--skip-bad quarantines bad lines, counts them and goes on', () => {
    const file = join(tmp, 'mixed.jsonl');
    writeFileSync(file, '{"data_source": "EM", "response": "a</think>b", "ground_truth": {"golden_label": "b"}}\n[1]\n{"data_source": "nope", "response": "", "ground_truth": 1}\n\n');
    const q = join(tmp, 'quarantine.jsonl');
    const r = cli(['score', file, '--skip-bad', q, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(parse(r.out)).toHaveLength(1);
    expect(parse(r.out)[0].score).toBe(1);
    const summary = JSON.parse(r.err.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ rows: 1, quarantined: 2, blank_lines: 1 });
    const bad = parse(readFileSync(q, 'utf8'));
    expect(bad.map((b) => [b.line, b.field])).toEqual([[2, '<line>'], [3, 'data_source']]);
  });
  it('usage errors exit 2', () => {
    expect(cli(['score']).code).toBe(2);
    expect(cli(['frobnicate']).code).toBe(2);
    expect(cli(['score', join(tmp, 'missing.jsonl')]).code).toBe(2);
  });
});

describe('golongrl advantages', () => {
  const golden = readGolden<GoldenAdv>('advantages.jsonl');
  // Three golden batches as three steps of one file: one call replays them all.
  const steps = golden.slice(0, 3);
  const rows = steps.flatMap((b, s) => b.rows.map((r) => ({ step: s + 1, ...r })));
  const file = join(tmp, 'rollouts.jsonl');
  writeFileSync(file, jsonl(rows));
  const flags: Record<string, (o: Record<string, unknown>) => string[]> = {
    grpo: (o) => (o.norm_adv_by_std_in_grpo === false ? ['--no-std'] : []).concat(o.difficulty_reweight ? ['--difficulty-reweight'] : []),
    tmn_grpo: (o) =>
      [
        ...(o.norm_adv_by_task_scale === false ? ['--no-task-scale'] : []),
        ...(o.difficulty_reweight ? ['--difficulty-reweight'] : []),
        ...(o.difficulty_smooth_alpha !== undefined ? ['--difficulty-alpha', String(o.difficulty_smooth_alpha)] : []),
        ...(o.difficulty_gamma !== undefined ? ['--difficulty-gamma', String(o.difficulty_gamma)] : []),
      ],
    qwenlong_grpo: () => [],
  };
  for (const [k, res] of steps[0].results.entries()) {
    it(`${res.estimator} ${JSON.stringify(res.options)} matches the reference on every step`, () => {
      const r = cli(['advantages', '--estimator', res.estimator, ...flags[res.estimator](res.options), file]);
      expect(r.code, r.err).toBe(0);
      const got = parse(r.out).map((x) => x.advantage as number);
      const want = steps.flatMap((b) => b.results[k].expected);
      expect(got).toHaveLength(want.length);
      got.forEach((a, i) => expect(Math.abs(a - want[i])).toBeLessThanOrEqual(1e-4));
    });
  }
  it('--metrics prints one {step, data} line per step with the per-task metrics', () => {
    const r = cli(['advantages', '--estimator', 'tmn_grpo', '--difficulty-reweight', '--difficulty-alpha', '0.8', '--metrics', file]);
    expect(r.code, r.err).toBe(0);
    const lines = parse(r.out);
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3]);
    const want = steps[0].results.find((x) => x.estimator === 'tmn_grpo' && x.options.difficulty_smooth_alpha === 0.8)!;
    expect(lines[0].data['difficulty/mean_pass_rate']).toBeCloseTo(want.extra['difficulty/mean_pass_rate'], 4);
    expect(Object.keys(lines[0].data).some((key) => key.startsWith('task_metrics/'))).toBe(true);
    expect(Object.keys(lines[0].data).some((key) => key.startsWith('reward_mode/'))).toBe(true);
  });
  it('groups by input text when uid is absent', () => {
    const f = join(tmp, 'byinput.jsonl');
    writeFileSync(f, jsonl([{ step: 1, input: 'q1', reward_mode: 'EM', score: 1 }, { step: 1, input: 'q1', reward_mode: 'EM', score: 0 }, { step: 1, input: 'q2', reward_mode: 'EM', score: 1 }]));
    const adv = parse(cli(['advantages', '--estimator', 'grpo', '--no-std', f]).out).map((x) => x.advantage);
    // q1 groups rows 1-2 (mean 0.5); q2 is a singleton: the reference sets its mean to 0, so A = s - 0 = 1
    expect(adv).toEqual([0.5, -0.5, 1]);
  });
  it('bad rows: missing reward_mode for tmn_grpo, unknown estimator', () => {
    const f = join(tmp, 'nomode.jsonl');
    writeFileSync(f, jsonl([{ step: 1, uid: 'a', score: 1 }]));
    const r = cli(['advantages', '--estimator', 'tmn_grpo', f]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${f}:1: field 'reward_mode': missing`);
    expect(cli(['advantages', '--estimator', 'grpo', f]).code).toBe(0);
    const u = cli(['advantages', '--estimator', 'nope', f]);
    expect(u.code).toBe(2);
    expect(u.err).toMatch(/known: .*\bgrpo\b/);
  });
});

/** stderr is one line (plus nothing), with no stack frame in it. */
function oneLine(err: string): string {
  const lines = err.trim().split('\n');
  expect(lines, err).toHaveLength(1);
  expect(err).not.toMatch(/^\s+at /m);
  return lines[0];
}

describe('one error path: file, what, where, exit 2 — never a stack trace', () => {
  const good = jsonl([{ data_source: 'EM', response: 'a</think>b', ground_truth: { golden_label: 'b' } }]);
  const mixed = good + '{not json\n';

  it('score DIR → "is a directory", with the path', () => {
    const r = cli(['score', tmp]);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toBe(`golongrl score: ${tmp}: open: is a directory (expected a JSONL file)`);
  });

  it('a missing input names the path', () => {
    const p = join(tmp, 'nope', 'missing.jsonl');
    const r = cli(['score', p]);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toBe(`golongrl score: ${p}: open: no such file or directory`);
  });

  it('a full --skip-bad target (/dev/full) → one line naming it, exit 2', () => {
    const f = join(tmp, 'mixed-full.jsonl');
    writeFileSync(f, mixed);
    const r = cli(['score', f, '--skip-bad', '/dev/full']);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toBe('golongrl score: /dev/full: cannot write the quarantine file: no space left on device');
  });

  it('an unwritable --skip-bad target (read-only directory; as root, sysfs) → one line naming it, exit 2', () => {
    const f = join(tmp, 'mixed-ro.jsonl');
    writeFileSync(f, mixed);
    let target: string;
    if (process.getuid?.() === 0) target = '/sys/golongrl-quarantine.jsonl'; // root ignores directory modes; sysfs refuses new files
    else {
      const ro = join(tmp, 'ro');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      target = join(ro, 'q.jsonl');
    }
    for (const verb of [['score', f], ['data', 'validate', f]]) {
      const r = cli([...verb, '--skip-bad', target]);
      expect(r.code).toBe(2);
      expect(oneLine(r.err)).toMatch(new RegExp(`: ${target}: cannot write the quarantine file: (permission denied|read-only file system)$`));
    }
  });

  it('a quarantine target that is a directory → "is a directory"', () => {
    const f = join(tmp, 'mixed-dir.jsonl');
    writeFileSync(f, mixed);
    const r = cli(['advantages', '--estimator', 'grpo', f, '--skip-bad', tmp]);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toMatch(/: cannot write the quarantine file: is a directory$/);
  });

  it('stdout on a full disk → one line, exit 2 (no unhandled error event)', () => {
    const f = join(tmp, 'good.jsonl');
    writeFileSync(f, good.repeat(2000));
    const fd = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [BIN, 'score', f], { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
      expect(r.status).toBe(2);
      expect(oneLine(r.stderr)).toBe('golongrl score: cannot write the output: no space left on device');
    } finally {
      closeSync(fd);
    }
  });

  it('a line over the string limit in score / advantages → "too long" with file, line and byte (limit lowered by GOLONGRL_MAX_LINE_BYTES)', () => {
    const env = { ...process.env, GOLONGRL_MAX_LINE_BYTES: '4096' };
    const rows: Record<string, [Record<string, unknown>, string[]]> = {
      score: [{ data_source: 'EM', response: 'a</think>b', ground_truth: { golden_label: 'b' } }, ['score']],
      advantages: [{ step: 1, uid: 'a', reward_mode: 'EM', score: 1 }, ['advantages', '--estimator', 'grpo']],
    };
    for (const [verb, [row, args]] of Object.entries(rows)) {
      const f = join(tmp, `long-${verb}.jsonl`);
      const first = JSON.stringify(row);
      writeFileSync(f, `${first}\n${JSON.stringify({ ...row, pad: 'x'.repeat(5000) })}\n`);
      const r = spawnSync(process.execPath, [BIN, ...args, f], { encoding: 'utf8', env });
      expect(r.status).toBe(2);
      expect(oneLine(r.stderr)).toMatch(new RegExp(`^golongrl ${verb}: ${f}: line 2, byte ${first.length + 1}: too long: line 2 \\(from byte ${first.length + 1}\\) is longer than 4096 bytes`));
    }
  });

  it('corrupt and truncated parquet → one line naming the row group / footer, exit 2', () => {
    const src = readFileSync('test/fixtures/parquet/sample.zstd.parquet');
    const cut = join(tmp, 'truncated.parquet');
    writeFileSync(cut, src.subarray(0, src.length >> 1));
    const r1 = cli(['data', 'validate', cut]);
    expect(r1.code).toBe(2);
    expect(oneLine(r1.err)).toMatch(new RegExp(`^golongrl data: ${cut}: footer \\(file of ${src.length >> 1} bytes\\): not a readable parquet file: `));
    const flipped = Buffer.from(src);
    for (let i = 0; i < 64; i++) flipped[4 + 100 * i] ^= 0xff; // the first column chunks' pages (zstd frames)
    const bad = join(tmp, 'flipped.parquet');
    writeFileSync(bad, flipped);
    const r2 = cli(['data', 'validate', bad]);
    expect(r2.code).toBe(2);
    expect(oneLine(r2.err)).toMatch(new RegExp(`^golongrl data: ${bad}: row group 0 \\(rows 0–9\\), column '[^']+' \\(ZSTD, bytes \\d+–\\d+\\): cannot decode the column's pages: `));
  });

  it('results / eval on a file that is not a database → one line naming it, exit 2', () => {
    const f = join(tmp, 'not-a-db.sqlite');
    writeFileSync(f, 'this is not an SQLite database, just some text that is long enough to have a header\n'.repeat(20));
    const r = cli(['results', '--db', f]);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toBe(`golongrl results: ${f}: not an SQLite database (SQLite: file is not a database)`);
    // A directory given as the database: the line names it too.
    const d = join(tmp, 'a-dir.db');
    mkdirSync(d, { recursive: true });
    const r2 = cli(['results', '--db', d]);
    expect(r2.code).toBe(2);
    expect(oneLine(r2.err)).toBe(`golongrl results: ${d}: unable to open database file (SQLite: unable to open database file)`);
  });

  it('eval watch: a missing CKPT_DIR with --once, a file as CKPT_DIR, a run name bound to another directory → one line, exit 2', () => {
    const db = join(tmp, 'watch.db');
    const missing = join(tmp, 'no-ckpts');
    const r1 = cli(['eval', 'watch', missing, '--run', 'r', '--db', db, '--once']);
    expect(r1.code).toBe(2);
    expect(oneLine(r1.err)).toBe(`golongrl eval: ${missing}: open: no such directory (CKPT_DIR is the trainer's checkpoint directory)`);
    const file = join(tmp, 'ckpt-file');
    writeFileSync(file, 'x');
    const r2 = cli(['eval', 'watch', file, '--run', 'r', '--db', db, '--once']);
    expect(r2.code).toBe(2);
    expect(oneLine(r2.err)).toBe(`golongrl eval: ${file}: open: not a directory (CKPT_DIR is the trainer's checkpoint directory)`);
    const a = join(tmp, 'ckpts-a');
    const b = join(tmp, 'ckpts-b');
    mkdirSync(a, { recursive: true });
    mkdirSync(b, { recursive: true });
    expect(cli(['eval', 'watch', a, '--run', 'r', '--db', db, '--once']).code).toBe(0);
    const r3 = cli(['eval', 'watch', b, '--run', 'r', '--db', db, '--once']);
    expect(r3.code).toBe(2);
    expect(oneLine(r3.err)).toBe(`golongrl eval: ${db}: run 'r': already registered for checkpoint directory ${a}, not ${b} (give another --run name or --db)`);
  });

  it('a UTF-16 JSONL file (with or without a byte-order mark) is named as UTF-16, not "Unexpected token"', () => {
    const row = '{"data_source":"EM","response":"<think>a</think>b","ground_truth":{"golden_label":"b"}}\n';
    for (const [name, bytes] of [
      ['bom-le.jsonl', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(row, 'utf16le')])],
      ['no-bom-le.jsonl', Buffer.from(row, 'utf16le')],
      ['bom-be.jsonl', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(row, 'utf16le').swap16()])],
    ] as const) {
      const f = join(tmp, name);
      writeFileSync(f, bytes);
      const r = cli(['score', f]);
      expect(r.code, name).toBe(2);
      expect(r.err.split('\n')[0], name).toBe(`golongrl score: ${f}:1: field '<line>': not UTF-8: the text looks like UTF-16 (JSONL must be UTF-8; convert it, e.g. iconv -f UTF-16 -t UTF-8)`);
    }
  });

  it('data rollouts on a directory with no <step>.jsonl → one line naming it and what it holds, exit 2', () => {
    const d = join(tmp, 'not-a-dump');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'notes.txt'), 'hello\n');
    const r = cli(['data', 'rollouts', d]);
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toBe(`golongrl data: ${d}: directory: no <step>.jsonl files (1 other entries: ${join(d, 'notes.txt')}): not a verl rollout dump (trainer.rollout_data_dir)`);
  });
});
