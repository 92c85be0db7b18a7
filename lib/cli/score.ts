/**
 * `golongrl score FILE.jsonl|-` — score rows `{data_source, response, ground_truth, extra_info}`
 * with the GoLongRL reward and print every row back as JSONL with an added numeric `score`,
 * in input order. A summary (rows, mean score per data_source, quarantined lines) goes to
 * stderr, as one JSON object with `--json`.
 */
import { parseArgs } from 'node:util';
import { checkRewardCase, computeScore } from '../rewards/index.js';
import type { RewardCase } from '../rewards/types.js';
import { FieldError, readJsonl, requireString } from '../util/jsonl.js';
import { EXIT_OK, LineWriter, Progress, UsageError } from './io.js';

export const SCORE_HELP = `golongrl score FILE.jsonl|-  [--skip-bad QUARANTINE.jsonl] [--json]

Scores each row {data_source, response, ground_truth, extra_info} with GoLongRL's reward
(format gate + dispatch by data_source) and prints the row back with "score" added.
  --skip-bad FILE  append malformed rows to FILE (with file, line, field, reason) and go on
  --json           print the closing summary on stderr as one JSON object`;

/** Validate one input row; FieldError names the field (the reader adds file and line). */
export function validateScoreRow(o: Record<string, unknown>): RewardCase {
  const data_source = requireString(o, 'data_source');
  const response = requireString(o, 'response');
  if (!('ground_truth' in o)) throw new FieldError('ground_truth', 'missing');
  const ei = o.extra_info;
  if (ei !== undefined && ei !== null && (typeof ei !== 'object' || Array.isArray(ei)))
    throw new FieldError('extra_info', 'expected an object or null');
  const c: RewardCase = { data_source, response, ground_truth: o.ground_truth, extra_info: (ei ?? null) as RewardCase['extra_info'] };
  const problem = checkRewardCase(c);
  if (problem) throw new FieldError(problem.field, problem.reason);
  return c;
}

/**
 * The row printed back with `"score"` added: the line as written with `,"score":<score>` put before its
 * closing brace — the same object as `JSON.stringify({...raw, score})` (key order included), without
 * re-serialising the whole row (a 20 KB response, 2,048 times a step), and with every other value exactly
 * as the input wrote it (no number rounded or escape rewritten). A row that already has a `score` is
 * re-serialised with the new value in its place.
 */
export function withScore(raw: Record<string, unknown>, text: string, score: number): string {
  const close = text.lastIndexOf('}');
  if (Object.hasOwn(raw, 'score') || close < 0) {
    raw.score = score;
    return JSON.stringify(raw);
  }
  let open = 0;
  while (open < close && text.charCodeAt(open) !== 0x7b) open++; // skip leading JSON whitespace to "{"
  let last = close - 1;
  while (last > open && /[ \t\r\n]/.test(text[last])) last--;
  const sep = last === open ? '' : ','; // "{}" has no member to follow
  return `${text.slice(open, close)}${sep}"score":${JSON.stringify(score)}}`;
}

export interface ScoreSummary {
  rows: number;
  quarantined: number;
  blank_lines: number;
  mean_score: number;
  by_data_source: Record<string, { rows: number; mean_score: number }>;
}

export async function runScore(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { 'skip-bad': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(SCORE_HELP + '\n');
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError('score needs exactly one input: FILE.jsonl or - for stdin');
  const out = new LineWriter();
  const progress = new Progress('score');
  const by = new Map<string, { n: number; sum: number }>();
  let n = 0;
  let sum = 0;
  const res = await readJsonl(positionals[0], validateScoreRow, { skipBad: values['skip-bad'] }, async (row) => {
    const score = computeScore(row.value);
    await out.line(withScore(row.raw, row.text, score));
    n++;
    sum += score;
    const b = by.get(row.value.data_source) ?? { n: 0, sum: 0 };
    b.n++;
    b.sum += score;
    by.set(row.value.data_source, b);
    progress.tick(n);
  });
  await out.flush();
  progress.done(n);
  const summary: ScoreSummary = {
    rows: n,
    quarantined: res.bad,
    blank_lines: res.blank,
    mean_score: n ? sum / n : 0,
    by_data_source: Object.fromEntries([...by].sort().map(([k, b]) => [k, { rows: b.n, mean_score: b.sum / b.n }])),
  };
  if (values.json) process.stderr.write(JSON.stringify(summary) + '\n');
  else {
    const parts = Object.entries(summary.by_data_source).map(([k, b]) => `${k} ${b.rows} rows mean ${b.mean_score.toFixed(4)}`);
    process.stderr.write(
      `scored ${n} rows, mean ${summary.mean_score.toFixed(4)}` +
        (res.bad ? `; ${res.bad} bad lines written to ${values['skip-bad']}` : '') +
        (parts.length ? `\n  ${parts.join('\n  ')}` : '') +
        '\n',
    );
  }
  return EXIT_OK;
}
