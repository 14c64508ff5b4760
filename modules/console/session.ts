// The console's line discipline, apart from any transport (UART today, telnet later): bytes typed by a user in,
// text for their terminal out. It edits one line at a time in a preallocated buffer, keeps a short history, asks the
// interpreter for completions and "?" help, and runs each finished line through the interpreter (types.ts).
//
// Keys (ProCurve/Cisco/readline conventions):
//   printable      insert at the cursor          Backspace (0x7f, 0x08)  delete before the cursor
//   Ctrl-A / Home  start of line                 Ctrl-E / End            end of line
//   Ctrl-B / Left  one left                      Ctrl-F / Right          one right
//   ESC b, Ctrl-Left   word left                 ESC f, Ctrl-Right       word right
//   Ctrl-D / Delete    delete under the cursor   Ctrl-K                  delete to the end of the line
//   ESC d              delete the word after the cursor
//   Ctrl-U         delete to the start of line   Ctrl-W                  delete the word before the cursor
//   Ctrl-P / Up    older history line            Ctrl-N / Down           newer history line (then what was typed)
//   Ctrl-C         abandon the line              Ctrl-L                  clear the screen, redraw
//   Tab            complete the word (second Tab lists the choices)
//   ?              help for what is before the cursor (not inserted; Ctrl-V ? inserts a literal "?")
//   CR, LF, CRLF   end the line (CRLF once)
// Escape sequences (ESC [ params final, ESC O x) are parsed by a bounded state machine: unknown ones and ones longer
// than 16 bytes are dropped with no effect (an overlong one up to its final byte); a control byte inside a sequence
// abandons it and acts on its own. ESC followed by any other printable byte is a two-byte (Alt/Meta) sequence that
// ends there: ESC b, ESC f and ESC d act, any other is dropped. Ctrl-C while a readSecret() line is typed starts that
// line over (the request stays: a login cannot be skipped); blank lines print a new prompt and run nothing.
// Other control bytes and bytes >= 0x80 are ignored (counted in stats.ignoredBytes).
//
// A line longer than LINE_CAP is never cut short and run: the characters past the cap are not inserted (one bell),
// and Enter refuses the whole line. Echo of a typed character writes a string from a frozen table (no allocation);
// an idle session holds no timers and allocates nothing.
import type { Clock } from "../clock";
import type { ConsoleIo, Interpreter } from "./types";

/** The longest line the console accepts (PLAN: 240 characters). */
export const LINE_CAP = 240;
export const DEFAULT_HISTORY_CAPACITY = 16;
export const MAX_HISTORY_CAPACITY = 64;
/** Bytes typed while a command runs (or holds the prompt) that are kept and processed after it. */
export const HELD_INPUT_CAPACITY = 1024;
/** An escape sequence longer than this (ESC included) is dropped. */
export const MAX_ESCAPE_BYTES = 16;
/** Completion candidates looked at, and listed, at most. */
const MAX_CANDIDATES = 128;
/** An escape sequence parameter is capped here (no unbounded number growth). */
const MAX_ESCAPE_PARAM = 9999;
const MAX_ERROR_MESSAGE = 200;

export const LINE_TOO_LONG_MESSAGE = `% Line too long (more than ${LINE_CAP} characters); nothing was done`;

/** The 95 printable ASCII characters as strings: echoing one allocates nothing. */
const PRINTABLE: readonly string[] = (() => {
  const table: string[] = [];
  for (let code = 0x20; code < 0x7f; code++) table.push(String.fromCharCode(code));
  return Object.freeze(table);
})();

const ESC_NONE = 0;
/** ESC seen. */
const ESC_START = 1;
/** ESC [ seen: parameters until a final byte. */
const ESC_CSI = 2;
/** ESC O seen: one more byte. */
const ESC_SS3 = 3;
/** Overlong sequence: drop bytes until its final byte. */
const ESC_SKIP = 4;

const BELL = "\x07";
const ERASE_TO_END = "\x1b[K";
const CRLF = "\r\n";
/** XS boxes a primitive string for each property access (.length, .charCodeAt: two heap slots); a saved reference
 *  to the intrinsic, called with .call, does not. The echo path uses it or no string property at all. */
const charCodeAt = String.prototype.charCodeAt;
/** Erasing the last character: back one, erase to the end of the line. */
const BACKSPACE_AT_END = "\b\x1b[K";

