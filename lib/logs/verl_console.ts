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
 * a space, `)` or `]`; everything before it is a prefix and ignored. Lines without that marker are
 * noise and are only counted. Inside a metric line, items are split on " - " and each at its last
 * ':' — a key never contains " - " in verl's metric names, and a Python number repr never contains ':'.
 *
 * Messy logs, and what is reported (each issue names the line; nothing is dropped silently):
 * - ANSI colour codes are removed; `\r` (progress bars redrawing a line) splits a physical line into
 *   segments, each read on its own; line numbers are physical lines (what an editor shows).
 * - Ray's log de-duplication suffix ` [repeated 3x across cluster]` is removed.
 * - Two lines glued together (the newline lost between two writers): an item `key:0.8step:9` is a
 *   value followed by the next line's `step:9` marker. It is split — `key` keeps 0.8 at the current
 *   step, the items after it belong to step 9 — and reported (`kind: 'glued'`). A value followed by
 *   any other text (`key:0.8Saving checkpoint…`) is reported and not used.
 * - An unterminated last line (the job killed mid-write): its last item may be cut short, so it is
 *   not used and is reported (`kind: 'torn'`); the items before it are kept.
 * - A value that is not a real number (a complex number, a cut value) is reported and skipped.
 * The file is streamed line by line (lib/logs/lines.ts); every regex here is linear in the line.
 */
import { forEachLineOfFile, forEachLineOfText } from './lines.js';

export type ConsoleIssueKind = 'unparseable' | 'glued' | 'torn';

export interface ConsoleIssue {
  line: number;
  key?: string;
  text: string;
  reason: string;
  kind: ConsoleIssueKind;
}

export interface ConsoleStep {
  line: number;
  step: number;
  data: Record<string, number>;
}

export interface ConsoleParseResult {
  steps: ConsoleStep[];
  issues: ConsoleIssue[];
  /** Line segments (split on \r) without a metric marker. */
  noiseLines: number;
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
// `(?=(\d+))\2` is an atomic digit run: no backtracking into it (linear on any input).
const MARKER = /(?:^|[\s)\]])step:(-?)(?=(\d+))\2(?= - |$)/;
const RAY_DEDUP = / ?\[repeated (?=(\d+))\1x across cluster\]$/;
const NP_WRAP = /^np\.(?:float|int|uint|bool_?|longdouble|double|single|half|intc|longlong)\d*_?\((.*)\)$/;
const INT = /^[-+]?\d+$/;
const FLOAT = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;
/** A Python number repr at the start of a string (to tell `0.8step:9` and `0.8Saving…` apart). */
const NUMBER_PREFIX = /^(?:np\.[a-z_]+\d*_?\([^()]*\)|np\.(?:True|False)_|True|False|nan|-?inf|[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)/;

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
  if (INT.test(s)) return Number(s); // big ints lose precision past 2^53, as any float would
  if (FLOAT.test(s)) return Number(s);
  return undefined;
}

/** Incremental parser: feed it physical lines in order (`forEachLineOf*` does). */
export class VerlConsoleParser {
  readonly result: ConsoleParseResult = { steps: [], issues: [], noiseLines: 0 };
  /** With `onStep`, each step is handed over when its line is done and not kept in `result.steps`. */
  constructor(private readonly onStep?: (s: ConsoleStep) => void) {}

  line(physical: string, lineNo: number, unterminated = false): void {
    const clean = physical.includes('\x1b') ? physical.replace(ANSI, '') : physical;
    const segments = clean.includes('\r') ? clean.split('\r') : [clean];
    const first = this.result.steps.length;
    for (let i = 0; i < segments.length; i++) this.segment(segments[i]!, lineNo, unterminated && i === segments.length - 1);
    if (this.onStep && this.result.steps.length > first) {
      for (const st of this.result.steps.splice(first)) this.onStep(st);
    }
  }

