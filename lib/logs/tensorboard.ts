/**
 * TensorBoard event files: reading scalars, and a writer (for fixtures and tests).
 *
 * An event file `events.out.tfevents.<unix time>.<host>.<pid>.<n><suffix>` is a TFRecord file
 * (lib/logs/tfrecord.ts) of `Event` protos. Field numbers from TensorBoard's copies of the TensorFlow
 * protos (`tensorboard/compat/proto/{event,summary,tensor,tensor_shape,types}.proto`):
 *
 *   Event          1 double wall_time, 2 int64 step, 3 string file_version ("brain.Event:2"),
 *                  5 Summary summary (others — graph_def, session_log, … — are skipped)
 *   Summary        1 repeated Value value
 *   Summary.Value  1 string tag, 7 string node_name, 9 SummaryMetadata metadata,
 *                  oneof: 2 float simple_value | 8 TensorProto tensor | 3,4,5,6 (histo, image, audio: skipped)
 *   SummaryMetadata 1 PluginData plugin_data { 1 string plugin_name, 2 bytes content }
 *   TensorProto    1 DataType dtype, 2 TensorShapeProto tensor_shape, 4 bytes tensor_content,
 *                  5 repeated float float_val, 6 repeated double double_val, 7 repeated int32 int_val,
 *                  10 repeated int64 int64_val
 *   TensorShapeProto 2 repeated Dim dim { 1 int64 size }
 *   DataType       DT_FLOAT=1, DT_DOUBLE=2, DT_INT32=3, DT_INT64=9
 *
 * verl's `_TensorboardAdapter` (`verl/utils/tracking.py`) calls torch's `SummaryWriter.add_scalar`,
 * which writes `simple_value` (a float32). TensorBoard's own `tensorboard.summary.Writer` and TF2's
 * `tf.summary.scalar` write a rank-0 `tensor` (float_val or tensor_content) with plugin "scalars".
 * Both are read as scalars here; a tensor is a scalar when it has exactly one element and a numeric
 * dtype. Everything else (histograms, images, text, non-scalar tensors) is counted and skipped.
 */
import { readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import {
  asBytes,
  asDouble,
  asFloat,
  asInt32,
  asInt64,
  asString,
  fields,
  packedOrSingleDouble,
  packedOrSingleFloat,
  packedOrSingleVarint,
  ProtobufError,
  ProtoWriter,
} from './protobuf.js';
import { appendTfRecords, readTfRecords, TfRecordError, type ReadTfRecordsOptions } from './tfrecord.js';
import { mkdirp } from '../util/fsx.js';

export const DT_FLOAT = 1;
export const DT_DOUBLE = 2;
export const DT_INT32 = 3;
export const DT_INT64 = 9;

export interface ScalarPoint {
  tag: string;
  step: number;
  wallTime: number;
  value: number;
  /** Where the value came from: Summary.Value.simple_value, or a one-element numeric tensor. */
  kind: 'simple_value' | 'tensor';
}

export interface EventFileSummary {
  file: string;
  fileVersion?: string;
  events: number;
  scalars: ScalarPoint[];
  /** Summary values that are not scalars (histograms, images, non-scalar tensors), by tag. */
  skipped: Map<string, number>;
  /** Set when the last record was cut short and `truncatedTail: 'stop'` was given. */
  truncatedAt?: number;
}

export class EventFileError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(`${file}: record at byte ${offset}: ${reason}`);
    this.name = 'EventFileError';
  }
}

interface DecodedValue {
  tag: string;
  value?: number;
  kind?: ScalarPoint['kind'];
}

function decodeTensorScalar(buf: Uint8Array): number | undefined {
  let dtype = 0;
  let numElements = 1;
  let content: Uint8Array | undefined;
  const floats: number[] = [];
  const doubles: number[] = [];
  const ints: number[] = [];
  for (const f of fields(buf)) {
    switch (f.field) {
      case 1:
        dtype = asInt32(f);
        break;
      case 2:
        for (const d of fields(asBytes(f))) {
          if (d.field !== 2) continue;
          let size = 0;
          for (const s of fields(asBytes(d))) if (s.field === 1) size = asInt64(s);
          numElements *= size;
        }
        break;
      case 4:
        content = asBytes(f);
        break;
      case 5:
        packedOrSingleFloat(f, floats);
        break;
      case 6:
        packedOrSingleDouble(f, doubles);
        break;
      case 7:
      case 10:
        packedOrSingleVarint(f, ints);
        break;
    }
  }
  if (numElements !== 1) return undefined;
  const dv = content && content.length > 0 ? new DataView(content.buffer, content.byteOffset, content.byteLength) : undefined;
  switch (dtype) {
    case DT_FLOAT:
      if (dv) return dv.byteLength === 4 ? dv.getFloat32(0, true) : undefined;
      return floats.length >= 1 ? floats[0] : 0; // proto3: an all-default tensor stores nothing
    case DT_DOUBLE:
      if (dv) return dv.byteLength === 8 ? dv.getFloat64(0, true) : undefined;
      return doubles.length >= 1 ? doubles[0] : 0;
    case DT_INT32:
      if (dv) return dv.byteLength === 4 ? dv.getInt32(0, true) : undefined;
      return ints.length >= 1 ? ints[0] : 0;
    case DT_INT64:
      if (dv) return dv.byteLength === 8 ? Number(dv.getBigInt64(0, true)) : undefined;
      return ints.length >= 1 ? ints[0] : 0;
    default:
      return undefined;
  }
}

