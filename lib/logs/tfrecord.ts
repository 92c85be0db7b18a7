/**
 * TFRecord framing — the container of TensorBoard event files.
 *
 * Each record (TensorFlow `core/lib/io/record_writer.cc`; TensorBoard's pure-Python copy is
 * `tensorboard/summary/writer/record_writer.py`):
 *
 *   uint64  length                  little-endian
 *   uint32  masked_crc32c(length)   over the 8 length bytes
 *   byte    data[length]
 *   uint32  masked_crc32c(data)
 *
 * masked_crc32c(x) = ((c >>> 15) | (c << 17)) + 0xa282ead8  (mod 2^32), with c = CRC-32C (Castagnoli)
 * of x — the mask keeps CRCs of data that itself contains CRCs from colliding. CRC-32C comes from
 * `@aws-crypto/crc32c`.
 *
 * `readTfRecords` streams a file in chunks (it never holds more than one record plus one read
 * buffer), verifies both CRCs of every record and throws `TfRecordError` naming the file and the byte
 * offset of the bad record on corruption or truncation.
 */
import { crc32c } from '@aws-crypto/crc32c';
import { appendFileSync, closeSync, openSync, readSync } from 'node:fs';

export const TFRECORD_HEADER_BYTES = 12;
export const TFRECORD_FOOTER_BYTES = 4;
const MASK_DELTA = 0xa282ead8;

export function maskedCrc32c(data: Uint8Array): number {
  const c = crc32c(data) >>> 0;
  return ((((c >>> 15) | (c << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

export class TfRecordError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${file}: record at byte ${offset}: ${reason}`);
    this.name = 'TfRecordError';
  }
}

export interface TfRecord {
  /** Byte offset of the record's length field in the file. */
  offset: number;
  data: Uint8Array;
}

export interface ReadTfRecordsOptions {
  /**
   * A record cut short at the end of the file (a writer still running, or killed mid-write):
   * 'error' (default) throws; 'stop' ends the iteration quietly and calls `onTruncatedTail`.
   * A CRC mismatch always throws.
   */
  truncatedTail?: 'error' | 'stop';
  onTruncatedTail?: (offset: number, reason: string) => void;
  /** Read buffer size in bytes (default 1 MiB). */
  chunkBytes?: number;
}

/** Stream the records of one TFRecord file, verifying CRCs. */
export function* readTfRecords(path: string, opts: ReadTfRecordsOptions = {}): Generator<TfRecord> {
  const fd = openSync(path, 'r');
  try {
    const chunk = opts.chunkBytes ?? 1 << 20;
    let buf: Uint8Array = new Uint8Array(0);
    let bufStart = 0; // file offset of buf[0]
    let eof = false;
    // Ensure buf holds at least `n` bytes from file offset `at`; returns false at EOF.
    const ensure = (at: number, n: number): boolean => {
      while (bufStart + buf.length < at + n && !eof) {
        const keepFrom = at - bufStart;
        const keep = buf.subarray(keepFrom);
        const want = Math.max(chunk, at + n - (bufStart + buf.length));
        const next = new Uint8Array(keep.length + want);
        next.set(keep, 0);
        const got = readSync(fd, next, keep.length, want, bufStart + buf.length);
        if (got === 0) eof = true;
        buf = next.subarray(0, keep.length + got);
        bufStart = at;
      }
      return bufStart + buf.length >= at + n;
    };
    let offset = 0;
    for (;;) {
      if (!ensure(offset, 1)) return; // clean end of file
      const truncated = (reason: string): boolean => {
        if (opts.truncatedTail === 'stop') {
          opts.onTruncatedTail?.(offset, reason);
          return true;
        }
        throw new TfRecordError(path, offset, reason);
      };
      if (!ensure(offset, TFRECORD_HEADER_BYTES)) {
        if (truncated(`truncated header: ${bufStart + buf.length - offset} of ${TFRECORD_HEADER_BYTES} bytes`)) return;
      }
      const h = buf.subarray(offset - bufStart, offset - bufStart + TFRECORD_HEADER_BYTES);
      const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
      const lenCrc = dv.getUint32(8, true);
      const lenBytes = h.subarray(0, 8);
      const expectLenCrc = maskedCrc32c(lenBytes);
      if (lenCrc !== expectLenCrc) {
        throw new TfRecordError(path, offset, `length CRC mismatch (stored 0x${lenCrc.toString(16)}, computed 0x${expectLenCrc.toString(16)}): corrupted length field`);
      }
      const len64 = dv.getBigUint64(0, true);
      if (len64 > BigInt(2 ** 31)) throw new TfRecordError(path, offset, `record length ${len64} is implausible`);
      const len = Number(len64);
      const total = TFRECORD_HEADER_BYTES + len + TFRECORD_FOOTER_BYTES;
      if (!ensure(offset, total)) {
        if (truncated(`truncated record: ${bufStart + buf.length - offset} of ${total} bytes present`)) return;
      }
      const start = offset - bufStart + TFRECORD_HEADER_BYTES;
      const data = buf.slice(start, start + len);
      const fv = new DataView(buf.buffer, buf.byteOffset + start + len, 4);
      const dataCrc = fv.getUint32(0, true);
      const expectDataCrc = maskedCrc32c(data);
      if (dataCrc !== expectDataCrc) {
        throw new TfRecordError(path, offset, `data CRC mismatch (stored 0x${dataCrc.toString(16)}, computed 0x${expectDataCrc.toString(16)}): corrupted payload of ${len} bytes`);
      }
      yield { offset, data };
      offset += total;
    }
  } finally {
    closeSync(fd);
  }
}

/** Frame one record. */
export function encodeTfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(TFRECORD_HEADER_BYTES + data.length + TFRECORD_FOOTER_BYTES);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(data.length), true);
  dv.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, TFRECORD_HEADER_BYTES);
  dv.setUint32(TFRECORD_HEADER_BYTES + data.length, maskedCrc32c(data), true);
  return out;
}

/** Append framed records to a file (synchronously: a killed process leaves at most one torn record). */
export function appendTfRecords(path: string, records: readonly Uint8Array[]): void {
  if (records.length === 0) return;
  const framed = records.map(encodeTfRecord);
  const total = framed.reduce((s, r) => s + r.length, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const r of framed) {
    out.set(r, pos);
    pos += r.length;
  }
  appendFileSync(path, out);
}
