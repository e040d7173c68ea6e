/**
 * Compact binary encodings for data kept in bulk in Table Storage (member-id sets, resolution entries).
 *
 * One entity per member costs one Table operation per member to write and a 1,000-row page per 1,000 members to
 * read; packing 16-byte GUIDs into binary properties turns 100,000 members into ~1.6 MB held by a handful of
 * entities (docs/service-facts.md "Table Storage": property ≤ 64 KiB, entity ≤ 1 MiB, ≤ 252 properties).
 */
import { runSliced, runWhole, SLICE } from "../eventLoop.js";

/*
 * Lower-case canonical GUIDs (what Graph returns) pack into 16 bytes; anything else is kept as a string. A first
 * sync of 1,000,000 members packs and unpacks a few million of them, so both directions work on character codes
 * instead of a regular expression, `replace` and sliced hex strings.
 */
/** Where each byte's two hex digits start in the canonical form (dashes at 8, 13, 18 and 23). */
const PAIRS = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
/** Value of a lower-case hex digit by character code; -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let digit = 0; digit < 16; digit++) HEX_VALUE["0123456789abcdef".charCodeAt(digit)] = digit;
/** Character codes of the two hex digits of each byte value. */
const HEX_CODES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0")).map((pair) => [pair.charCodeAt(0), pair.charCodeAt(1)] as const);
const GUID_TEXT = Buffer.alloc(36, "-");

/** Writes a lower-case canonical GUID's 16 bytes at `at`; false when `value` is not one (then what was written is ignored). */
function writeGuid(value: string, target: Buffer, at: number): boolean {
  if (value.length !== 36 || value.charCodeAt(8) !== 45 || value.charCodeAt(13) !== 45 || value.charCodeAt(18) !== 45 || value.charCodeAt(23) !== 45) {
    return false;
  }
  for (let i = 0; i < 16; i++) {
    const from = PAIRS[i] as number;
    const high = HEX_VALUE[value.charCodeAt(from)] ?? -1;
    const low = HEX_VALUE[value.charCodeAt(from + 1)] ?? -1;
    if (high < 0 || low < 0) return false;
    target[at + i] = high * 16 + low;
  }
  return true;
}

/** The lower-case canonical GUID of the 16 bytes at `at`. */
function readGuid(source: Uint8Array, at: number): string {
  for (let i = 0; i < 16; i++) {
    const [high, low] = HEX_CODES[source[at + i] as number] as readonly [number, number];
    const to = PAIRS[i] as number;
    GUID_TEXT[to] = high;
    GUID_TEXT[to + 1] = low;
  }
  return GUID_TEXT.toString("latin1", 0, 36);
}

const TAG_NULL = 0;
const TAG_GUID = 1;
const TAG_STRING = 2;
/** Small values known in advance, one byte each (trust types). */
const TAG_TOKEN_BASE = 16;

export class ByteWriter {
  private buffer = Buffer.allocUnsafe(4096);
  private length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }

  double(value: number): void {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
  }

  /** A string or null, GUIDs packed; `tokens` lists strings stored as a single byte. */
  item(value: string | null, tokens: readonly string[] = []): void {
    if (value === null) return this.byte(TAG_NULL);
    const token = tokens.indexOf(value);
    if (token >= 0) return this.byte(TAG_TOKEN_BASE + token);
    this.reserve(17);
    if (writeGuid(value, this.buffer, this.length + 1)) {
      this.buffer[this.length] = TAG_GUID;
      this.length += 17;
      return;
    }
    const bytes = Buffer.from(value, "utf8");
    if (bytes.length > 0xffff) throw new RangeError(`A packed string may hold at most 65,535 bytes, got ${bytes.length}`);
    this.reserve(3 + bytes.length);
    this.buffer[this.length++] = TAG_STRING;
    this.buffer.writeUInt16LE(bytes.length, this.length);
    bytes.copy(this.buffer, this.length + 2);
    this.length += 2 + bytes.length;
  }

  /** Bytes written so far. */
  get size(): number {
    return this.length;
  }

  /** Drops what was written after `size` bytes (an item that did not fit). */
  truncate(size: number): void {
    this.length = Math.min(this.length, size);
  }

  finish(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}

export class ByteReader {
  private offset = 0;

  constructor(private readonly buffer: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.buffer.length;
  }

  byte(): number {
    if (this.offset >= this.buffer.length) throw new PackingError("ends early");
    return this.buffer[this.offset++] as number;
  }

  double(): number {
    this.need(8);
    const value = Buffer.from(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length).readDoubleLE(this.offset);
    this.offset += 8;
    return value;
  }

