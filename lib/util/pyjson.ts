/**
 * Python-faithful `json.loads` and `str()` for the handful of rewards that key on
 * Python's string form of parsed JSON (the IoU reward's `to_key` does
 * `tuple(str(v) for v in row)`). JavaScript's `JSON.parse` loses what matters there:
 * `1` and `1.0` are different keys in Python ('1' vs '1.0'), big integers stay exact,
 * and `NaN`/`Infinity` literals are accepted.
 *
 * Covered: the full JSON grammar as CPython's C scanner accepts it (plus NaN,
 * Infinity, -Infinity), duplicate keys (last wins, first position kept as in a dict),
 * lone surrogate escapes; `pyStr`/`pyRepr` for None, bools, ints, floats (repr's
 * shortest round-trip digits and its exponent thresholds), str (quote choice and
 * escapes), list and dict.
 */

export type PyValue =
  | null
  | boolean
  | string
  | PyInt
  | PyFloat
  | PyValue[]
  | PyDict;

export class PyInt {
  constructor(readonly value: bigint) {}
}
export class PyFloat {
  constructor(readonly value: number) {}
}
export class PyDict {
  readonly map = new Map<string, PyValue>();
}

export class PyJsonError extends Error {}

const MAX_DEPTH = 900; // CPython raises RecursionError around here; we raise PyJsonError instead.

/** Parse like Python's `json.loads(s)`; throws `PyJsonError` where Python raises. */
export function pyJsonLoads(s: string): PyValue {
  let i = 0;
  const ws = () => {
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const fail = (msg: string): never => {
    throw new PyJsonError(`${msg} at char ${i}`);
  };
  const value = (depth: number): PyValue => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    const c = s[i];
    if (c === '{') {
      i++;
      const d = new PyDict();
      ws();
      if (s[i] === '}') {
        i++;
        return d;
      }
      for (;;) {
        ws();
        if (s[i] !== '"') fail('Expecting property name enclosed in double quotes');
        const k = str();
        ws();
        if (s[i] !== ':') fail("Expecting ':' delimiter");
        i++;
        ws();
        d.map.set(k, value(depth + 1));
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === '}') {
          i++;
          return d;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '[') {
      i++;
      const a: PyValue[] = [];
      ws();
      if (s[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        ws();
        a.push(value(depth + 1));
        ws();
        if (s[i] === ',') {
          i++;
          continue;
        }
        if (s[i] === ']') {
          i++;
          return a;
        }
        fail("Expecting ',' delimiter");
      }
    }
    if (c === '"') return str();
    if (s.startsWith('null', i)) return (i += 4), null;
    if (s.startsWith('true', i)) return (i += 4), true;
    if (s.startsWith('false', i)) return (i += 5), false;
    if (s.startsWith('NaN', i)) return (i += 3), new PyFloat(NaN);
    if (s.startsWith('Infinity', i)) return (i += 8), new PyFloat(Infinity);
    if (s.startsWith('-Infinity', i)) return (i += 9), new PyFloat(-Infinity);
    const m = /^(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(s.slice(i, i + 4096));
    if (m && m[0].length > 0 && m[1] !== '-') {
      i += m[0].length;
      if (m[2] === undefined && m[3] === undefined) return new PyInt(BigInt(m[1]));
      return new PyFloat(Number(m[0]));
    }
    return fail('Expecting value');
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= s.length) fail('Unterminated string');
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return out;
      }
      if (c < 0x20) fail('Invalid control character');
      if (c === 0x5c) {
        const e = s[i + 1];
        i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const h = s.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('Invalid \\uXXXX escape');
            out += String.fromCharCode(parseInt(h, 16));
            i += 4;
            break;
          }
          default:
            fail('Invalid \\escape');
        }
        continue;
      }
      out += s[i];
      i++;
    }
  };
  ws();
  const v = value(0);
  ws();
  if (i !== s.length) fail('Extra data');
  return v;
}

/** Python `repr(float)`. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expStr] = Math.abs(x).toExponential().split('e');
  const digits = mant.replace('.', '');
  const exp = Number(expStr); // value = 0.d1d2... × 10^(exp+1)
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

/** Python `repr(str)`. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x7f) out += ch;
    else if (!isPrintable(ch)) {
      if (cp <= 0xff) out += '\\x' + cp.toString(16).padStart(2, '0');
      else if (cp <= 0xffff) out += '\\u' + cp.toString(16).padStart(4, '0');
      else out += '\\U' + cp.toString(16).padStart(8, '0');
    } else out += ch;
  }
  return out + quote;
}

/**
 * Python's `str.isprintable()` for one character: not in categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs
 * (space excepted). Categories come from Node's ICU; Python 3.11 ships Unicode 14, so a character
 * assigned after Unicode 14 prints raw here but `\U…`-escaped there. Keys built with this stay
 * injective either way, so IoU scores do not depend on it.
 */
function isPrintable(ch: string): boolean {
  if (ch === ' ') return true;
  return !/^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u.test(ch);
}

/** Python `repr(v)` for a parsed JSON value. */
export function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return pyStrRepr(v);
  if (v instanceof PyInt) return v.value.toString();
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  return '{' + [...v.map].map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`).join(', ') + '}';
}

/** Python `str(v)`: like repr, except a str is itself. */
export function pyStr(v: PyValue): string {
  return typeof v === 'string' ? v : pyRepr(v);
}
