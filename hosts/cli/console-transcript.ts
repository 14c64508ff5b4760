// Reading the switch console's answers off the wire, for programs that type commands into it: the `onemac console`
// client (a real board or the simulator's pty) and `npm start`'s scripted mode. One place knows what the console
// prints (modules/console/session.ts): the prompt `<hostname># ` or `<hostname>(config)# ` (or a password prompt) at
// the start of a line with nothing after it, the typed line echoed after the prompt, "\r\n" line ends, "\r" + ESC[K
// to erase a line before an asynchronous log line, "\b" and ESC[<n>D to move left while editing.
//
// A command is answered when, after its echo, the screen's last line is a prompt again. Its output is every line
// between the echo and that prompt; an error is a line starting with "% ".

/** `<hostname># ` or `<hostname>(<mode>)# ` (hostname: a letter, then letters, digits, dashes; at most 32). */
const COMMAND_PROMPT = /^[A-Za-z][A-Za-z0-9-]{0,31}(\([A-Za-z0-9-]{1,24}\))?# $/;
/** A password prompt (`Password: `, `New password: `, `Retype password: `): the answer is not echoed. */
const SECRET_PROMPT = /^([A-Za-z][A-Za-z ]{0,30} )?[Pp]assword: $/;
/** A question (`Proceed with reload? [y/N] `): the answer is read like a password, not echoed. */
const QUESTION_PROMPT = /^[ -~]{1,200}\[[yY]\/[nN]\] $/;
/** Output kept per command (characters); past it the oldest lines are dropped and counted. */
export const MAX_TRANSCRIPT_CHARS = 1 << 20;
/** A line longer than this is broken (the console's own lines are far shorter). */
const MAX_SCREEN_LINE = 4096;

/** "command": the next line is a command (echoed); "secret" and "question": the next line is an answer (not echoed). */
export type PromptKind = "command" | "secret" | "question";

/** What kind of prompt `line` (the screen's last, unfinished line) is, or undefined. */
export function promptKind(line: string): PromptKind | undefined {
  if (COMMAND_PROMPT.test(line)) return "command";
  if (SECRET_PROMPT.test(line)) return "secret";
  if (QUESTION_PROMPT.test(line)) return "question";
  return undefined;
}

/** The line typed after a prompt of this kind is not echoed (a password or the answer to a question). */
export function answersWithoutEcho(kind: PromptKind | undefined): boolean {
  return kind === "secret" || kind === "question";
}

/** True when an output line is a console error. */
export function isErrorLine(line: string): boolean {
  return line.startsWith("% ");
}

/**
 * A minimal terminal for one stream of console output: finished lines (as they look on a screen after "\r", "\b",
 * ESC[<n>D and ESC[K did their work) and the unfinished last line. Other escape sequences are dropped.
 */
export class ScreenLines {
  readonly lines: string[] = [];
  /** Lines dropped because the transcript outgrew MAX_TRANSCRIPT_CHARS. */
  droppedLines = 0;
  #chars = 0;
  #line: string[] = [];
  #cursor = 0;
  /** 0: text; 1: ESC seen; 2: inside ESC [ ... ; 3: ESC O x. */
  #escape = 0;
  #parameter = "";
  readonly #decoder = new TextDecoder("utf-8");

  /** Feeds output bytes (UTF-8, a character may be split between calls) or text. */
  write(data: Uint8Array | string): void {
    const text = typeof data === "string" ? data : this.#decoder.decode(data, { stream: true });
    for (let i = 0; i < text.length; i++) this.#char(text.charCodeAt(i));
  }

  /** The unfinished last line as shown. */
  get current(): string {
    return this.#line.join("");
  }

  /** Forgets every finished line (the unfinished one stays). */
  clear(): void {
    this.lines.length = 0;
    this.#chars = 0;
  }

  #char(code: number): void {
    if (this.#escape === 1) {
      this.#escape = code === 0x5b ? 2 : code === 0x4f ? 3 : 0;
      this.#parameter = "";
      return;
    }
    if (this.#escape === 3) {
      this.#escape = 0;
      return;
    }
    if (this.#escape === 2) {
      if (code >= 0x40 && code <= 0x7e) {
        this.#escape = 0;
        this.#csi(String.fromCharCode(code), this.#parameter);
      } else if (this.#parameter.length < 16) {
        this.#parameter += String.fromCharCode(code);
      } else {
        this.#escape = 0;
      }
      return;
    }
    switch (code) {
      case 0x1b:
        this.#escape = 1;
        return;
      case 0x0d:
        this.#cursor = 0;
        return;
      case 0x0a:
        this.#finishLine();
        return;
      case 0x08:
        if (this.#cursor > 0) this.#cursor--;
        return;
      default:
        if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return; // bell and other controls
        this.#put(String.fromCharCode(code));
    }
  }

