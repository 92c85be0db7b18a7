/**
 * verl console metric lines, as printed by `LocalLogger.log` (`verl/utils/logger/aggregate_logger.py`,
 * `concat_dict_to_str`):
 *
 *   step:<N> - <key>:<pprint.pformat(value)> - <key>:<value> - …
 *
 * Only values that are `numbers.Number` are printed, so every value is a Python number's repr:
 * an int (`12`), a float (`0.25`, `1e-06`, `nan`, `inf`, `-inf`), a bool (`True`/`False`, which are
 * ints in Python), or — with NumPy ≥ 2, whose scalar repr changed — `np.float64(0.25)`,
 * `np.int64(3)`, `np.float32(0.5)`, `np.True_`. Complex numbers cannot be a curve and are reported.
 *
 * In a real console log these lines sit among everything else the job prints (Ray's
 * `(TaskRunner pid=…)` prefixes, progress bars, warnings, ANSI colours). A metric line is any line
 * containing `step:<digits> - ` (or ending at `step:<digits>`) preceded by the start of the line,
 * a space or `)`; everything before it is a prefix and ignored. Lines without that marker are noise
 * and are only counted. Inside a metric line, items are split on " - " and each at its last ':' —
 * a key never contains " - " in verl's metric names, and a Python number repr never contains ':'.
 */
import { readFileSync } from 'node:fs';

export interface ConsoleIssue {
  line: number;
  key?: string;
  text: string;
  reason: string;
}

export interface ConsoleStep {
  line: number;
  step: number;
  data: Record<string, number>;
}

export interface ConsoleParseResult {
  steps: ConsoleStep[];
  issues: ConsoleIssue[];
  /** Lines without a metric marker. */
  noiseLines: number;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const MARKER = /(?:^|[\s)\]])step:(-?\d+)(?= - |\s*$)/;
const NP_WRAP = /^np\.(?:float|int|uint|bool_?|longdouble|double|single|half|intc|longlong)\d*_?\((.*)\)$/;

/** Parse one Python number repr as printed by pprint; undefined if it is not a real number. */
export function parsePythonNumber(text: string): number | undefined {
  let s = text.trim();
  const m = NP_WRAP.exec(s);
  if (m) s = m[1]!.trim();
  if (s === 'True' || s === 'np.True_') return 1;
  if (s === 'False' || s === 'np.False_') return 0;
  if (s === 'nan') return NaN;
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (/^[-+]?\d+$/.test(s)) return Number(s); // big ints lose precision past 2^53, as any float would
  if (/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(s)) return Number(s);
  return undefined;
}

/** Parse a console log's text. */
export function parseVerlConsole(text: string): ConsoleParseResult {
  const res: ConsoleParseResult = { steps: [], issues: [], noiseLines: 0 };
  const lines = text.split(/\r?\n|\r/); // progress bars rewrite lines with \r
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(ANSI, '');
    const lineNo = i + 1;
    const m = MARKER.exec(raw);
    if (!m) {
      if (raw.trim().length > 0) res.noiseLines++;
      continue;
    }
    const start = m.index + m[0].indexOf('step:');
    const body = raw.slice(start).replace(/\s+$/, '');
    const parts = body.split(' - ');
    const step = Number(m[1]);
    const data: Record<string, number> = {};
    for (let j = 1; j < parts.length; j++) {
      const item = parts[j]!;
      const colon = item.lastIndexOf(':');
      if (colon <= 0) {
        res.issues.push({ line: lineNo, text: item, reason: "item has no 'key:value' form" });
        continue;
      }
      const key = item.slice(0, colon);
      const v = parsePythonNumber(item.slice(colon + 1));
      if (v === undefined) {
        res.issues.push({ line: lineNo, key, text: item.slice(colon + 1), reason: 'value is not a Python real-number repr' });
        continue;
      }
      data[key] = v;
    }
    res.steps.push({ line: lineNo, step, data });
  }
  return res;
}

export function readVerlConsole(path: string): ConsoleParseResult {
  return parseVerlConsole(readFileSync(path, 'utf8'));
}
