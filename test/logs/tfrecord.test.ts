/**
 * TFRecord framing and the protobuf wire format: round trips through our writer, the CRC-32C check
 * value, and corruption / truncation detected with the file and byte offset of the bad record.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fields, asDouble, asInt64, asString, asFloat, ProtoWriter, ProtobufError, packedOrSingleFloat } from '../../lib/logs/protobuf.js';
import { appendTfRecords, encodeTfRecord, maskedCrc32c, readTfRecords, TfRecordError } from '../../lib/logs/tfrecord.js';

const dir = mkdtempSync(join(tmpdir(), 'tfrecord-'));

describe('masked CRC-32C', () => {
  it('uses the Castagnoli polynomial (check value of "123456789" is 0xe3069283) and the TFRecord mask', () => {
    const c = 0xe3069283;
    const masked = ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
    expect(maskedCrc32c(new TextEncoder().encode('123456789'))).toBe(masked);
  });
  it('matches the header CRC TensorBoard wrote in a real fixture', () => {
    const b = readFileSync(join(__dirname, '../fixtures/logs/tensorboard/grpo-s1', readdir('tensorboard/grpo-s1')[0]!));
    expect(new DataView(b.buffer, b.byteOffset).getUint32(8, true)).toBe(maskedCrc32c(b.subarray(0, 8)));
  });
});

function readdir(sub: string): string[] {
  return readdirSync(join(__dirname, '../fixtures/logs', sub));
}

describe('TFRecord round trip', () => {
  it('reads back what it wrote, with offsets, for arbitrary payloads (small read chunks)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }), fc.integer({ min: 1, max: 64 }), (payloads, chunk) => {
        const p = join(dir, `rt-${Math.random()}.tfrecord`);
        writeFileSync(p, new Uint8Array(0));
        appendTfRecords(p, payloads);
        const got = [...readTfRecords(p, { chunkBytes: chunk })];
        expect(got.map((r) => [...r.data])).toEqual(payloads.map((x) => [...x]));
        let off = 0;
        got.forEach((r, i) => {
          expect(r.offset).toBe(off);
          off += 16 + payloads[i]!.length;
        });
      }),
      { numRuns: 60 },
    );
  });

  const three = [new Uint8Array([1, 2, 3]), new Uint8Array(40).fill(7), new Uint8Array([9])];
  const file = join(dir, 'three.tfrecord');
  writeFileSync(file, Buffer.concat(three.map((x) => encodeTfRecord(x))));
  const secondAt = 16 + 3;

  it('a flipped payload byte fails the data CRC, naming the file and the record offset', () => {
    const b = readFileSync(file);
    b[secondAt + 12 + 5]! ^= 0x10;
    const p = join(dir, 'bad-data.tfrecord');
    writeFileSync(p, b);
    expect(() => [...readTfRecords(p)]).toThrow(TfRecordError);
    expect(() => [...readTfRecords(p)]).toThrow(`${p}: record at byte ${secondAt}: data CRC mismatch`);
  });

  it('a flipped length byte fails the length CRC', () => {
    const b = readFileSync(file);
    b[secondAt]! ^= 0x01;
    const p = join(dir, 'bad-len.tfrecord');
    writeFileSync(p, b);
    expect(() => [...readTfRecords(p)]).toThrow(`record at byte ${secondAt}: length CRC mismatch`);
  });

  it('a truncated last record is an error by default, or stops quietly on request', () => {
    const b = readFileSync(file);
    const p = join(dir, 'trunc.tfrecord');
    writeFileSync(p, b.subarray(0, b.length - 2));
    const lastAt = secondAt + 16 + 40;
    expect(() => [...readTfRecords(p)]).toThrow(`record at byte ${lastAt}: truncated record: 15 of 17 bytes present`);
    let seen = -1;
    const got = [...readTfRecords(p, { truncatedTail: 'stop', onTruncatedTail: (o) => (seen = o) })];
    expect(got).toHaveLength(2);
    expect(seen).toBe(lastAt);
    writeFileSync(p, b.subarray(0, lastAt + 5));
    expect(() => [...readTfRecords(p)]).toThrow(`record at byte ${lastAt}: truncated header: 5 of 12 bytes`);
  });
});

describe('protobuf wire format', () => {
  it('round-trips doubles, int64 (negative too), strings, floats and nested messages', () => {
    fc.assert(
      fc.property(fc.double(), fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), fc.string(), fc.float(), (d, i, s, f) => {
        const inner = new ProtoWriter().float(2, f);
        const buf = new ProtoWriter().double(1, d).varint(2, i).string(3, s).message(5, inner).finish();
        const got = [...fields(buf)];
        expect(Object.is(asDouble(got[0]!), d)).toBe(true);
        expect(asInt64(got[1]!)).toBe(i);
        expect(asString(got[2]!)).toBe(s);
        expect(Object.is(asFloat([...fields(got[3]!.bytes!)][0]!), f)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
  it('reads repeated floats packed and unpacked', () => {
    const packed = new Uint8Array(8);
    new DataView(packed.buffer).setFloat32(0, 1.5, true);
    new DataView(packed.buffer).setFloat32(4, -2, true);
    const out: number[] = [];
    for (const f of fields(new ProtoWriter().bytes(5, packed).float(5, 3.25).finish())) packedOrSingleFloat(f, out);
    expect(out).toEqual([1.5, -2, 3.25]);
  });
  it('names the byte offset of a truncated field', () => {
    const buf = new ProtoWriter().varint(2, 7).string(3, 'hello').finish();
    expect(() => [...fields(buf.subarray(0, buf.length - 2))]).toThrow(ProtobufError);
    expect(() => [...fields(buf.subarray(0, buf.length - 2))]).toThrow('at byte 2');
  });
});
