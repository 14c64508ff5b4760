// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF: the zlib/PNG CRC; the
// check value of "123456789" is 0xCBF43926). Module constants must be frozen for the XS preloader and a filled typed
// array cannot be frozen, so the 256-entry table belongs to an instance and is computed on its first use.

const POLYNOMIAL = 0xedb88320;

export class Crc32 {
  #table: Uint32Array | undefined;

  #lookup(): Uint32Array {
    let table = this.#table;
    if (table) return table;
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? POLYNOMIAL ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
    this.#table = table;
    return table;
  }

  /** Builds the table now (it is otherwise built on first use), so later updates have even cost. */
  prepare(): void {
    this.#lookup();
  }

  /** Starts a running CRC (pass the result to update and finish). */
  begin(): number {
    return 0xffffffff;
  }

  /** Adds bytes[start, end) to a running CRC. */
  update(crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
    const table = this.#lookup();
    let c = crc >>> 0;
    for (let i = start; i < end; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    return c >>> 0;
  }

  /**
   * Copies text[start, end) (one byte per character: ASCII; the caller has checked) into `out` from index 0 and adds those bytes to a running
   * CRC, in one pass (a save encodes and checksums each chunk in one flash-write step).
   */
  updateText(crc: number, text: string, start: number, end: number, out: Uint8Array): number {
    const table = this.#lookup();
    let c = crc >>> 0;
    const count = end - start;
    for (let j = 0; j < count; j++) {
      const byte = text.charCodeAt(start + j);
      out[j] = byte;
      c = table[(c ^ byte) & 0xff] ^ (c >>> 8);
    }
    return c >>> 0;
  }

  /** The CRC value of a running CRC. */
  finish(crc: number): number {
    return (crc ^ 0xffffffff) >>> 0;
  }

  /** CRC-32 of bytes[start, end). */
  compute(bytes: Uint8Array, start = 0, end = bytes.length): number {
    return this.finish(this.update(this.begin(), bytes, start, end));
  }
}
