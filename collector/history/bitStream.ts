/**
 * Bit-level writing and reading for the compressed series chunks (seriesChunkCodec.ts): big-endian
 * bit order inside each byte, at most 32 bits per call. The writer keeps a small accumulator of fewer
 * than 8 pending bits and moves whole bytes, 16 bits at most per step; the reader shifts bits out of a
 * 32-bit word, 24 at most per step; so every intermediate value stays a small integer (the hot path of
 * replays decodes tens of millions of samples).
 */

/** Appends bits to a growing byte buffer. */
export class BitWriter {
  private bytes = new Uint8Array(256);
  private length = 0;
  /** Pending bits (fewer than 8 between calls), right-aligned. */
  private pending = 0;
  private pendingBits = 0;

  /** Writes the low `count` bits of `value` (0 <= count <= 32), most significant first. */
  writeBits(value: number, count: number): void {
    if (count > 16) {
      this.write16(Math.floor((value >>> 0) / 65536) & ((1 << (count - 16)) - 1), count - 16);
      this.write16(value & 0xffff, 16);
    } else if (count > 0) this.write16(value & ((1 << count) - 1), count);
  }

  writeBit(bit: 0 | 1): void {
    this.write16(bit, 1);
  }

  /** How many bits were written. */
  get bitLength(): number {
    return this.length * 8 + this.pendingBits;
  }

  /** Appends every bit `other` holds (for a part encoded aside, e.g. the shortest of several candidates). */
  append(other: BitWriter): void {
    for (let i = 0; i < other.length; i++) this.write16(other.bytes[i]!, 8);
    if (other.pendingBits > 0) this.write16(other.pending, other.pendingBits);
  }

  /** The bytes written; the last byte's unused low bits are zero. */
  finish(): Buffer {
    const bytes = Buffer.allocUnsafe(this.length + (this.pendingBits > 0 ? 1 : 0));
    bytes.set(this.bytes.subarray(0, this.length));
    if (this.pendingBits > 0) bytes[this.length] = (this.pending << (8 - this.pendingBits)) & 0xff;
    return bytes;
  }

  private write16(value: number, count: number): void {
    let pending = (this.pending << count) | value;
    let bits = this.pendingBits + count;
    if (this.length + 3 > this.bytes.length) this.grow();
    while (bits >= 8) {
      bits -= 8;
      this.bytes[this.length++] = (pending >>> bits) & 0xff;
    }
    pending &= (1 << bits) - 1;
    this.pending = pending;
    this.pendingBits = bits;
  }

  private grow(): void {
    const grown = new Uint8Array(this.bytes.length * 2);
    grown.set(this.bytes);
    this.bytes = grown;
  }
}

/**
 * Reads bits written by BitWriter; reading past the end throws, so a truncated chunk cannot decode into garbage silently.
 * It keeps only the position of the next bit: a read of up to 24 bits takes the 4 bytes from the one
 * holding that bit as one 32-bit word and shifts the wanted bits out of it, with no loop and no state
 * but the position (a replay reads a few bits per sample, tens of millions of times).
 */
export class BitReader {
  /** The next bit to read, counted from the first byte's most significant bit. */
  private position = 0;
  /** How many bits the bytes hold. */
  private readonly limit: number;

  constructor(private readonly bytes: Uint8Array) {
    this.limit = bytes.length * 8;
  }

  readBit(): 0 | 1 {
    const position = this.position;
    if (position >= this.limit) throw new RangeError('series chunk ends early');
    this.position = position + 1;
    return ((this.bytes[position >>> 3]! >>> (7 - (position & 7))) & 1) as 0 | 1;
  }

  /** Reads `count` bits (0 <= count <= 32) as an unsigned number. */
  readBits(count: number): number {
    if (count > 24) return this.readWide(count);
    const position = this.position;
    if (position + count > this.limit) throw new RangeError('series chunk ends early');
    this.position = position + count;
    return count === 0 ? 0 : (this.word(position >>> 3) << (position & 7)) >>> (32 - count);
  }

  /** Reads more than 24 bits, in two reads. */
  private readWide(count: number): number {
    const high = this.readBits(count - 16);
    return high * 65536 + this.readBits(16);
  }

  /** Moves back `count` bits (no more than were read), to read them again. */
  unread(count: number): void {
    this.position -= count;
  }

  /** How many bits were read (or skipped). */
  get bitsRead(): number {
    return this.position;
  }

  /** Moves on `count` bits without reading them (the next read fails if they are not there). */
  skip(count: number): void {
    this.position += count;
  }

  /** The 4 bytes from `index` on as one big-endian word (bytes past the end read as 0). */
  private word(index: number): number {
    const { bytes } = this;
    if (index + 3 < bytes.length) return (bytes[index]! << 24) | (bytes[index + 1]! << 16) | (bytes[index + 2]! << 8) | bytes[index + 3]!;
    let word = 0;
    for (let i = index; i < index + 4; i++) word = (word << 8) | (i < bytes.length ? bytes[i]! : 0);
    return word;
  }
}
