// The firmware with its console, wired as main.ts wires it, for scenarios that run on xsnap and on Node alike
// (hosts/xs/scenarios.ts): Firmware with a flash (MemoryStorage), a ConsoleSession with createInterpreter (a fixed
// random() for password salts), a UartConsole on a serial stand-in (WireSerial), the firmware's log listener feeding
// the session. What differs from main.ts: no Timer (the scenario drives the 10 ms link poll, as ScenarioRunner.runBoard
// does), and the wire: typed bytes arrive through the UART's onReadable, and after each step the wire takes what the
// UART has queued (onWritable until nothing is pending) — the FIFO drains between steps, never inside a command.
// Plain TypeScript over the firmware's modules: no Node APIs.
import { createInterpreter } from "../../modules/console/interpreter";
import { ConsoleSession } from "../../modules/console/session";
import { UartConsole, UART_FIFO_BYTES, type SerialConstructorOptions } from "../../modules/console/uart";
import { Crc32 } from "../../modules/config/crc32";
import { configsEqual, type SwitchConfig } from "../../modules/config/schema";
import { InvalidArgumentError } from "../../modules/errors";
import { Firmware } from "../../modules/firmware";
import { SeededRandom } from "../sim/network/macs";
import { MemoryStorage, type StoredEntry } from "./memory-storage";
import type { ScenarioHost } from "./scenarios";

/** The console's serial line: what the firmware writes is captured (or only counted); typed bytes wait for read(). */
class WireSerial {
  readonly onReadable: (count: number) => void;
  readonly onWritable: (count: number) => void;
  #pending: Uint8Array | undefined;
  #pendingLength = 0;
  closed = false;

  constructor(
    options: SerialConstructorOptions,
    readonly wire: Wire,
  ) {
    this.onReadable = options.onReadable;
    this.onWritable = options.onWritable;
  }

  /** Bytes arrive from the terminal: the UART reads them (all at once, as a read after a burst would). */
  receive(bytes: Uint8Array, length: number): void {
    this.#pending = bytes;
    this.#pendingLength = length;
    this.onReadable(length);
    this.#pending = undefined;
  }

