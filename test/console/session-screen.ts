// Test helpers for the console session: a tiny terminal that understands exactly the output the session may produce
// (printable ASCII, CR, LF, BS, BEL, ESC [ n D, ESC [ K, ESC [ H, ESC [ 2 J) and records anything else as malformed,
// and a fake interpreter that records what it is asked.
import type { ConsoleIo, Interpreter } from "../../modules/console/types";

export class Screen {
  rows: string[][] = [[]];
  row = 0;
  col = 0;
  bells = 0;
  /** Output the session must never produce (unknown controls or sequences, non-ASCII). */
  malformed: string[] = [];
  /** Everything written, in order (unless keepRaw is false). */
  raw = "";
  keepRaw = true;
  /** Characters written. */
  written = 0;
  #pending = "";

  write = (text: string): void => {
    if (this.keepRaw) this.raw += text;
    this.written += text.length;
    const data = this.#pending + text;
    this.#pending = "";
    for (let i = 0; i < data.length; i++) {
      const code = data.charCodeAt(i);
      if (code === 0x1b) {
        const match = /^\x1b\[(\d*)([A-Za-z])/.exec(data.slice(i));
        if (!match) {
          if (data.length - i < 8) {
            this.#pending = data.slice(i);
            return;
          }
          this.malformed.push(JSON.stringify(data.slice(i, i + 8)));
          continue;
        }
        this.#sequence(match[1], match[2]);
        i += match[0].length - 1;
        continue;
      }
      if (code >= 0x20 && code < 0x7f) {
        const line = this.#line();
        while (line.length < this.col) line.push(" ");
        line[this.col++] = data[i];
        continue;
      }
      switch (code) {
        case 0x0d:
          this.col = 0;
          break;
        case 0x0a:
          this.row++;
          this.#line();
          break;
        case 0x08:
          if (this.col > 0) this.col--;
          break;
        case 0x07:
          this.bells++;
          break;
        default:
          this.malformed.push(`control 0x${code.toString(16)}`);
      }
    }
  };

  #sequence(param: string, final: string): void {
    const n = param === "" ? 1 : Number(param);
    if (final === "D") this.col = Math.max(0, this.col - n);
    else if (final === "K" && param === "") this.#line().length = Math.min(this.#line().length, this.col);
    else if (final === "H" && param === "") {
      this.col = 0;
    } else if (final === "J" && param === "2") {
      this.rows = [[]];
      this.row = 0;
      this.col = 0;
    } else this.malformed.push(`ESC [ ${param} ${final}`);
  }

  #line(): string[] {
    while (this.rows.length <= this.row) this.rows.push([]);
    return this.rows[this.row];
  }

  /** Forgets every row but the cursor's (long runs). */
  trim(): void {
    this.rows = [this.#line()];
    this.row = 0;
  }

  /** The row the cursor is on, trailing spaces kept. */
  get current(): string {
    return this.#line().join("");
  }

  /** All rows as text. */
  get text(): string {
    return this.rows.map((row) => row.join("")).join("\n");
  }

  /** Rows written since `mark` (a row index). */
  rowsFrom(mark: number): string[] {
    return this.rows.slice(mark).map((row) => row.join(""));
  }
}

export class FakeInterpreter implements Interpreter {
  promptText = "onemac# ";
  lines: string[] = [];
  secrets: string[] = [];
  helpAsked: string[] = [];
  completeAsked: string[] = [];
  release: (() => void) | undefined;
  io: ConsoleIo | undefined;
  words = ["show", "shutdown", "configure", "interfaces", "interface", "trunk", "trunk-load-balance", "write"];
  banner = "Welcome to onemac\n";
  throwIn: "execute" | "complete" | "help" | "prompt" | "start" | undefined;

  prompt(): string {
    if (this.throwIn === "prompt") throw new Error("prompt broke");
    return this.promptText;
  }

  start(io: ConsoleIo): void {
    this.io = io;
    if (this.throwIn === "start") throw new Error("start broke");
    io.write(this.banner);
  }

  execute(line: string, io: ConsoleIo): void {
    this.lines.push(line);
    if (this.throwIn === "execute" || line === "throw") throw new Error("boom");
    const [verb, ...rest] = line.split(" ");
    switch (verb) {
      case "echo":
        io.write(rest.join(" ") + "\n");
        break;
      case "hold":
        io.write("working...\n");
        this.release = io.hold();
        break;
      case "password":
        io.readSecret("Password: ", (secret) => {
          this.secrets.push(secret);
          io.write("secret taken\n");
        });
        break;
      case "noeol":
        io.write("no newline at the end");
        break;
      default:
        io.write(`ran ${line}\n`);
    }
  }

  complete(line: string): string[] {
    this.completeAsked.push(line);
    if (this.throwIn === "complete") throw new Error("complete broke");
    const partial = line.slice(line.lastIndexOf(" ") + 1);
    return this.words.filter((word) => word.startsWith(partial));
  }

  help(line: string): string {
    this.helpAsked.push(line);
    if (this.throwIn === "help") throw new Error("help broke");
    return "  show        Show things\n  configure   Enter configuration mode\n";
  }
}

export function bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