  private segment(seg: string, lineNo: number, unterminated: boolean): void {
    const text = seg.trimEnd().replace(RAY_DEDUP, '');
    const m = MARKER.exec(text);
    if (!m) {
      if (text.trim().length > 0) this.result.noiseLines++;
      return;
    }
    const body = text.slice(m.index + m[0].indexOf('step:'));
    const parts = body.split(' - ');
    const issues = this.result.issues;
    let cur: ConsoleStep = { line: lineNo, step: Number(m[1]! + m[2]!), data: {} };
    this.result.steps.push(cur);
    for (let j = 1; j < parts.length; j++) {
      const item = parts[j]!;
      if (unterminated && j === parts.length - 1) {
        issues.push({ line: lineNo, key: keyOf(item), text: item, kind: 'torn', reason: 'the last line has no newline (job killed mid-write?): its last item may be cut short and is not used' });
        continue;
      }
      const glued = splitGlued(item);
      if (glued) {
        cur.data[glued.key] = glued.value;
        issues.push({
          line: lineNo,
          key: glued.key,
          text: item,
          kind: 'glued',
          reason: `two metric lines glued together (no newline before 'step:${glued.step}'${glued.junk ? ` and '${clip(glued.junk)}' between them` : ''}); split: '${glued.key}' kept at step ${cur.step}, the rest read as step ${glued.step}`,
        });
        cur = { line: lineNo, step: glued.step, data: {} };
        this.result.steps.push(cur);
        continue;
      }
      const colon = item.lastIndexOf(':');
      if (colon <= 0) {
        issues.push({ line: lineNo, text: item, kind: 'unparseable', reason: "item has no 'key:value' form" });
        continue;
      }
      const key = item.slice(0, colon);
      const valueText = item.slice(colon + 1);
      const v = parsePythonNumber(valueText);
      if (v !== undefined) {
        cur.data[key] = v;
        continue;
      }
      const first = item.indexOf(':');
      const prefix = NUMBER_PREFIX.exec(item.slice(first + 1));
      if (prefix && prefix[0].length > 0 && parsePythonNumber(prefix[0]) !== undefined && item.length > first + 1 + prefix[0].length) {
        issues.push({ line: lineNo, key: item.slice(0, first), text: item, kind: 'glued', reason: `value '${prefix[0]}' is followed by other text '${clip(item.slice(first + 1 + prefix[0].length))}' (two lines glued together?); not used` });
        continue;
      }
      issues.push({ line: lineNo, key, text: valueText, kind: 'unparseable', reason: 'value is not a Python real-number repr' });
    }
  }
}

function keyOf(item: string): string | undefined {
  const c = item.indexOf(':');
  return c > 0 ? item.slice(0, c) : undefined;
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/**
 * `key:<number><junk>step:<N>`: a value followed by the marker of the next (glued) metric line.
 * A plain item whose key ends in `step` (`training/global_step:3`) has no ':' before the marker
 * and is not matched. The key is cut at the first ':' (verl keys have none; junk may have some).
 */
function splitGlued(item: string): { key: string; value: number; step: number; junk: string } | undefined {
  const at = item.lastIndexOf('step:');
  if (at <= 0) return undefined;
  const stepText = item.slice(at + 5);
  if (!INT.test(stepText) || stepText.startsWith('+')) return undefined;
  const head = item.slice(0, at);
  const first = head.indexOf(':');
  if (first <= 0) return undefined;
  const rest = head.slice(first + 1);
  const p = NUMBER_PREFIX.exec(rest);
  if (!p) return undefined;
  const value = parsePythonNumber(p[0]);
  if (value === undefined) return undefined;
  return { key: head.slice(0, first), value, step: Number(stepText), junk: rest.slice(p[0].length).trim() };
}

/** Parse a console log's text. */
export function parseVerlConsole(text: string): ConsoleParseResult {
  const p = new VerlConsoleParser();
  forEachLineOfText(text, (l, n, u) => p.line(l, n, u));
  return p.result;
}

/** Stream a console log file (memory bounded by the longest line plus what is kept: `onStep` keeps nothing). */
export function readVerlConsole(path: string, onStep?: (s: ConsoleStep) => void): ConsoleParseResult {
  const p = new VerlConsoleParser(onStep);
  forEachLineOfFile(path, (l, n, u) => p.line(l, n, u));
  return p.result;
}
