/**
 * Bit-level writing and reading for the compressed series chunks (seriesChunkCodec.ts): big-endian
 * bit order inside each byte, at most 32 bits per call, so every value stays an exact uint32 in
 * JavaScript's number.
 */

/** Appends bits to a growing byte buffer. */
export class BitWriter {
  private bytes = new Uint8Array(256);
  /** Bits written so far. */
  private bitLength = 0;

  /** Writes the low `count` bits of `value` (0 <= count <= 32), most significant first. */
  writeBits(value: number, count: number): void {
    if (count === 0) return;
    this.ensure(count);
    let remaining = count;
    // Keep only the bits asked for, as an unsigned number.
    let bits = count === 32 ? value >>> 0 : (value >>> 0) & (2 ** count - 1);
    while (remaining > 0) {
      const offset = this.bitLength & 7;
      const free = 8 - offset;
      const take = Math.min(free, remaining);
      const shift = remaining - take;
      const chunk = Math.floor(bits / 2 ** shift) & ((1 << take) - 1);
      this.bytes[this.bitLength >>> 3]! |= chunk << (free - take);
      bits -= chunk * 2 ** shift;
      remaining -= take;
      this.bitLength += take;
    }
  }

  writeBit(bit: 0 | 1): void {
    this.ensure(1);
    if (bit === 1) this.bytes[this.bitLength >>> 3]! |= 0x80 >>> (this.bitLength & 7);
    this.bitLength++;
  }

  /** The bytes written; the last byte's unused low bits are zero. */
  finish(): Buffer {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, (this.bitLength + 7) >>> 3);
  }

  private ensure(count: number): void {
    const needed = (this.bitLength + count + 7) >>> 3;
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
  }
}

/** Reads bits written by BitWriter; reading past the end throws, so a truncated chunk cannot decode into garbage silently. */
export class BitReader {
  private position = 0;
  private readonly bitLength: number;

  constructor(private readonly bytes: Uint8Array) {
    this.bitLength = bytes.length * 8;
  }

  readBit(): 0 | 1 {
    if (this.position >= this.bitLength) throw new RangeError('series chunk ends early');
    const bit = (this.bytes[this.position >>> 3]! >>> (7 - (this.position & 7))) & 1;
    this.position++;
    return bit as 0 | 1;
  }

  /** Reads `count` bits (0 <= count <= 32) as an unsigned number. */
  readBits(count: number): number {
    if (this.position + count > this.bitLength) throw new RangeError('series chunk ends early');
    let result = 0;
    let remaining = count;
    while (remaining > 0) {
      const offset = this.position & 7;
      const available = 8 - offset;
      const take = available < remaining ? available : remaining;
      const chunk = (this.bytes[this.position >>> 3]! >>> (available - take)) & ((1 << take) - 1);
      result = result * (1 << take) + chunk;
      remaining -= take;
      this.position += take;
    }
    return result;
  }
}
