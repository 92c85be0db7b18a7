/**
 * Metrics JSONL: verl's file logger and this project's trainer log (lib/train/logger.ts) — the same
 * line format:
 *
 *   {"step": N, "data": {"<metric key>": <number>, ...}}
 *
 * verl's `FileLogger` (`verl/utils/tracking.py`) writes `orjson.dumps({"step": step, "data": data},
 * option=OPT_SERIALIZE_NUMPY)` + "\n" to `$VERL_FILE_LOGGER_PATH`, or
 * `$VERL_FILE_LOGGER_ROOT/<project>/<experiment>.jsonl` (root defaults to "."). orjson writes NaN and
 * ±Infinity as `null`; our trainer's logger does the same. So `null` is read as NaN (a gap).
 * verl opens the file with mode "wb" (a resumed run starts the file afresh); our logger appends and
 * truncates to the resumed step. If a step appears twice anyway, the later line wins.
 *
 * Python's own `json.dumps` (allow_nan=True, the default — other loggers, older scripts) writes the
 * bare tokens `NaN`, `Infinity` and `-Infinity`, which are not JSON: they are read as NaN, +∞ and −∞
 * (a linear scan outside strings turns them into markers before `JSON.parse`). `null` is counted in
 * `nulls` so that a report can say "null (NaN or ±inf, as orjson writes them)".
 *
 * The file is streamed line by line (lib/logs/lines.ts), so a large log never sits in memory whole.
 *
 * Errors: a line that is not JSON, or lacks an integer `step` or an object `data`, throws an
 * `InputError` naming file, line and field — except an unterminated last line (a writer killed
 * mid-line), which is reported as an issue and skipped. Non-numeric values inside `data` (strings,
 * lists) are skipped and reported; booleans count as 0/1 (orjson writes numpy bools as true/false).
 */
import { InputError } from '../util/jsonl.js';
import { forEachLineOfFile, forEachLineOfText } from './lines.js';

export interface JsonlIssue {
  line: number;
  key?: string;
  reason: string;
  kind: 'unparseable' | 'torn';
}

export interface JsonlStep {
  line: number;
  step: number;
  data: Record<string, number>;
}

export interface JsonlParseResult {
  steps: JsonlStep[];
  issues: JsonlIssue[];
  /** Values written as JSON `null` (orjson's NaN/±Infinity), read as NaN. */
  nulls: number;
}

const NONFINITE_MARK = '\u0000golongrl-nonfinite:';
const TOKENS: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/**
 * Replace bare NaN / Infinity / -Infinity tokens (outside strings) by marker strings; linear.
 * Returns the line unchanged when it has none.
 */
export function markNonFiniteTokens(line: string): string {
  if (!line.includes('NaN') && !line.includes('Infinity')) return line;
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    for (const tok of ['-Infinity', 'Infinity', 'NaN']) {
      if (line.startsWith(tok, i)) {
        out += line.slice(last, i) + JSON.stringify(NONFINITE_MARK + tok);
        i += tok.length - 1;
        last = i + 1;
        break;
      }
    }
  }
  return last === 0 ? line : out + line.slice(last);
}

export class MetricsJsonlParser {
  readonly result: JsonlParseResult = { steps: [], issues: [], nulls: 0 };
  /** With `onStep`, each step is handed over and not kept in `result.steps`. */
  constructor(
    private readonly file = '<text>',
    private readonly onStep?: (s: JsonlStep) => void,
  ) {}

  line(raw: string, lineNo: number, unterminated: boolean): void {
    const res = this.result;
    const l = raw;
    if (l.trim() === '') return;
    let obj: unknown;
    try {
      obj = JSON.parse(markNonFiniteTokens(l));
    } catch (e) {
      if (unterminated) {
        res.issues.push({ line: lineNo, kind: 'torn', reason: 'unterminated last line is not valid JSON (writer interrupted?); skipped' });
        return;
      }
      throw new InputError(this.file, lineNo, '<line>', `not valid JSON: ${(e as Error).message}`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new InputError(this.file, lineNo, '<line>', 'expected a JSON object {"step", "data"}');
    const o = obj as Record<string, unknown>;
    if (typeof o.step !== 'number' || !Number.isInteger(o.step)) throw new InputError(this.file, lineNo, 'step', `expected an integer, got ${JSON.stringify(o.step)}`);
    if (typeof o.data !== 'object' || o.data === null || Array.isArray(o.data)) throw new InputError(this.file, lineNo, 'data', `expected an object of metrics, got ${JSON.stringify(o.data)?.slice(0, 60)}`);
    const data: Record<string, number> = {};
    for (const [k, v] of Object.entries(o.data as Record<string, unknown>)) {
      if (typeof v === 'number') data[k] = v;
      else if (v === null) {
        data[k] = NaN;
        res.nulls++;
      } else if (typeof v === 'boolean') data[k] = v ? 1 : 0;
      else if (typeof v === 'string' && v.startsWith(NONFINITE_MARK)) data[k] = TOKENS[v.slice(NONFINITE_MARK.length)]!;
      else res.issues.push({ line: lineNo, key: k, kind: 'unparseable', reason: `non-numeric value ${JSON.stringify(v)?.slice(0, 40)} skipped` });
    }
    const st = { line: lineNo, step: o.step, data };
    if (this.onStep) this.onStep(st);
    else res.steps.push(st);
  }
}

export function parseMetricsJsonl(text: string, file = '<text>'): JsonlParseResult {
  const p = new MetricsJsonlParser(file);
  forEachLineOfText(text, (l, n, u) => p.line(l, n, u));
  return p.result;
}

/** Stream a metrics JSONL file. */
export function readMetricsJsonl(path: string, onStep?: (s: JsonlStep) => void): JsonlParseResult {
  const p = new MetricsJsonlParser(path, onStep);
  forEachLineOfFile(path, (l, n, u) => p.line(l, n, u));
  return p.result;
}
