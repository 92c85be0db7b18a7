/**
 * A minimal Protocol Buffers wire-format decoder and encoder — just enough for TensorBoard's
 * `Event`, `Summary` and `TensorProto` messages (lib/logs/tensorboard.ts).
 *
 * Wire format (https://protobuf.dev/programming-guides/encoding/): a message is a sequence of
 * fields, each a varint key `(field_number << 3) | wire_type` followed by the value:
 *   0 VARINT   base-128 little-endian varint (int32/int64/uint64/bool/enum)
 *   1 I64      8 bytes little-endian (double, fixed64)
 *   2 LEN      varint length + bytes (string, bytes, sub-message, packed repeated scalars)
 *   5 I32      4 bytes little-endian (float, fixed32)
 * Wire types 3/4 (deprecated groups) are rejected. Unknown fields are skipped, as the spec requires.
 * A repeated scalar may arrive packed (one LEN field) or unpacked (one field per element); readers
 * must accept both (`packedOrSingle*`).
 */

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** A decoding error with the byte offset (within the message being decoded) where it happened. */
export class ProtobufError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`protobuf: ${reason} at byte ${offset}`);
    this.name = 'ProtobufError';
  }
}

/** One decoded field. `value` is a bigint for VARINT/I64 raw bits, a Uint8Array for LEN, a number for I32 raw bits. */
export interface WireField {
  field: number;
  wireType: number;
  /** Offset of the field's key within the message. */
  offset: number;
  varint?: bigint;
  /** For I64/I32: the raw 8 or 4 bytes. For LEN: the payload. */
  bytes?: Uint8Array;
}

function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  const start = pos;
  for (;;) {
    if (pos >= buf.length) throw new ProtobufError(start, 'truncated varint');
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7n;
    if (shift > 63n) throw new ProtobufError(start, 'varint longer than 10 bytes');
  }
  return [result & 0xffffffffffffffffn, pos];
}