  #csi(final: string, parameter: string): void {
    if (final === "D") {
      const count = Math.max(1, Number.parseInt(parameter || "1", 10) || 1);
      this.#cursor = Math.max(0, this.#cursor - count);
    } else if (final === "C") {
      const count = Math.max(1, Number.parseInt(parameter || "1", 10) || 1);
      this.#cursor = Math.min(this.#line.length, this.#cursor + count);
    } else if (final === "K") {
      this.#line.length = this.#cursor;
    } else if (final === "J") {
      this.#line.length = 0;
      this.#cursor = 0;
    }
  }

  #put(char: string): void {
    if (this.#cursor >= MAX_SCREEN_LINE) this.#finishLine();
    this.#line[this.#cursor++] = char;
  }

  #finishLine(): void {
    const line = this.#line.join("");
    this.lines.push(line);
    this.#chars += line.length + 1;
    // Bounded: drop the oldest lines once the transcript is too long.
    while (this.#chars > MAX_TRANSCRIPT_CHARS && this.lines.length > 1) {
      this.#chars -= this.lines.shift()!.length + 1;
      this.droppedLines++;
    }
    this.#line = [];
    this.#cursor = 0;
  }
}

export interface CommandAnswer {
  /** Output lines between the echo and the next prompt. */
  lines: string[];
  /** The prompt the console showed afterwards. */
  prompt: string;
  promptKind: PromptKind;
  /** Some line starts with "% ". */
  failed: boolean;
}

/**
 * Watches the console's output for the answer to one typed line. Create it just before sending the line, feed it
 * every byte the console sends from then on, and ask `answer()` after each batch.
 */
export class CommandTranscript {
  readonly #screen = new ScreenLines();
  readonly #typed: string;
  readonly #secret: boolean;
  /** Finished lines when the board restarted (undefined: it did not). */
  #restartMark: number | undefined;

  /** `typed` is the line as sent (without its line end); `secret` when the console does not echo it (a password). */
  constructor(typed: string, options: { secret?: boolean } = {}) {
    this.#typed = typed.trim();
    this.#secret = options.secret === true;
  }

  write(data: Uint8Array | string): void {
    this.#screen.write(data);
  }

  /** The answer once the console shows a prompt again after the echo; undefined while it is still working. */
  answer(): CommandAnswer | undefined {
    const current = this.#screen.current;
    const kind = promptKind(current);
    if (kind === undefined) return undefined;
    const lines = this.#screen.lines;
    const echo = this.#echoIndex(lines);
    if (echo < 0) return undefined;
    const end = this.#restartMark === undefined ? lines.length : Math.max(echo + 1, this.#restartMark);
    const output = lines.slice(echo + 1, end);
    return { lines: output, prompt: current, promptKind: kind, failed: output.some(isErrorLine) };
  }

  /**
   * The board restarted while this command ran (`reload`): what it prints from now on is the next boot's, not this
   * command's answer, which ends at the next prompt all the same.
   */
  markRestart(): void {
    if (this.#restartMark === undefined) this.#restartMark = this.#screen.lines.length;
  }

  /** The screen so far (for a timeout message). */
  get screen(): { lines: readonly string[]; current: string } {
    return { lines: this.#screen.lines, current: this.#screen.current };
  }

  /** The echo is the first finished line ending with the typed text (a prompt may precede it after a redraw). */
  #echoIndex(lines: readonly string[]): number {
    if (this.#secret || this.#typed.length === 0) return lines.length > 0 ? 0 : -1;
    for (let i = 0; i < lines.length; i++) if (lines[i].trimEnd().endsWith(this.#typed)) return i;
    return -1;
  }
}

/**
 * Output that is not the answer to a typed line (boot messages, log lines while idle): the finished lines, with
 * lines that are only a prompt (redrawn after a log line) left out.
 */
export class UnsolicitedOutput {
  readonly #screen = new ScreenLines();

  write(data: Uint8Array | string): void {
    this.#screen.write(data);
  }

  /** Finished lines since the last take(), prompts left out; the unfinished line stays for later. */
  take(): string[] {
    const lines = this.#screen.lines.filter((line) => promptKind(line) === undefined && !isPromptOnly(line));
    this.#screen.clear();
    return lines;
  }

  /** The unfinished last line (a prompt once the console is idle). */
  get current(): string {
    return this.#screen.current;
  }
}

/** A finished line that holds just a prompt with trailing spaces removed ("onemac#"). */
function isPromptOnly(line: string): boolean {
  return promptKind(line + " ") !== undefined || promptKind(line) !== undefined;
}
