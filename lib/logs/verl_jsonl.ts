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
 * Errors: a line that is not JSON, or lacks an integer `step` or an object `data`, throws an
 * `InputError` naming file, line and field — except an unterminated last line (a writer killed
 * mid-line), which is reported as an issue and skipped. Non-numeric values inside `data` (strings,
 * lists) are skipped and reported; booleans count as 0/1 (orjson writes numpy bools as true/false).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../util/jsonl.js';

export interface JsonlIssue {
  line: number;
  key?: string;
  reason: string;
}

export interface JsonlStep {
  line: number;
  step: number;
  data: Record<string, number>;
}

export interface JsonlParseResult {
  steps: JsonlStep[];
  issues: JsonlIssue[];
}

export function parseMetricsJsonl(text: string, file = '<text>'): JsonlParseResult {
  const res: JsonlParseResult = { steps: [], issues: [] };
  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.replace(/\r$/, '');
    if (l.trim() === '') continue;
    const lineNo = i + 1;
    const isLast = i === lines.length - 1 && !endsWithNewline;
    let obj: unknown;
    try {
      obj = JSON.parse(l);
    } catch (e) {
      if (isLast) {
        res.issues.push({ line: lineNo, reason: 'unterminated last line is not valid JSON (writer interrupted?); skipped' });
        continue;
      }
      throw new InputError(file, lineNo, '<line>', `not valid JSON: ${(e as Error).message}`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new InputError(file, lineNo, '<line>', 'expected a JSON object {"step", "data"}');
    const o = obj as Record<string, unknown>;
    if (typeof o.step !== 'number' || !Number.isInteger(o.step)) throw new InputError(file, lineNo, 'step', `expected an integer, got ${JSON.stringify(o.step)}`);
    if (typeof o.data !== 'object' || o.data === null || Array.isArray(o.data)) throw new InputError(file, lineNo, 'data', `expected an object of metrics, got ${JSON.stringify(o.data)?.slice(0, 60)}`);
    const data: Record<string, number> = {};
    for (const [k, v] of Object.entries(o.data as Record<string, unknown>)) {
      if (typeof v === 'number') data[k] = v;
      else if (v === null) data[k] = NaN;
      else if (typeof v === 'boolean') data[k] = v ? 1 : 0;
      else res.issues.push({ line: lineNo, key: k, reason: `non-numeric value ${JSON.stringify(v)?.slice(0, 40)} skipped` });
    }
    res.steps.push({ line: lineNo, step: o.step, data });
  }
  return res;
}

export function readMetricsJsonl(path: string): JsonlParseResult {
  return parseMetricsJsonl(readFileSync(path, 'utf8'), path);
}
