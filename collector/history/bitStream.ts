/**
 * Bit-level writing and reading for the compressed series chunks (seriesChunkCodec.ts): big-endian
 * bit order inside each byte, at most 32 bits per call. Both sides keep a small accumulator of fewer
 * than 8 pending bits and move whole bytes, 16 bits at most per step, so every intermediate value
 * stays a small integer (the hot path of replays decodes tens of millions of samples).
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

/** Reads bits written by BitWriter; reading past the end throws, so a truncated chunk cannot decode into garbage silently. */
export class BitReader {
  private next = 0;
  private buffer = 0;
  private bufferBits = 0;

  constructor(private readonly bytes: Uint8Array) {}

  readBit(): 0 | 1 {
    if (this.bufferBits === 0) {
      if (this.next >= this.bytes.length) throw new RangeError('series chunk ends early');
      this.buffer = this.bytes[this.next++]!;
      this.bufferBits = 8;
    }
    this.bufferBits--;
    return ((this.buffer >>> this.bufferBits) & 1) as 0 | 1;
  }

  /** Reads `count` bits (0 <= count <= 32) as an unsigned number. */
  readBits(count: number): number {
    if (count > 16) {
      const high = this.read16(count - 16);
      return high * 65536 + this.read16(16);
    }
    return count === 0 ? 0 : this.read16(count);
  }

  private read16(count: number): number {
    let buffer = this.buffer;
    let bits = this.bufferBits;
    while (bits < count) {
      if (this.next >= this.bytes.length) throw new RangeError('series chunk ends early');
      buffer = ((buffer << 8) | this.bytes[this.next++]!) & 0xffffff;
      bits += 8;
    }
    bits -= count;
    const value = (buffer >>> bits) & ((1 << count) - 1);
    this.buffer = buffer & ((1 << bits) - 1);
    this.bufferBits = bits;
    return value;
  }
}
