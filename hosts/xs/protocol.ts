// The byte protocol between the firmware running on xsnap (XsSPI, hosts/xs/spi.ts) and the Node side
// (XsBoard, hosts/xs/board.ts), carried by xsnap's synchronous issueCommand(ArrayBuffer) -> ArrayBuffer.
// Shared by both sides, so plain TypeScript with no Node APIs.
//
// Request (XS -> Node), one reused buffer whose length only grows:
//   [0] op, OR DESELECT_FIRST   [1..2] payload length, little endian   [3..] payload
//   XsSPI defers flush(true) to the next request (DESELECT_FIRST) or to an explicit FLUSH_DESELECT at the end of a
//   command: SimSPI's flush takes no virtual time and answers nothing, so the model sees the same byte and
//   chip-select sequence at the same virtual times, in half the round trips.
// Reply (Node -> XS):
//   [0] status (OK or FAILED)   [1..8] the board's virtual time in ms, float64 little endian   [9..] payload
//   OK:     TRANSFER -> the bytes clocked in (same length as sent); other ops -> empty
//   FAILED: UTF-8 JSON {name, message, code?} of what the Node side threw; XsSPI rethrows it on XS
//
// Commands (Node -> XS handleCommand): [0..7] virtual time float64 LE, then UTF-8 JSON {scenario, args}.
// Their reply is UTF-8 JSON: {ok: true, result, log} or {ok: false, error: {name, code?, message, ...}, log}.

export const OP = Object.freeze({
  /** Full-duplex transfer of the payload; the reply carries the bytes clocked in. */
  TRANSFER: 1,
  /** flush(false): complete pending IO, keep chip select asserted. */
  FLUSH: 2,
  /** flush(true): complete pending IO and release chip select (ends the transaction). */
  FLUSH_DESELECT: 3,
  /** Timer.delay(ms) shim: payload is float64 LE milliseconds; the board advances its virtual clock. */
  DELAY: 4,
});

/** Set on a request's op byte: release chip select (flush(true)) before doing the op. */
export const DESELECT_FIRST = 0x80;

export const STATUS = Object.freeze({ OK: 0, FAILED: 1 });

export const REQUEST_HEADER = 3;
export const REPLY_HEADER = 9;
export const COMMAND_HEADER = 8;