/** Iterate over the fields of a message. */
export function* fields(buf: Uint8Array): Generator<WireField> {
  let pos = 0;
  while (pos < buf.length) {
    const offset = pos;
    const [key, p1] = readVarint(buf, pos);
    pos = p1;
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (field === 0) throw new ProtobufError(offset, 'field number 0');
    switch (wireType) {
      case WIRE_VARINT: {
        const [v, p2] = readVarint(buf, pos);
        pos = p2;
        yield { field, wireType, offset, varint: v };
        break;
      }
      case WIRE_I64:
        if (pos + 8 > buf.length) throw new ProtobufError(offset, `truncated 64-bit field ${field}`);
        yield { field, wireType, offset, bytes: buf.subarray(pos, pos + 8) };
        pos += 8;
        break;
      case WIRE_I32:
        if (pos + 4 > buf.length) throw new ProtobufError(offset, `truncated 32-bit field ${field}`);
        yield { field, wireType, offset, bytes: buf.subarray(pos, pos + 4) };
        pos += 4;
        break;
      case WIRE_LEN: {
        const [len, p2] = readVarint(buf, pos);
        pos = p2;
        const n = Number(len);
        if (pos + n > buf.length) throw new ProtobufError(offset, `length-delimited field ${field} claims ${n} bytes, ${buf.length - pos} left`);
        yield { field, wireType, offset, bytes: buf.subarray(pos, pos + n) };
        pos += n;
        break;
      }
      default:
        throw new ProtobufError(offset, `unsupported wire type ${wireType} (field ${field})`);
    }
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function expectWire(f: WireField, wireType: number, what: string): void {
  if (f.wireType !== wireType) throw new ProtobufError(f.offset, `field ${f.field} (${what}) has wire type ${f.wireType}, expected ${wireType}`);
}

export function asDouble(f: WireField): number {
  expectWire(f, WIRE_I64, 'double');
  return view(f.bytes!).getFloat64(0, true);
}

export function asFloat(f: WireField): number {
  expectWire(f, WIRE_I32, 'float');
  return view(f.bytes!).getFloat32(0, true);
}

/** int64 (two's complement in the varint) as a JS number; throws beyond ±2^53. */
export function asInt64(f: WireField): number {
  expectWire(f, WIRE_VARINT, 'int64');
  const v = BigInt.asIntN(64, f.varint!);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new ProtobufError(f.offset, `int64 ${v} exceeds 2^53`);
  return Number(v);
}

export function asInt32(f: WireField): number {
  expectWire(f, WIRE_VARINT, 'int32');
  return Number(BigInt.asIntN(32, f.varint!));
}

export function asBool(f: WireField): boolean {
  expectWire(f, WIRE_VARINT, 'bool');
  return f.varint! !== 0n;
}

export function asBytes(f: WireField): Uint8Array {
  expectWire(f, WIRE_LEN, 'bytes');
  return f.bytes!;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function asString(f: WireField): string {
  const b = asBytes(f);
  try {
    return UTF8.decode(b);
  } catch {
    throw new ProtobufError(f.offset, `field ${f.field} is not valid UTF-8`);
  }
}

/** A `repeated float` field, packed (LEN) or not (I32): appends to `out`. */
export function packedOrSingleFloat(f: WireField, out: number[]): void {
  if (f.wireType === WIRE_I32) {
    out.push(asFloat(f));
    return;
  }
  const b = asBytes(f);
  if (b.length % 4 !== 0) throw new ProtobufError(f.offset, `packed float field ${f.field} has ${b.length} bytes (not a multiple of 4)`);
  const v = view(b);
  for (let i = 0; i < b.length; i += 4) out.push(v.getFloat32(i, true));
}

/** A `repeated double` field, packed (LEN) or not (I64): appends to `out`. */
export function packedOrSingleDouble(f: WireField, out: number[]): void {
  if (f.wireType === WIRE_I64) {
    out.push(asDouble(f));
    return;
  }
  const b = asBytes(f);
  if (b.length % 8 !== 0) throw new ProtobufError(f.offset, `packed double field ${f.field} has ${b.length} bytes (not a multiple of 8)`);
  const v = view(b);
  for (let i = 0; i < b.length; i += 8) out.push(v.getFloat64(i, true));
}

/** A `repeated int32/int64` field, packed (LEN) or not (VARINT): appends to `out` (as signed 64-bit). */
export function packedOrSingleVarint(f: WireField, out: number[]): void {
  if (f.wireType === WIRE_VARINT) {
    out.push(Number(BigInt.asIntN(64, f.varint!)));
    return;
  }
  const b = asBytes(f);
  let pos = 0;
  while (pos < b.length) {
    const [v, p] = readVarint(b, pos);
    pos = p;
    out.push(Number(BigInt.asIntN(64, v)));
  }
}

// ───────────────────────────── encoder ─────────────────────────────

/** Builds one message. Fields are written in call order (the spec allows any order). */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private rawVarint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    const out: number[] = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x !== 0n) b |= 0x80;
      out.push(b);
    } while (x !== 0n);
    this.push(Uint8Array.from(out));
  }

  private key(field: number, wireType: number): void {
    this.rawVarint(BigInt(field) * 8n + BigInt(wireType));
  }

  varint(field: number, v: number | bigint | boolean): this {
    this.key(field, WIRE_VARINT);
    this.rawVarint(typeof v === 'boolean' ? (v ? 1n : 0n) : BigInt(v));
    return this;
  }

  double(field: number, v: number): this {
    this.key(field, WIRE_I64);
    const b = new Uint8Array(8);
    view(b).setFloat64(0, v, true);
    this.push(b);
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, WIRE_I32);
    const b = new Uint8Array(4);
    view(b).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, WIRE_LEN);
    this.rawVarint(BigInt(b.length));
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let pos = 0;
    for (const c of this.chunks) {
      out.set(c, pos);
      pos += c.length;
    }
    return out;
  }
}
