// The console password, kept only as a salted, iterated SHA-256 (FIPS 180-4) in plain TypeScript: XS has no crypto
// module the firmware can count on, and the Moddable `crypt` module is not in this manifest.
//
//   digest_1 = SHA-256(salt || password)
//   digest_i = SHA-256(digest_(i-1) || salt || password)      for i = 2..rounds
//
// The password text is UTF-8 encoded. The salt comes from the caller (random bytes). Hex fields, lower case.
// verifyPassword compares in constant time: every character is compared whatever the first difference.
import { InvalidArgumentError } from "../errors";
import { CONFIG_LIMITS, type PasswordHash } from "./schema";

export const DEFAULT_PASSWORD_ROUNDS = 256;

/** FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K: readonly number[] = Object.freeze([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** FIPS 180-4 §5.3.3: the initial hash value. */
const H0: readonly number[] = Object.freeze([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** Messages longer than this are refused (the length must fit the 53 bits a double holds exactly, times 8). */
const MAX_MESSAGE_BYTES = 0x1fffffffffff;

function compress(state: Uint32Array, block: Uint8Array, offset: number, w: Uint32Array): void {
  for (let t = 0; t < 16; t++) {
    const i = offset + 4 * t;
    w[t] = ((block[i] << 24) | (block[i + 1] << 16) | (block[i + 2] << 8) | block[i + 3]) >>> 0;
  }
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15];
    const y = w[t - 2];
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (w[t - 16] + s0 + w[t - 7] + s1) >>> 0;
  }
  let a = state[0];
  let b = state[1];
  let c = state[2];
  let d = state[3];
  let e = state[4];
  let f = state[5];
  let g = state[6];
  let h = state[7];
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[t] + w[t]) >>> 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) >>> 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) >>> 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) >>> 0;
  }
  state[0] = (state[0] + a) >>> 0;
  state[1] = (state[1] + b) >>> 0;
  state[2] = (state[2] + c) >>> 0;
  state[3] = (state[3] + d) >>> 0;
  state[4] = (state[4] + e) >>> 0;
  state[5] = (state[5] + f) >>> 0;
  state[6] = (state[6] + g) >>> 0;
  state[7] = (state[7] + h) >>> 0;
}

/** SHA-256 of `bytes` (32 bytes). */
export function sha256(bytes: Uint8Array): Uint8Array {
  const length = bytes.length;
  if (length > MAX_MESSAGE_BYTES) throw new InvalidArgumentError("message too long for SHA-256 here");
  const state = new Uint32Array(H0);
  const w = new Uint32Array(64);
  const whole = length - (length % 64);
  for (let offset = 0; offset < whole; offset += 64) compress(state, bytes, offset, w);
  // Padding (FIPS 180-4 §5.1.1): 0x80, zeros, the bit length as 64 bits big-endian; one or two blocks.
  const tail = new Uint8Array(length % 64 < 56 ? 64 : 128);
  tail.set(bytes.subarray(whole));
  tail[length - whole] = 0x80;
  const bits = length * 8;
  const high = Math.floor(bits / 0x100000000);
  const low = bits >>> 0;
  const end = tail.length;
  tail[end - 8] = high >>> 24;
  tail[end - 7] = (high >>> 16) & 0xff;
  tail[end - 6] = (high >>> 8) & 0xff;
  tail[end - 5] = high & 0xff;
  tail[end - 4] = low >>> 24;
  tail[end - 3] = (low >>> 16) & 0xff;
  tail[end - 2] = (low >>> 8) & 0xff;
  tail[end - 1] = low & 0xff;
  for (let offset = 0; offset < end; offset += 64) compress(state, tail, offset, w);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) {
    const v = state[i];
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = (v >>> 16) & 0xff;
    out[4 * i + 2] = (v >>> 8) & 0xff;
    out[4 * i + 3] = v & 0xff;
  }
  return out;
}

export function toHex(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return text;
}