export interface ConsoleSessionOptions {
  interpreter: Interpreter;
  /** Text for the terminal (already with "\r\n" line ends). Called synchronously. */
  write: (text: string) => void;
  /** The board clock: stamps `lastInputMs`. */
  clock?: Clock;
  /** How `log(atMs, text)` shows a line (default "[seconds.millis] text"). */
  formatLog?: (atMs: number, text: string) => string;
  /** History lines kept (1..64, default 16). */
  historyCapacity?: number;
}

export interface ConsoleSessionStats {
  /** Bytes given to input(). */
  bytesIn: number;
  /** Control bytes without a meaning here and bytes >= 0x80: ignored. */
  ignoredBytes: number;
  /** Escape sequences dropped (unknown or overlong). */
  droppedSequences: number;
  /** Lines handed to the interpreter (or to a readSecret callback). */
  lines: number;
  /** Lines refused as too long. */
  refusedLines: number;
  /** Exceptions caught from the interpreter (or the session's own writer). */
  internalErrors: number;
  /** Bytes typed while a command ran that did not fit HELD_INPUT_CAPACITY. */
  heldInputDropped: number;
}

export function defaultLogFormat(atMs: number, text: string): string {
  return "[" + (atMs / 1000).toFixed(3) + "] " + text;
}

export class ConsoleSession {
  readonly stats: ConsoleSessionStats = {
    bytesIn: 0,
    ignoredBytes: 0,
    droppedSequences: 0,
    lines: 0,
    refusedLines: 0,
    internalErrors: 0,
    heldInputDropped: 0,
  };
  readonly #interpreter: Interpreter;
  readonly #out: (text: string) => void;
  readonly #clock: Clock | undefined;
  readonly #formatLog: (atMs: number, text: string) => string;
  readonly #io: ConsoleIo;

  // the line being edited
  readonly #line = new Uint8Array(LINE_CAP);
  #length = 0;
  #cursor = 0;
  /** Characters were typed past the cap: Enter refuses this line. */
  #overflow = false;
  #bellRung = false;

  // input state
  #lastWasCr = false;
  #lastWasTab = false;
  #quoteNext = false;
  #escState = ESC_NONE;
  #escBytes = 0;
  #escParam0 = 0;
  #escParam1 = 0;
  #escParamIndex = 0;
  #escUnknown = false;

  // history: a ring of the last lines run, newest at #historyNext - 1
  readonly #history: string[];
  #historyNext = 0;
  #historyCount = 0;
  /** -1: not browsing; else how many lines back from the newest. */
  #browse = -1;
  /** What was typed before browsing began. */
  #draft = "";

  // command state
  #started = false;
  /** Inside interpreter.start/execute or a readSecret callback. */
  #busy = false;
  /** Outstanding io.hold() calls. */
  #holds = 0;
  /** Bumped when holds are forcibly ended (a command threw): stale release functions do nothing. */
  #holdEpoch = 0;
  /** The prompt and the line are on the screen and keys edit them. */
  #promptShown = false;
  #secretPrompt = "";
  #secretCallback: ((secret: string) => void) | undefined = undefined;
  #atLineStart = true;
  #lastInputMs = 0;

  // input typed while busy or held
  readonly #held = new Uint8Array(HELD_INPUT_CAPACITY);
  #heldHead = 0;
  #heldCount = 0;
  #draining = false;
  #reportedHeldDrops = 0;