  item(tokens: readonly string[] = []): string | null {
    const tag = this.byte();
    if (tag === TAG_NULL) return null;
    if (tag === TAG_GUID) {
      this.need(16);
      const guid = readGuid(this.buffer, this.offset);
      this.offset += 16;
      return guid;
    }
    if (tag === TAG_STRING) {
      this.need(2);
      const view = Buffer.from(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length);
      const length = view.readUInt16LE(this.offset);
      this.need(2 + length);
      const value = view.toString("utf8", this.offset + 2, this.offset + 2 + length);
      this.offset += 2 + length;
      return value;
    }
    const token = tokens[tag - TAG_TOKEN_BASE];
    if (token === undefined) throw new PackingError(`holds an unknown tag ${tag}`);
    return token;
  }

  private need(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) throw new PackingError("ends early");
  }
}

/** Stored bytes that do not decode: written by something else, or cut short. */
export class PackingError extends Error {
  constructor(detail: string) {
    super(`Packed data ${detail}`);
    this.name = "PackingError";
  }
}

/*
 * One loop per direction. It pauses (a generator `yield`) every slice of ids; the sync entry points run it straight
 * through (a ledger bucket holds a few thousand ids), the `…ManyIds` ones give the event loop a turn at each pause
 * (a group of 1,000,000).
 */
function* encodeSteps(ids: Iterable<string>): Generator<void, Buffer> {
  const writer = new ByteWriter();
  let encoded = 0;
  for (const id of ids) {
    writer.item(id);
    if (++encoded % SLICE === 0) yield;
  }
  return writer.finish();
}

function* decodeSteps(data: Uint8Array, into: Set<string>): Generator<void, Set<string>> {
  const reader = new ByteReader(data);
  let decoded = 0;
  while (!reader.done) {
    const id = reader.item();
    if (id === null) throw new PackingError("holds a null id");
    into.add(id);
    if (++decoded % SLICE === 0) yield;
  }
  return into;
}

export function encodeIds(ids: Iterable<string>): Buffer {
  return runWhole(encodeSteps(ids));
}

/** encodeIds for a large set, with a turn of the event loop every slice. */
export function encodeManyIds(ids: Iterable<string>): Promise<Buffer> {
  return runSliced(encodeSteps(ids));
}

export function decodeIds(data: Uint8Array, into: Set<string> = new Set()): Set<string> {
  return runWhole(decodeSteps(data, into));
}

/** decodeIds for a large snapshot, with a turn of the event loop every slice. */
export function decodeManyIds(data: Uint8Array, into: Set<string> = new Set()): Promise<Set<string>> {
  return runSliced(decodeSteps(data, into));
}

/**
 * Binary properties of one entity: at most 60,000 bytes each (under the 64 KiB property limit) and at most 10
 * of them (600,000 bytes, under the 1 MiB entity limit even after base64 on the wire).
 */
export const PROPERTY_BYTES = 60_000;
export const PROPERTIES_PER_ENTITY = 10;
export const ENTITY_BYTES = PROPERTY_BYTES * PROPERTIES_PER_ENTITY;

/** Entity properties `p0…pN` (+ `parts`) holding `data`, which must fit one entity. */
export function toProperties(data: Uint8Array): Record<string, Uint8Array | number> {
  if (data.length > ENTITY_BYTES) throw new RangeError(`At most ${ENTITY_BYTES} bytes fit one entity, got ${data.length}`);
  const properties: Record<string, Uint8Array | number> = {};
  let parts = 0;
  for (let offset = 0; offset < data.length; offset += PROPERTY_BYTES) {
    properties[`p${parts++}`] = data.subarray(offset, offset + PROPERTY_BYTES);
  }
  properties["parts"] = parts;
  return properties;
}

/** The bytes `toProperties` stored, or null when a part is missing (an entity of another shape). */
export function fromProperties(entity: Record<string, unknown>): Buffer | null {
  const parts = entity["parts"];
  if (typeof parts !== "number" || !Number.isInteger(parts) || parts < 0 || parts > PROPERTIES_PER_ENTITY) return null;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < parts; i++) {
    const part = entity[`p${i}`];
    if (!(part instanceof Uint8Array)) return null;
    chunks.push(part);
  }
  return Buffer.concat(chunks);
}

/** Splits `data` into pieces that each fit one entity. */
export function entitySized(data: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += ENTITY_BYTES) pieces.push(data.subarray(offset, offset + ENTITY_BYTES));
  return pieces;
}