export function fromHex(text: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) throw new InvalidArgumentError(`"${text.slice(0, 20)}" is not hex bytes`);
  const bytes = new Uint8Array(text.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** UTF-8 bytes of `text` (XS has no TextEncoder); a lone surrogate becomes U+FFFD. */
export function utf8(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return new Uint8Array(out);
}

/**
 * The iterated hash, a few rounds at a time: on the ESP32 one round (two SHA-256 blocks) is a noticeable amount of XS
 * work and 256 of them would hold up everything else on the CPU (the link poll) for a long time, so a console can run
 * step() from a timer. hashPassword/verifyPassword run it to the end in one call.
 */
export class PasswordHasher {
  readonly rounds: number;
  readonly #input: Uint8Array;
  #digest: Uint8Array | undefined;
  #done = 0;

  constructor(text: string, salt: Uint8Array, rounds = DEFAULT_PASSWORD_ROUNDS) {
    if (!(salt instanceof Uint8Array) || salt.length < 1 || salt.length > CONFIG_LIMITS.maxSaltBytes)
      throw new InvalidArgumentError(`the salt must be 1..${CONFIG_LIMITS.maxSaltBytes} bytes`);
    if (!Number.isInteger(rounds) || rounds < CONFIG_LIMITS.minPasswordRounds || rounds > CONFIG_LIMITS.maxPasswordRounds)
      throw new InvalidArgumentError(`rounds must be ${CONFIG_LIMITS.minPasswordRounds}..${CONFIG_LIMITS.maxPasswordRounds}, not ${String(rounds)}`);
    const secret = utf8(String(text));
    const input = new Uint8Array(32 + salt.length + secret.length);
    input.set(salt, 32);
    input.set(secret, 32 + salt.length);
    this.#input = input;
    this.rounds = rounds;
  }

  /** Runs up to `maxRounds` rounds; true while rounds remain. */
  step(maxRounds = 4): boolean {
    const input = this.#input;
    for (let n = 0; n < maxRounds && this.#done < this.rounds; n++) {
      if (this.#digest) input.set(this.#digest, 0);
      this.#digest = sha256(this.#digest ? input : input.subarray(32));
      this.#done++;
    }
    return this.#done < this.rounds;
  }

  get done(): boolean {
    return this.#done >= this.rounds;
  }

  /** The digest, lower-case hex (runs the remaining rounds if any). */
  hex(): string {
    while (this.step(this.rounds));
    return toHex(this.#digest as Uint8Array);
  }

  /** The digest compared with `expected` (hex) in constant time (runs the remaining rounds if any). */
  matches(expected: string): boolean {
    return constantTimeEqual(this.hex(), String(expected).toLowerCase());
  }
}

/** Starts checking `text` against `hash` a few rounds per step(); undefined for a malformed hash (which never matches). */
export function beginVerifyPassword(text: string, hash: PasswordHash): PasswordHasher | undefined {
  if (!hash || hash.algorithm !== "sha256-iterated") return undefined;
  const rounds = hash.rounds;
  if (!Number.isInteger(rounds) || rounds < CONFIG_LIMITS.minPasswordRounds || rounds > CONFIG_LIMITS.maxPasswordRounds) return undefined;
  if (typeof hash.salt !== "string" || typeof hash.hash !== "string" || hash.salt.length < 2 || hash.salt.length > 2 * CONFIG_LIMITS.maxSaltBytes) return undefined;
  let salt: Uint8Array;
  try {
    salt = fromHex(hash.salt);
  } catch {
    return undefined;
  }
  return new PasswordHasher(text, salt, rounds);
}

/** A salted, iterated SHA-256 of `text` (rounds 1..65536, salt 1..64 bytes), in one call. */
export function hashPassword(text: string, salt: Uint8Array, rounds = DEFAULT_PASSWORD_ROUNDS): PasswordHash {
  const hasher = new PasswordHasher(text, salt, rounds);
  return { algorithm: "sha256-iterated", rounds, salt: toHex(salt), hash: hasher.hex() };
}

/** Equal strings, compared without stopping at the first difference. */
function constantTimeEqual(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) difference |= (i < a.length ? a.charCodeAt(i) : 0) ^ (i < b.length ? b.charCodeAt(i) : 0);
  return difference === 0;
}

/** Whether `text` is the password `hash` was made from, in one call. A malformed hash never matches. */
export function verifyPassword(text: string, hash: PasswordHash): boolean {
  const hasher = beginVerifyPassword(text, hash);
  return hasher ? hasher.matches(hash.hash) : false;
}
