// Typed errors for the firmware. Every error carries a stable `code` a console or a test can match on,
// and a message a user can act on. Plain classes: they run unchanged on XS and on Node.

export type ErrorCode =
  | "spi-timeout"
  | "chip-id"
  | "dead-bus"
  | "arl-bucket-full"
  | "arl-busy"
  | "trunk-limit"
  | "invalid-argument"
  | "chip-error"
  | "config-version"
  | "storage";

/** Every ErrorCode, for code that receives a code as text (the xsnap host, a console client). */
export const ERROR_CODES: readonly ErrorCode[] = Object.freeze([
  "spi-timeout", "chip-id", "dead-bus", "arl-bucket-full", "arl-busy", "trunk-limit", "invalid-argument", "chip-error", "config-version", "storage",
] as ErrorCode[]);

export class OnemacError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = "OnemacError";
  }
}

/** The chip did not finish an operation (SPIF, RACK or a START/DONE bit) within the bounded poll. */
export class SpiTimeoutError extends OnemacError {
  constructor(message: string) {
    super("spi-timeout", message);
    this.name = "SpiTimeoutError";
  }
}

/** A chip answered, but it is not the chip this driver drives. */
export class ChipIdError extends OnemacError {
  readonly found: number;
  constructor(found: number, message: string) {
    super("chip-id", message);
    this.found = found;
    this.name = "ChipIdError";
  }
}

/** Every byte read back was 0x00 or every byte was 0xFF: nothing is driving MISO. */
export class DeadBusError extends OnemacError {
  constructor(message: string) {
    super("dead-bus", message);
    this.name = "DeadBusError";
  }
}

/** All bins of the hardware bucket a MAC hashes to hold other MACs. */
export class ArlBucketFullError extends OnemacError {
  constructor(message: string) {
    super("arl-bucket-full", message);
    this.name = "ArlBucketFullError";
  }
}

/** A request outside what the chip's trunking hardware can do (groups, members, IMP port). */
export class TrunkLimitError extends OnemacError {
  constructor(message: string) {
    super("trunk-limit", message);
    this.name = "TrunkLimitError";
  }
}

export class InvalidArgumentError extends OnemacError {
  constructor(message: string) {
    super("invalid-argument", message);
    this.name = "InvalidArgumentError";
  }
}