  constructor(options: ConsoleSessionOptions) {
    if (!options || typeof options !== "object") throw new TypeError("console session options required");
    const { interpreter, write } = options;
    if (!interpreter || typeof interpreter.execute !== "function") throw new TypeError("console session: an interpreter is required");
    if (typeof write !== "function") throw new TypeError("console session: a write function is required");
    const capacity = options.historyCapacity ?? DEFAULT_HISTORY_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_HISTORY_CAPACITY)
      throw new RangeError(`console session: historyCapacity must be 1..${MAX_HISTORY_CAPACITY}, not ${String(capacity)}`);
    this.#interpreter = interpreter;
    this.#out = write;
    this.#clock = options.clock;
    this.#formatLog = options.formatLog ?? defaultLogFormat;
    this.#history = new Array<string>(capacity).fill("");
    this.#io = Object.freeze({
      write: (text: string) => this.#commandWrite(text),
      readSecret: (prompt: string, onLine: (secret: string) => void) => this.#readSecret(prompt, onLine),
      hold: () => this.#hold(),
    });
  }

  // ---- public surface ----

  /** Attaches the interpreter (banner, login) and prints the first prompt. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#busy = true;
    try {
      this.#interpreter.start(this.#io);
    } catch (error) {
      this.#failed(error);
    } finally {
      this.#busy = false;
    }
    this.#afterCommand();
  }

  /** Bytes typed by the user. Never throws. */
  input(bytes: Uint8Array | ArrayBuffer, count?: number): void {
    try {
      const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
      let n = view.length;
      if (count !== undefined && count >= 0 && count < n) n = count | 0;
      this.stats.bytesIn += n;
      if (this.#clock) this.#lastInputMs = this.#clock.now();
      for (let i = 0; i < n; i++) this.#accept(view[i]);
      this.#drain();
    } catch {
      // not bytes, or a writer that failed outside a command: counted, never thrown at the transport
      this.stats.internalErrors++;
    }
  }

  /** One byte typed by the user. Never throws. */
  inputByte(byte: number): void {
    try {
      this.stats.bytesIn++;
      if (this.#clock) this.#lastInputMs = this.#clock.now();
      this.#accept(byte & 0xff);
      this.#drain();
    } catch {
      this.stats.internalErrors++;
    }
  }

  /** An asynchronous log line: the input line is erased, the log line printed, prompt and input redrawn. */
  log(atMs: number, text: string): void {
    try {
      this.#asyncOutput(this.#formatLog(atMs, text) + "\n");
    } catch (error) {
      this.stats.internalErrors++;
    }
  }

  /** The line being edited (allocates: for tests and diagnostics). */
  get line(): string {
    return this.#text(0, this.#length);
  }

  get lineLength(): number {
    return this.#length;
  }

  get cursor(): number {
    return this.#cursor;
  }

  /** A command is running or holds the prompt. */
  get busy(): boolean {
    return this.#busy || this.#holds > 0;
  }

  /** A readSecret() is waiting for its line. */
  get secretPending(): boolean {
    return this.#secretCallback !== undefined;
  }

  get historyLength(): number {
    return this.#historyCount;
  }

  /** Bytes typed while busy, waiting to be processed. */
  get heldInput(): number {
    return this.#heldCount;
  }

  /** Clock time of the last input (0 without a clock). */
  get lastInputMs(): number {
    return this.#lastInputMs;
  }

  // ---- input routing ----

  #accept(byte: number): void {
    if (this.#heldCount > 0 && !this.#busy && this.#holds === 0) this.#drain();
    if (this.#busy || this.#holds > 0 || this.#heldCount > 0) {
      this.#enqueue(byte);
      return;
    }
    this.#safeByte(byte);
  }

  #enqueue(byte: number): void {
    if (this.#heldCount >= HELD_INPUT_CAPACITY) {
      this.stats.heldInputDropped++;
      return;
    }
    this.#held[(this.#heldHead + this.#heldCount) % HELD_INPUT_CAPACITY] = byte;
    this.#heldCount++;
  }

  /** Processes input kept while a command ran, until it is used up or a command holds again. */
  #drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let guard = 0; guard < 2 * HELD_INPUT_CAPACITY && this.#heldCount > 0 && !this.#busy && this.#holds === 0; guard++) {
        const byte = this.#held[this.#heldHead];
        this.#heldHead = (this.#heldHead + 1) % HELD_INPUT_CAPACITY;
        this.#heldCount--;
        this.#safeByte(byte);
      }
      if (this.stats.heldInputDropped > 0 && this.#heldCount === 0 && !this.#busy && this.#holds === 0) this.#reportHeldDrops();
    } finally {
      this.#draining = false;
    }
  }

  #reportHeldDrops(): void {
    const dropped = this.stats.heldInputDropped - this.#reportedHeldDrops;
    if (dropped <= 0) return;
    this.#reportedHeldDrops = this.stats.heldInputDropped;
    this.#asyncOutput(`% ${dropped} typed characters were dropped while a command ran\n`);
  }

  #safeByte(byte: number): void {
    try {
      this.#byte(byte);
    } catch (error) {
      this.#failed(error);
    }
  }

  #byte(byte: number): void {
    const wasCr = this.#lastWasCr;
    this.#lastWasCr = byte === 0x0d;
    if (byte === 0x0a && wasCr) return; // CRLF ends one line
    if (byte >= 0x80) {
      this.stats.ignoredBytes++;
      return;
    }
    if (this.#escState !== ESC_NONE) {
      if (byte >= 0x20 && byte < 0x7f) {
        this.#escapeByte(byte);
        return;
      }
      // a control byte inside a sequence abandons it and then acts on its own
      this.#escState = ESC_NONE;
      this.stats.droppedSequences++;
    }
    const tab = byte === 0x09;
    const lastWasTab = this.#lastWasTab;
    this.#lastWasTab = tab;
    if (this.#quoteNext) {
      this.#quoteNext = false;
      if (byte >= 0x20 && byte < 0x7f) this.#insert(byte);
      else this.stats.ignoredBytes++;
      return;
    }
    if (this.#secretCallback !== undefined) {
      this.#secretByte(byte);
      return;
    }
    switch (byte) {
      case 0x01: return this.#moveTo(0);
      case 0x02: return this.#moveTo(this.#cursor - 1);
      case 0x03: return this.#abandonLine();
      case 0x04: return this.#deleteForward();
      case 0x05: return this.#moveTo(this.#length);
      case 0x06: return this.#moveTo(this.#cursor + 1);
      case 0x08:
      case 0x7f: return this.#backspace();
      case 0x09: return this.#complete(lastWasTab);
      case 0x0a:
      case 0x0d: return this.#enter();
      case 0x0b: return this.#killToEnd();
      case 0x0c: return this.#clearScreen();
      case 0x0e: return this.#historyNewer();
      case 0x10: return this.#historyOlder();
      case 0x15: return this.#deleteRange(0, this.#cursor);
      case 0x16:
        this.#quoteNext = true;
        return;
      case 0x17: return this.#deleteRange(this.#wordStartBefore(this.#cursor), this.#cursor);
      case 0x1b: return this.#escapeStart();
      case 0x3f: return this.#help();
      default:
        if (byte < 0x20) this.stats.ignoredBytes++;
        else this.#insert(byte);
    }
  }

  /** While a readSecret() line is typed: nothing is echoed, and only typing, erasing and Enter work. */
  #secretByte(byte: number): void {
    if (byte >= 0x20 && byte < 0x7f) {
      if (this.#length >= LINE_CAP) {
        this.#refuseOverflow();
        return;
      }
      this.#line[this.#length++] = byte;
      this.#cursor = this.#length;
      return;
    }
    switch (byte) {
      case 0x08:
      case 0x7f:
        if (this.#length > 0) this.#cursor = --this.#length;
        if (this.#length === 0) this.#overflow = false;
        return;
      case 0x15:
      case 0x17:
        this.#clearLine();
        return;
      case 0x03:
        // Ctrl-C starts the secret over; the request stays (a login cannot be skipped this way)
        this.#write("^C" + CRLF);
        this.#clearLine();
        this.#showPrompt();
        return;
      case 0x0a:
      case 0x0d:
        this.#enter();
        return;
      case 0x1b:
        this.#escapeStart();
        return;
      default:
        this.stats.ignoredBytes++;
    }
  }

  // ---- escape sequences ----

  #escapeStart(): void {
    this.#escState = ESC_START;
    this.#escBytes = 1;
    this.#escParam0 = 0;
    this.#escParam1 = 0;
    this.#escParamIndex = 0;
    this.#escUnknown = false;
  }

  /** A byte 0x20..0x7e inside an escape sequence. */
  #escapeByte(byte: number): void {
    this.#escBytes++;
    const final = byte >= 0x40;
    switch (this.#escState) {
      case ESC_START:
        if (byte === 0x5b) {
          this.#escState = ESC_CSI;
          return;
        }
        if (byte === 0x4f) {
          this.#escState = ESC_SS3;
          return;
        }
        // ESC + printable byte: a two-byte (meta) sequence; it ends here
        this.#escState = ESC_NONE;
        if (this.#secretCallback !== undefined) return;
        if (byte === 0x62) this.#moveTo(this.#wordStartBefore(this.#cursor));
        else if (byte === 0x66) this.#moveTo(this.#wordEndAfter(this.#cursor));
        else if (byte === 0x64) this.#deleteRange(this.#cursor, this.#wordEndAfter(this.#cursor));
        else this.stats.droppedSequences++;
        return;
      case ESC_SS3:
        this.#escState = ESC_NONE;
        this.#functionKey(byte, 0, 0);
        return;
      case ESC_CSI:
        if (this.#escBytes > MAX_ESCAPE_BYTES) {
          this.stats.droppedSequences++;
          this.#escState = final ? ESC_NONE : ESC_SKIP;
          return;
        }
        if (byte >= 0x30 && byte <= 0x39) {
          const digit = byte - 0x30;
          if (this.#escParamIndex === 0) this.#escParam0 = Math.min(MAX_ESCAPE_PARAM, this.#escParam0 * 10 + digit);
          else if (this.#escParamIndex === 1) this.#escParam1 = Math.min(MAX_ESCAPE_PARAM, this.#escParam1 * 10 + digit);
          return;
        }
        if (byte === 0x3b) {
          if (this.#escParamIndex < 2) this.#escParamIndex++;
          return;
        }
        if (!final) {
          // private markers (< = > ?), ':' and intermediate bytes: not a key this console knows
          this.#escUnknown = true;
          return;
        }
        this.#escState = ESC_NONE;
        if (this.#escUnknown) this.stats.droppedSequences++;
        else this.#functionKey(byte, this.#escParam0, this.#escParam1);
        return;
      default: // ESC_SKIP
        if (final) this.#escState = ESC_NONE;
    }
  }

  /** The final byte of ESC [ ... or ESC O: arrows, Home, End, Delete. */
  #functionKey(final: number, param0: number, param1: number): void {
    if (this.#secretCallback !== undefined) return;
    const control = param1 === 5; // xterm's Ctrl modifier: ESC [ 1 ; 5 C
    switch (final) {
      case 0x41: return this.#historyOlder(); // A up
      case 0x42: return this.#historyNewer(); // B down
      case 0x43: return this.#moveTo(control ? this.#wordEndAfter(this.#cursor) : this.#cursor + 1); // C right
      case 0x44: return this.#moveTo(control ? this.#wordStartBefore(this.#cursor) : this.#cursor - 1); // D left
      case 0x48: return this.#moveTo(0); // H home
      case 0x46: return this.#moveTo(this.#length); // F end
      case 0x7e: // ~ (vt220 editing keys)
        if (param0 === 1 || param0 === 7) return this.#moveTo(0);
        if (param0 === 4 || param0 === 8) return this.#moveTo(this.#length);
        if (param0 === 3) return this.#deleteForward();
        break;
    }
    this.stats.droppedSequences++;
  }

  // ---- editing ----

  #insert(byte: number): void {
    if (this.#length >= LINE_CAP) {
      this.#refuseOverflow();
      return;
    }
    const cursor = this.#cursor;
    if (cursor === this.#length) {
      this.#line[cursor] = byte;
      this.#length = this.#cursor = cursor + 1;
      if (this.#secretCallback === undefined) this.#echo(PRINTABLE[byte - 0x20]);
      return;
    }
    this.#line.copyWithin(cursor + 1, cursor, this.#length);
    this.#line[cursor] = byte;
    this.#length++;
    this.#cursor = cursor + 1;
    this.#redrawFrom(cursor, cursor);
  }

  #refuseOverflow(): void {
    this.#overflow = true;
    if (this.#bellRung) return;
    this.#bellRung = true;
    this.#write(BELL);
  }

  #backspace(): void {
    const cursor = this.#cursor;
    if (cursor === 0) return;
    if (cursor === this.#length) {
      this.#length = this.#cursor = cursor - 1;
      this.#echo(BACKSPACE_AT_END);
      if (this.#length === 0) this.#overflow = this.#bellRung = false;
      return;
    }
    this.#deleteRange(cursor - 1, cursor);
  }

  #deleteForward(): void {
    if (this.#cursor < this.#length) this.#deleteRange(this.#cursor, this.#cursor + 1);
  }

  #killToEnd(): void {
    if (this.#cursor === this.#length) return;
    this.#length = this.#cursor;
    this.#write(ERASE_TO_END);
    if (this.#length === 0) this.#overflow = this.#bellRung = false;
  }

  /** Deletes [start, end) and leaves the cursor at `start`. */
  #deleteRange(start: number, end: number): void {
    if (end <= start) return;
    const oldCursor = this.#cursor;
    this.#line.copyWithin(start, end, this.#length);
    this.#length -= end - start;
    this.#cursor = start;
    if (this.#length === 0) this.#overflow = this.#bellRung = false;
    this.#redrawFrom(start, oldCursor);
  }

  /** Replaces [start, end) with `text` (printable ASCII), cursor after it. False (and a bell) if it would not fit. */
  #replaceRange(start: number, end: number, text: string): boolean {
    const newLength = this.#length - (end - start) + text.length;
    if (newLength > LINE_CAP) {
      this.#write(BELL);
      return false;
    }
    const oldCursor = this.#cursor;
    const line = this.#line;
    line.copyWithin(start + text.length, end, this.#length);
    for (let i = 0; i < text.length; i++) line[start + i] = text.charCodeAt(i);
    this.#length = newLength;
    this.#cursor = start + text.length;
    this.#redrawFrom(start, oldCursor);
    return true;
  }

  #moveTo(position: number): void {
    if (position < 0 || position > this.#length || position === this.#cursor) return;
    if (position === this.#cursor - 1) {
      this.#echo("\b");
    } else if (position < this.#cursor) {
      this.#write(this.#back(this.#cursor - position));
    } else if (position === this.#cursor + 1) {
      this.#echo(PRINTABLE[this.#line[this.#cursor] - 0x20]);
    } else {
      this.#write(this.#text(this.#cursor, position));
    }
    this.#cursor = position;
  }

  /** Moves the terminal's cursor past the end of the line (output follows it), keeping the line's cursor. */
  #leaveLine(): void {
    const cursor = this.#cursor;
    this.#moveTo(this.#length);
    this.#cursor = cursor;
  }

  #wordStartBefore(position: number): number {
    const line = this.#line;
    let at = position;
    while (at > 0 && line[at - 1] === 0x20) at--;
    while (at > 0 && line[at - 1] !== 0x20) at--;
    return at;
  }

  #wordEndAfter(position: number): number {
    const line = this.#line;
    const length = this.#length;
    let at = position;
    while (at < length && line[at] === 0x20) at++;
    while (at < length && line[at] !== 0x20) at++;
    return at;
  }

  #clearLine(): void {
    this.#length = this.#cursor = 0;
    this.#overflow = this.#bellRung = false;
    this.#browse = -1;
    this.#draft = "";
  }

  #abandonLine(): void {
    this.#moveTo(this.#length);
    this.#write("^C" + CRLF);
    this.#clearLine();
    this.#showPrompt();
  }

  #clearScreen(): void {
    this.#write("\x1b[H\x1b[2J");
    this.#atLineStart = true;
    this.#showPrompt();
  }

  // ---- history ----

  #remember(text: string): void {
    const capacity = this.#history.length;
    if (this.#historyCount > 0 && this.#history[(this.#historyNext - 1 + capacity) % capacity] === text) return;
    this.#history[this.#historyNext] = text;
    this.#historyNext = (this.#historyNext + 1) % capacity;
    if (this.#historyCount < capacity) this.#historyCount++;
  }

  #historyEntry(back: number): string {
    const capacity = this.#history.length;
    return this.#history[(this.#historyNext - 1 - back + 2 * capacity) % capacity];
  }

  #historyOlder(): void {
    if (this.#browse + 1 >= this.#historyCount) return;
    if (this.#browse < 0) this.#draft = this.#text(0, this.#length);
    this.#browse++;
    this.#setLine(this.#historyEntry(this.#browse));
  }

  #historyNewer(): void {
    if (this.#browse < 0) return;
    this.#browse--;
    if (this.#browse >= 0) {
      this.#setLine(this.#historyEntry(this.#browse));
      return;
    }
    const draft = this.#draft;
    this.#draft = "";
    this.#setLine(draft);
  }

  #setLine(text: string): void {
    const oldCursor = this.#cursor;
    const line = this.#line;
    let length = 0;
    for (let i = 0; i < text.length && length < LINE_CAP; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x20 && code < 0x7f) line[length++] = code;
    }
    this.#length = this.#cursor = length;
    this.#overflow = this.#bellRung = false;
    this.#redrawFrom(0, oldCursor);
  }

  // ---- completion and help ----

  #complete(secondTab: boolean): void {
    const cursor = this.#cursor;
    const before = this.#text(0, cursor);
    let found: unknown;
    try {
      found = this.#interpreter.complete(before);
    } catch (error) {
      this.#failedWhileEditing(error);
      return;
    }
    const candidates = validCandidates(found);
    if (candidates.length === 0) {
      this.#write(BELL);
      return;
    }
    let wordStart = cursor;
    while (wordStart > 0 && this.#line[wordStart - 1] !== 0x20) wordStart--;
    const partialLength = cursor - wordStart;
    if (candidates.length === 1) {
      const next = cursor < this.#length ? this.#line[cursor] : -1;
      this.#replaceRange(wordStart, cursor, next === 0x20 ? candidates[0] : candidates[0] + " ");
      return;
    }
    const prefix = commonPrefix(candidates);
    if (prefix.length > partialLength && prefix !== this.#text(wordStart, cursor)) {
      this.#replaceRange(wordStart, cursor, prefix);
      return;
    }
    if (!secondTab) {
      this.#write(BELL);
      return;
    }
    this.#leaveLine();
    this.#write(CRLF + candidates.join("  ") + CRLF);
    this.#showPrompt();
  }

  #help(): void {
    const before = this.#text(0, this.#cursor);
    this.#leaveLine();
    this.#write("?" + CRLF);
    let text: unknown;
    try {
      text = this.#interpreter.help(before);
    } catch (error) {
      this.#failed(error);
      this.#showPrompt();
      return;
    }
    if (typeof text === "string" && text.length > 0) this.#writeText(text);
    if (!this.#atLineStart) this.#write(CRLF);
    this.#showPrompt();
  }

  // ---- lines and commands ----

  #enter(): void {
    this.#moveTo(this.#length);
    this.#write(CRLF);
    const secret = this.#secretCallback;
    if (this.#overflow) {
      this.stats.refusedLines++;
      this.#clearLine();
      this.#write(LINE_TOO_LONG_MESSAGE + CRLF);
      this.#showPrompt();
      return;
    }
    const text = this.#text(0, this.#length);
    this.#clearLine();
    this.#promptShown = false;
    if (secret !== undefined) {
      this.#secretCallback = undefined;
      this.#secretPrompt = "";
      this.stats.lines++;
      this.#run(secret, text);
      return;
    }
    if (isBlank(text)) {
      this.#showPrompt();
      return;
    }
    this.#remember(text);
    this.stats.lines++;
    this.#run(undefined, text);
  }

  /** Runs a line: a readSecret callback's, or the interpreter's. The prompt follows unless the command holds it. */
  #run(secret: ((secret: string) => void) | undefined, text: string): void {
    this.#busy = true;
    try {
      if (secret !== undefined) secret(text);
      else this.#interpreter.execute(text, this.#io);
    } catch (error) {
      this.#holds = 0;
      this.#holdEpoch++;
      this.#failed(error);
    } finally {
      this.#busy = false;
    }
    this.#afterCommand();
  }

  #afterCommand(): void {
    if (this.#holds > 0) return;
    this.#showPrompt();
  }

  #hold(): () => void {
    this.#holds++;
    const epoch = this.#holdEpoch;
    let released = false;
    return () => {
      if (released || epoch !== this.#holdEpoch) return;
      released = true;
      if (this.#holds > 0) this.#holds--;
      if (this.#holds > 0 || this.#busy) return;
      try {
        this.#showPrompt();
        this.#drain();
      } catch (error) {
        this.stats.internalErrors++;
      }
    };
  }

  #readSecret(prompt: string, onLine: (secret: string) => void): void {
    if (typeof onLine !== "function") return;
    this.#secretPrompt = typeof prompt === "string" ? prompt : "Password: ";
    this.#secretCallback = onLine;
    if (!this.#busy && this.#holds === 0 && this.#promptShown) {
      // asked outside a command: the line being typed gives way to the secret's prompt
      this.#write("\r" + ERASE_TO_END);
      this.#clearLine();
      this.#atLineStart = true;
      this.#showPrompt();
    }
  }

  // ---- output ----

  /** Prompt (or the secret's prompt) and the line, with the terminal's cursor where the line's cursor is. */
  #showPrompt(): void {
    if (!this.#atLineStart) this.#write(CRLF);
    if (this.#secretCallback !== undefined) {
      this.#write(this.#secretPrompt);
    } else {
      this.#write(this.#promptText());
      if (this.#length > 0) {
        this.#write(this.#text(0, this.#length));
        if (this.#cursor < this.#length) this.#write(this.#back(this.#length - this.#cursor));
      }
    }
    this.#promptShown = true;
  }

  #promptText(): string {
    try {
      const prompt = this.#interpreter.prompt();
      return typeof prompt === "string" ? prompt : "# ";
    } catch (error) {
      this.stats.internalErrors++;
      return "# ";
    }
  }

  /** The screen shows the old line with the terminal's cursor at `oldCursor`; the buffer changed from `start` on. */
  #redrawFrom(start: number, oldCursor: number): void {
    if (this.#secretCallback !== undefined) return;
    let text = oldCursor > start ? this.#back(oldCursor - start) : "";
    if (start < this.#length) text += this.#text(start, this.#length);
    text += ERASE_TO_END;
    if (this.#cursor < this.#length) text += this.#back(this.#length - this.#cursor);
    this.#write(text);
  }

  /** Output from a command (io.write). Outside a command it is asynchronous output and redraws the line. */
  #commandWrite(text: string): void {
    const value = typeof text === "string" ? text : String(text);
    if (value.length === 0) return;
    if (this.#busy || this.#holds > 0 || !this.#promptShown) this.#writeText(value);
    else this.#asyncOutput(value);
  }

  #asyncOutput(text: string): void {
    if (!this.#promptShown || this.#busy || this.#holds > 0) {
      if (!this.#atLineStart) this.#write(CRLF);
      this.#writeText(text);
      if (!this.#atLineStart) this.#write(CRLF);
      return;
    }
    this.#write("\r" + ERASE_TO_END);
    this.#atLineStart = true;
    this.#writeText(text);
    if (!this.#atLineStart) this.#write(CRLF);
    this.#showPrompt();
  }

  /** Text with "\n" line ends, written with "\r\n". */
  #writeText(text: string): void {
    this.#write(text.indexOf("\n") < 0 ? text : text.replace(/\r?\n/g, CRLF));
  }

  #write(text: string): void {
    if (text.length === 0) return;
    this.#atLineStart = charCodeAt.call(text, text.length - 1) === 0x0a;
    this.#out(text);
  }

  /** The per-keystroke path: `text` is one of the constant strings that do not end a line. Allocates nothing. */
  #echo(text: string): void {
    this.#atLineStart = false;
    this.#out(text);
  }

  #back(count: number): string {
    if (count <= 0) return "";
    if (count === 1) return "\b";
    return "\x1b[" + count + "D";
  }

  #text(start: number, end: number): string {
    if (end <= start) return "";
    return String.fromCharCode.apply(null, this.#line.subarray(start, end) as unknown as number[]);
  }

  // ---- errors ----

  /** An exception from the interpreter or a callback: reported, and the session goes on. */
  #failed(error: unknown): void {
    this.stats.internalErrors++;
    let message: string;
    try {
      message = error instanceof Error ? error.message : String(error);
    } catch {
      message = "unknown error";
    }
    if (typeof message !== "string") message = "unknown error";
    if (message.length > MAX_ERROR_MESSAGE) message = message.slice(0, MAX_ERROR_MESSAGE) + "...";
    try {
      if (!this.#atLineStart) this.#write(CRLF);
      this.#writeText("% Internal error: " + message + "\n");
    } catch {
      // the transport itself failed: nothing more can be said
    }
  }

  #failedWhileEditing(error: unknown): void {
    this.#leaveLine();
    this.#failed(error);
    this.#showPrompt();
  }
}

/** Strings of printable ASCII only, at most MAX_CANDIDATES of them. */
function validCandidates(found: unknown): string[] {
  const out: string[] = [];
  if (!Array.isArray(found)) return out;
  const count = Math.min(found.length, MAX_CANDIDATES);
  for (let i = 0; i < count; i++) {
    const candidate: unknown = found[i];
    if (typeof candidate !== "string" || candidate.length === 0 || candidate.length > LINE_CAP) continue;
    let printable = true;
    for (let j = 0; j < candidate.length && printable; j++) {
      const code = candidate.charCodeAt(j);
      printable = code > 0x20 && code < 0x7f;
    }
    if (printable && out.indexOf(candidate) < 0) out.push(candidate);
  }
  return out;
}

function commonPrefix(words: readonly string[]): string {
  let length = words[0].length;
  for (let i = 1; i < words.length; i++) {
    const word = words[i];
    let same = 0;
    while (same < length && same < word.length && word.charCodeAt(same) === words[0].charCodeAt(same)) same++;
    length = same;
  }
  return words[0].slice(0, length);
}

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== 0x20) return false;
  return true;
}