  read(): ArrayBuffer | undefined {
    const pending = this.#pending;
    if (!pending || this.#pendingLength === 0) return undefined;
    // ECMA-419 Serial in "buffer" format returns a new ArrayBuffer per read, as the ESP32 port does.
    const buffer = (pending.buffer as ArrayBuffer).slice(pending.byteOffset, pending.byteOffset + this.#pendingLength);
    this.#pendingLength = 0;
    return buffer;
  }

  write(data: Uint8Array): void {
    if (this.closed) throw new Error("serial port closed");
    this.wire.take(data);
  }

  close(): void {
    this.closed = true;
  }
}

/** The terminal end of the wire. */
class Wire {
  /** Capture the text (lockstep tests) or only count bytes (memory measurements: nothing allocated here). */
  capture = true;
  bytes = 0;
  #buffer = new Uint8Array(4096);
  #length = 0;

  take(data: Uint8Array): void {
    this.bytes += data.length;
    if (!this.capture) return;
    if (this.#length + data.length > this.#buffer.length) {
      const grown = new Uint8Array(2 * (this.#length + data.length));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(data, this.#length);
    this.#length += data.length;
  }

  /** What arrived since the last call. */
  drain(): string {
    let text = "";
    for (let at = 0; at < this.#length; at += 1024) {
      const piece = this.#buffer.subarray(at, Math.min(at + 1024, this.#length));
      text += String.fromCharCode.apply(null, piece as unknown as number[]);
    }
    this.#length = 0;
    return text;
  }
}

/** Deterministic salt bytes, so a password set on XS and on Node hashes the same. */
function fixedRandom(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) & 0xff;
}

/**
 * What boot() builds (memory breakdown): the firmware alone; with the interpreter; with the session writing nowhere;
 * everything as main.ts (the UART too).
 */
export type BootParts = "firmware" | "interpreter" | "session" | "all";

export interface ConsoleState {
  running: SwitchConfig;
  startup: { source: string; sequence: number; messages: string[]; config: SwitchConfig | null };
  storage: StoredEntry[];
  storageWrites: number;
  session: Record<string, number>;
  uart: { bytesIn: number; bytesOut: number; dropped: number; pending: number };
  reloads: number;
  busy: boolean;
}

export interface HostileSummary {
  lines: number;
  /** Lines whose output has an error line ("% ..." at the start of a line). */
  errors: number;
  /** The first line without one (for the failure message). */
  firstMiss: string | null;
  runningUnchanged: boolean;
  /** The first line after which the running config differed from before (for the failure message). */
  firstChange: string | null;
  storageWrites: number;
  outputBytes: number;
  /** CRC-32 of every byte the console wrote. */
  outputCrc: number;
}

/** Printable ASCII without "?" (help, not a character) and "!" (a comment line), then bytes the session ignores. */
const HOSTILE_ALPHABET: readonly number[] = Object.freeze(
  (() => {
    const codes: number[] = [];
    for (let c = 0x20; c < 0x7f; c++) if (c !== 0x3f && c !== 0x21) codes.push(c);
    codes.push(0x00, 0x07, 0x0f, 0x11, 0x12, 0x13, 0x14, 0x18, 0x19, 0x1a, 0x1c, 0x1d, 0x1e, 0x1f, 0x80, 0x9b, 0xc3, 0xff);
    return codes;
  })(),
);

/** Not MACs at all. */
const BAD_MACS: readonly string[] = Object.freeze([
  "0g:11:22:33:44:55",
  "00:11:22:33:44",
  "00:11:22:33:44:55:66",
  "001122334455667788",
  "00-11-22-33-44-5",
  "::::::",
  "00:11:22:33:44:555",
]);

const FIXED_BAD_LINES: readonly string[] = Object.freeze([
  "trunk 0-9 trk1",
  "trunk 3-1 trk1",
  "trunk 0,,1 trk1",
  "trunk - trk1",
  "trunk 0-1 trk9",
  "trunk 0-1 trk1 | json",
  "show trunks | json | json",
  "| json",
  "show | json",
  "write memory | json",
  "no trunk 7",
  "interface 5 disable",
  "interface 0-4,9 disable",
  "show interfaces 12",
  "show trunk distribution trk3",
  "mac-move threshold 0",
  "link-poll 0",
  "hostname 9lives",
  'interface 1 name "unterminated',
  "configure revert timer 5",
]);

function digits(random: SeededRandom, count: number): string {
  let out = String(1 + random.below(9));
  for (let i = 1; i < count; i++) out += String(random.below(10));
  return out;
}

/** One hostile line (without its Enter). Every kind is an error in config mode. */
function hostileLine(random: SeededRandom): string {
  switch (random.below(8)) {
    case 0: {
      // garbage, some of it bytes the session ignores, broken and unknown escape sequences
      let line = "zz";
      const length = random.below(60);
      for (let i = 0; i < length; i++) {
        const pick = random.below(40);
        if (pick === 0) line += "\x1b[" + digits(random, 1 + random.below(20)) + ";" + random.below(100) + "z";
        else if (pick === 1) line += "\x1bO";
        else line += String.fromCharCode(HOSTILE_ALPHABET[random.below(HOSTILE_ALPHABET.length)]);
      }
      return line;
    }
    case 1:
      return "show " + "x".repeat(236 + random.below(200)); // overlong: refused as a whole
    case 2: {
      const mac = BAD_MACS[random.below(BAD_MACS.length)];
      const forms = ["server-mac " + mac + " trk1", "show mac-address " + mac, "mac-move exempt " + mac, "no server-mac " + mac, "server-mac ff:ff:ff:ff:ff:ff trk1", "server-mac 01:00:5e:00:00:01 trk2"];
      return forms[random.below(forms.length)];
    }
    case 3: {
      const huge = digits(random, 12 + random.below(30));
      const forms = ["link-poll " + huge, "mac-move exempt vlan " + huge, "interface " + huge + " disable", "trunk trk1 index-bits " + huge, "show interfaces " + huge];
      return forms[random.below(forms.length)];
    }
    case 4:
      return FIXED_BAD_LINES[random.below(FIXED_BAD_LINES.length)];
    case 5:
      // a control character inside a keyword (ignored by the editor; the word is still wrong)
      return "shxw\x00 tr\x1cunks";
    case 6:
      return "show trunks " + "|".repeat(2 + random.below(3)) + " json";
    default:
      return "trunk " + random.below(10) + "-" + random.below(10) + " trk" + random.below(4) + " " + digits(random, 3);
  }
}

export class ConsoleRig {
  readonly #host: ScenarioHost;
  readonly storage = new MemoryStorage();
  readonly wire = new Wire();
  readonly #crc = new Crc32();
  #firmware: Firmware | undefined;
  #session: ConsoleSession | undefined;
  #uart: UartConsole | undefined;
  #serial: WireSerial | undefined;
  /** Reused for typed bytes (grows only). */
  #typed = new Uint8Array(256);
  readonly #one = new Uint8Array(1);
  #reloads = 0;
  /** Keeps a part alive that nothing else holds (memory breakdown). */
  #parked: unknown;

  constructor(host: ScenarioHost) {
    this.#host = host;
  }

  get firmware(): Firmware {
    if (!this.#firmware) throw new InvalidArgumentError("no console board: run console-boot first");
    return this.#firmware;
  }

  get session(): ConsoleSession {
    if (!this.#session) throw new InvalidArgumentError("no console board: run console-boot first");
    return this.#session;
  }

  /**
   * Boots the firmware with its console (RAM is new: the previous firmware, session and UART are dropped; the flash
   * is kept, or replaced by `storage`). Returns whether boot succeeded; the console output waits in the wire.
   */
  boot(storage?: readonly StoredEntry[], parts: BootParts = "all"): boolean {
    this.#uart?.close();
    this.#uart = undefined;
    this.#serial = undefined;
    this.#session = undefined;
    if (storage) this.storage.restore(storage);
    const host = this.#host;
    const clock = host.clock;
    const firmware = new Firmware({ spi: host.spi, clock, log: host.log, storage: this.storage });
    const wire = this.wire;
    let serial: WireSerial | undefined;
    // A class per boot so the constructor can hand the instance back (device.io.Serial is constructed by the UART).
    class BoardSerial extends WireSerial {
      constructor(options: SerialConstructorOptions) {
        super(options, wire);
        serial = this;
      }
    }
    this.#firmware = firmware;
    if (parts === "firmware") return firmware.boot().ok;
    const interpreter = createInterpreter({ firmware, clock, reload: () => void this.#reloads++, random: fixedRandom });
    if (parts === "interpreter") {
      this.#parked = interpreter;
      return firmware.boot().ok;
    }
    let uart: UartConsole | undefined;
    const session = new ConsoleSession({ interpreter, write: (text: string) => uart?.write(text), clock });
    if (parts === "all") uart = new UartConsole({ Serial: BoardSerial, port: 0, transmit: 1, receive: 3, baud: 115200, session });
    firmware.logs.addListener((atMs: number, text: string) => session.log(atMs, text));
    this.#session = session;
    this.#uart = uart;
    this.#serial = serial;
    const report = firmware.boot();
    session.start();
    this.pump();
    return report.ok;
  }

  /** The wire takes what the UART holds (onWritable with an empty FIFO until nothing is pending; bounded). */
  pump(): void {
    const uart = this.#uart;
    const serial = this.#serial;
    if (!uart || !serial) return;
    for (let i = 0; i < 100000 && uart.pending > 0; i++) serial.onWritable(UART_FIFO_BYTES);
  }

  /** Typed text (each character's code as a byte), in one burst or one byte per read. */
  type(text: string, perByte = false): void {
    if (this.#typed.length < text.length) this.#typed = new Uint8Array(text.length);
    const bytes = this.#typed;
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
    this.typeBytes(bytes, text.length, perByte);
  }

  /** bytes[0, length) typed: in one burst or one byte per read. Allocates nothing itself. */
  typeBytes(bytes: Uint8Array, length: number, perByte = false): void {
    const serial = this.#serial;
    if (!serial) throw new InvalidArgumentError("no console board: run console-boot first");
    if (!perByte) {
      serial.receive(bytes, length);
      this.pump();
      return;
    }
    const one = this.#one;
    for (let i = 0; i < length; i++) {
      one[0] = bytes[i];
      serial.receive(one, 1);
      this.pump();
    }
  }

  /** `count` ticks of main.ts's loop: `intervalMs` pass, then a link poll (and the services' due work). */
  run(count: number, intervalMs: number, until?: () => boolean): number {
    const firmware = this.firmware;
    let ticks = 0;
    for (; ticks < count; ticks++) {
      if (until?.()) break;
      this.#host.delay(intervalMs);
      firmware.pollLinks();
      this.pump();
    }
    return ticks;
  }

  /** Types `line` and Enter, then runs the loop until the save or erase it started has finished. */
  save(line: string, maxTicks: number, intervalMs: number): number {
    this.type(line + "\r");
    const config = this.firmware.config;
    return this.run(maxTicks, intervalMs, () => !config.busy);
  }

  state(): ConsoleState {
    const firmware = this.firmware;
    const startup = firmware.config.startup;
    const uart = this.#uart;
    const stats = this.#session?.stats ?? {};
    return {
      running: firmware.config.running,
      startup: { source: startup.source, sequence: startup.sequence, messages: startup.messages, config: startup.config ?? null },
      storage: this.storage.dump(),
      storageWrites: this.storage.writes,
      session: { ...stats },
      uart: uart ? { bytesIn: uart.bytesIn, bytesOut: uart.bytesOut, dropped: uart.dropped, pending: uart.pending } : { bytesIn: 0, bytesOut: 0, dropped: 0, pending: 0 },
      reloads: this.#reloads,
      busy: firmware.config.busy,
    };
  }

  /** `count` hostile lines, each with Enter: each must get an error line and change nothing. */
  hostile(count: number, seed: number): HostileSummary {
    const firmware = this.firmware;
    const before = firmware.config.running;
    const writes = this.storage.writes;
    const random = new SeededRandom(seed);
    const crc = this.#crc;
    let sum = crc.begin();
    let errors = 0;
    let bytes = 0;
    let firstMiss: string | null = null;
    let firstChange: string | null = null;
    const scratch = new Uint8Array(1);
    this.wire.drain();
    for (let i = 0; i < count; i++) {
      const line = hostileLine(random);
      this.type(line + "\r");
      const out = this.wire.drain();
      if (out.indexOf("\n% ") >= 0) errors++;
      else if (firstMiss === null) firstMiss = JSON.stringify(line) + " -> " + JSON.stringify(out);
      if (firstChange === null && !configsEqual(before, firmware.config.running)) firstChange = JSON.stringify(line);
      bytes += out.length;
      for (let j = 0; j < out.length; j++) {
        scratch[0] = out.charCodeAt(j);
        sum = crc.update(sum, scratch);
      }
    }
    return {
      lines: count,
      errors,
      firstMiss,
      runningUnchanged: configsEqual(before, firmware.config.running),
      firstChange,
      storageWrites: this.storage.writes - writes,
      outputBytes: bytes,
      outputCrc: crc.finish(sum),
    };
  }

  /**
   * Memory measurement: `count` times, types `text` one byte per read, then Ctrl-U (the line is killed, not run).
   * `direct`: each byte goes to session.inputByte() instead of through the UART (the session's own share).
   */
  keys(count: number, text: string, direct = false): void {
    const bytes = asciiBytes(text + "\x15");
    if (!direct) {
      for (let i = 0; i < count; i++) this.typeBytes(bytes, bytes.length, true);
      return;
    }
    const session = this.session;
    for (let i = 0; i < count; i++) {
      for (let j = 0; j < bytes.length; j++) {
        session.inputByte(bytes[j]);
        this.pump();
      }
    }
  }

  /** Memory measurement: `count` times, types `line` and Enter in one burst (the command runs). */
  commands(count: number, line: string): void {
    const bytes = asciiBytes(line + "\r");
    for (let i = 0; i < count; i++) this.typeBytes(bytes, bytes.length);
  }
}

/** The text's character codes as bytes (made once per measurement, outside its loop). */
function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}