function decodeValue(buf: Uint8Array): DecodedValue {
  const out: DecodedValue = { tag: '' };
  let nodeName = '';
  for (const f of fields(buf)) {
    switch (f.field) {
      case 1:
        out.tag = asString(f);
        break;
      case 7:
        nodeName = asString(f);
        break;
      case 2:
        out.value = asFloat(f);
        out.kind = 'simple_value';
        break;
      case 8: {
        const v = decodeTensorScalar(asBytes(f));
        if (v !== undefined) {
          out.value = v;
          out.kind = 'tensor';
        }
        break;
      }
    }
  }
  if (!out.tag) out.tag = nodeName; // TF1 summaries may name the value by node only
  return out;
}

/** Read every scalar of one event file. */
export function readEventFile(path: string, opts: Pick<ReadTfRecordsOptions, 'truncatedTail'> = {}): EventFileSummary {
  const res: EventFileSummary = { file: path, events: 0, scalars: [], skipped: new Map() };
  for (const rec of readTfRecords(path, { truncatedTail: opts.truncatedTail, onTruncatedTail: (o) => (res.truncatedAt = o) })) {
    res.events++;
    try {
      let wallTime = 0;
      let step = 0;
      const values: DecodedValue[] = [];
      for (const f of fields(rec.data)) {
        if (f.field === 1) wallTime = asDouble(f);
        else if (f.field === 2) step = asInt64(f);
        else if (f.field === 3) res.fileVersion = asString(f);
        else if (f.field === 5) {
          for (const v of fields(asBytes(f))) if (v.field === 1) values.push(decodeValue(asBytes(v)));
        }
      }
      for (const v of values) {
        if (v.value === undefined || v.kind === undefined) res.skipped.set(v.tag, (res.skipped.get(v.tag) ?? 0) + 1);
        else res.scalars.push({ tag: v.tag, step, wallTime, value: v.value, kind: v.kind });
      }
    } catch (e) {
      if (e instanceof ProtobufError) throw new EventFileError(path, rec.offset, `bad Event proto: ${e.message}`);
      throw e;
    }
  }
  return res;
}

export const EVENT_FILE_PATTERN = /^events\.out\.tfevents\./;

/** The event files of a run directory (not recursive), in name order — i.e. by creation time. */
export function listEventFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => EVENT_FILE_PATTERN.test(n))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statSync(p).isFile());
}

export function isEventFile(path: string): boolean {
  return EVENT_FILE_PATTERN.test(basename(path));
}

export { TfRecordError };

// ───────────────────────────── writer ─────────────────────────────

export type ScalarEncoding = 'simple_value' | 'tensor_float' | 'tensor_double_content';

export interface EventWriterOptions {
  /** Event file name suffix (TensorBoard's `filename_suffix`). */
  filenameSuffix?: string;
  /** Creation time used in the file name and the file_version event (default: now). */
  wallTime?: number;
  /** How `addScalar` stores values (default simple_value, as torch's add_scalar). */
  encoding?: ScalarEncoding;
}

function summaryMetadataScalars(): ProtoWriter {
  return new ProtoWriter().message(1, new ProtoWriter().string(1, 'scalars'));
}

/** Encode one Event with a single scalar Summary.Value. */
export function encodeScalarEvent(tag: string, value: number, step: number, wallTime: number, encoding: ScalarEncoding = 'simple_value'): Uint8Array {
  const v = new ProtoWriter().string(1, tag);
  if (encoding === 'simple_value') v.float(2, value);
  else {
    const t = new ProtoWriter();
    if (encoding === 'tensor_float') t.varint(1, DT_FLOAT).message(2, new ProtoWriter()).bytes(5, floatBytes(value));
    else t.varint(1, DT_DOUBLE).message(2, new ProtoWriter()).bytes(4, doubleBytes(value));
    v.message(9, summaryMetadataScalars()).message(8, t);
  }
  return new ProtoWriter().double(1, wallTime).varint(2, step).message(5, new ProtoWriter().message(1, v)).finish();
}

function floatBytes(x: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, x, true);
  return b;
}
function doubleBytes(x: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, x, true);
  return b;
}

/**
 * Writes one event file: the `file_version` event first (as TensorBoard's EventFileWriter does),
 * then one Event per `addScalar`. Writes are synchronous appends.
 */
export class EventFileWriter {
  readonly path: string;
  private readonly encoding: ScalarEncoding;
  private static counter = 0;

  constructor(
    readonly logdir: string,
    opts: EventWriterOptions = {},
  ) {
    mkdirp(logdir);
    const t = opts.wallTime ?? Date.now() / 1000;
    this.encoding = opts.encoding ?? 'simple_value';
    const name = `events.out.tfevents.${String(Math.floor(t)).padStart(10, '0')}.${hostname()}.${process.pid}.${EventFileWriter.counter++}${opts.filenameSuffix ?? ''}`;
    this.path = join(logdir, name);
    appendTfRecords(this.path, [new ProtoWriter().double(1, t).string(3, 'brain.Event:2').finish()]);
  }

  addScalar(tag: string, value: number, step: number, wallTime = Date.now() / 1000): void {
    appendTfRecords(this.path, [encodeScalarEvent(tag, value, step, wallTime, this.encoding)]);
  }

  /** verl's `_TensorboardAdapter.log`: one add_scalar per key of a step's metrics. */
  log(data: Record<string, number>, step: number, wallTime = Date.now() / 1000): void {
    appendTfRecords(
      this.path,
      Object.entries(data).map(([k, v]) => encodeScalarEvent(k, v, step, wallTime, this.encoding)),
    );
  }
}
