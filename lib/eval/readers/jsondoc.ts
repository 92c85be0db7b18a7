/**
 * A JSON document (not JSONL) read with line numbers, so a bad field in a report or summary file is named
 * by file, line AND field path (lib/util/jsonl.ts `InputError`), e.g.
 * `…/reports/m/docmath.json:14: field 'metrics[0].categories[0].subsets[1].score': expected a number`.
 *
 * `readJsonDoc(file)` parses with a small recursive-descent parser (RFC 8259 grammar; strings and numbers
 * are decoded by `JSON.parse` of their own slice, so values are exactly what JSON.parse gives) and records
 * the line on which every value starts. Python's `json.dump` also writes `NaN`/`Infinity`; they are
 * accepted here (as the numbers) because the reference drivers may write them.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../util/jsonl.js';

export type JsonPath = readonly (string | number)[];

export function pathText(path: JsonPath): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s === '' ? '(document)' : s;
}

export interface JsonDoc {
  file: string;
  value: unknown;
  /** 1-based line where the value at `path` starts (the closest existing ancestor's line otherwise). */
  lineOf(path: JsonPath): number;
  /** An InputError naming file, line and field path. */
  error(path: JsonPath, reason: string): InputError;
}

export function parseJsonDoc(text: string, file: string): JsonDoc {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  const fail = (reason: string): never => {
    throw new InputError(file, line, '(syntax)', `${reason} at offset ${i}`);
  };
  const ws = () => {
    for (;;) {
      const c = text[i];
      if (c === '\n') {
        line++;
        i++;
      } else if (c === ' ' || c === '\t' || c === '\r') i++;
      else break;
    }
  };
  const value = (path: (string | number)[]): unknown => {
    ws();
    lines.set(JSON.stringify(path), line);
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a string key');
        const key = str();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        obj[key] = value([...path, key]);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value([...path, arr.length]));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    for (const [lit, v] of [['true', true], ['false', false], ['null', null], ['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity]] as const) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return v;
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) return fail('unexpected character ' + JSON.stringify(c ?? '<end>'));
    i += m[0].length;
    return JSON.parse(m[0]) as number;
  };
  const str = (): string => {
    const start = i;
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined || c === '\n') fail('unterminated string');
      if (c === '\\') i += 2;
      else if (c === '"') {
        i++;
        break;
      } else i++;
    }
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch (e) {
      return fail(`bad string (${(e as Error).message})`);
    }
  };
  const v = value([]);
  ws();
  if (i < text.length) fail('trailing characters after the JSON value');
  const lineOf = (path: JsonPath) => {
    for (let n = path.length; n >= 0; n--) {
      const l = lines.get(JSON.stringify(path.slice(0, n)));
      if (l !== undefined) return l;
    }
    return 1;
  };
  return { file, value: v, lineOf, error: (path, reason) => new InputError(file, lineOf(path), pathText(path), reason) };
}

export function readJsonDoc(file: string): JsonDoc {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(file, 0, '(file)', `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseJsonDoc(text, file);
}

/** Typed access with errors that name the path. */
export function getField(doc: JsonDoc, obj: unknown, path: JsonPath, key: string | number): unknown {
  if (obj === null || typeof obj !== 'object') throw doc.error(path, `expected an ${typeof key === 'number' ? 'array' : 'object'}`);
  return (obj as Record<string | number, unknown>)[key];
}

export function num(doc: JsonDoc, v: unknown, path: JsonPath): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw doc.error(path, v === undefined ? 'missing' : `expected a number, got ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}`);
}

export function strField(doc: JsonDoc, v: unknown, path: JsonPath): string {
  if (typeof v === 'string') return v;
  throw doc.error(path, v === undefined ? 'missing' : `expected a string, got ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}`);
}

export function arr(doc: JsonDoc, v: unknown, path: JsonPath): unknown[] {
  if (Array.isArray(v)) return v;
  throw doc.error(path, v === undefined ? 'missing' : 'expected an array');
}

export function obj(doc: JsonDoc, v: unknown, path: JsonPath): Record<string, unknown> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  throw doc.error(path, v === undefined ? 'missing' : 'expected an object');
}
