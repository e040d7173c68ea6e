/**
 * Compact binary encodings for data kept in bulk in Table Storage (member-id sets, resolution entries).
 *
 * One entity per member costs one Table operation per member to write and a 1,000-row page per 1,000 members to
 * read; packing 16-byte GUIDs into binary properties turns 100,000 members into ~1.6 MB held by a handful of
 * entities (docs/service-facts.md "Table Storage": property ≤ 64 KiB, entity ≤ 1 MiB, ≤ 252 properties).
 */
import { forEachSliced, SLICE, yieldToLoop } from "../eventLoop.js";

/** Lower-case canonical GUIDs (what Graph returns) pack into 16 bytes; anything else is kept as a string. */
const CANONICAL_GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
    if (CANONICAL_GUID.test(value)) {
      this.reserve(17);
      this.buffer[this.length++] = TAG_GUID;
      this.buffer.write(value.replace(/-/g, ""), this.length, 16, "hex");
      this.length += 16;
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
      const hex = Buffer.from(this.buffer.buffer, this.buffer.byteOffset + this.offset, 16).toString("hex");
      this.offset += 16;
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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

export function encodeIds(ids: Iterable<string>): Buffer {
  const writer = new ByteWriter();
  for (const id of ids) writer.item(id);
  return writer.finish();
}

/** encodeIds for a large set (a group of 1,000,000): the event loop gets a turn every slice. */
export async function encodeManyIds(ids: Iterable<string>): Promise<Buffer> {
  const writer = new ByteWriter();
  await forEachSliced(ids, (id) => writer.item(id));
  return writer.finish();
}

/** decodeIds for a large snapshot, with a turn of the event loop every slice. */
export async function decodeManyIds(data: Uint8Array, into: Set<string> = new Set()): Promise<Set<string>> {
  const reader = new ByteReader(data);
  let decoded = 0;
  while (!reader.done) {
    const id = reader.item();
    if (id === null) throw new PackingError("holds a null id");
    into.add(id);
    if (++decoded % SLICE === 0) await yieldToLoop();
  }
  return into;
}

export function decodeIds(data: Uint8Array, into: Set<string> = new Set()): Set<string> {
  const reader = new ByteReader(data);
  while (!reader.done) {
    const id = reader.item();
    if (id === null) throw new PackingError("holds a null id");
    into.add(id);
  }
  return into;
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
