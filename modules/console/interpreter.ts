// The console's command interpreter: one per session. It joins the command lists (show, configure, exec, and the
// session commands below), keeps the mode (exec / config), asks for the console password when one is set, and runs
// the matched command. Nothing a command throws escapes: an OnemacError prints "% <message>", anything else
// "% Internal error: ...".
//
// Login: with a console password set (running config's `password`), start() and `exit`/`logout` in exec mode ask
// for it through io.readSecret. Wrong passwords are rate-limited on ctx.clock: after the n-th wrong one the next try
// is accepted only 2^(n-1) s later (1, 2, 4 ... at most 30 s); an answer typed earlier is refused unread.
//
// Hashing a password (checking one at login, setting one with `password manager`) is 256 rounds of iterated SHA-256:
// millions of XS steps, seconds of the ESP32's CPU in one go, long enough to hold the link poll (and trunk failover)
// up. So it runs a few rounds per tick on the firmware's scheduler (PasswordHasher.step), between link polls, with the
// prompt held (io.hold) until the answer is known.
import { OnemacError } from "../errors";
import { beginVerifyPassword, DEFAULT_PASSWORD_ROUNDS, PasswordHasher, toHex } from "../config/password";
import type { PasswordHash } from "../config/schema";
import { compileGrammar, Grammar, type CompiledGrammar, type ConsoleMode } from "./grammar";
import { parsePasswordHash } from "./running-config";
import type { CommandArgs, CommandSpec, ConsoleContext, ConsoleIo, Interpreter } from "./types";
import { CONFIGURE_COMMANDS } from "./commands/configure";
import { EXEC_COMMANDS } from "./commands/exec";
import { SHOW_COMMANDS } from "./commands/show";

export const MAX_LOCKOUT_SECONDS = 30;
const MAX_PASSWORD_LENGTH = 64;
const SALT_BYTES = 16;
const DEFAULT_HOSTNAME = "onemac";
/**
 * Hash rounds per scheduler tick. One round is two SHA-256 blocks, about 18,000 XS metering steps (xsnap); a tick
 * with 2 rounds is a few milliseconds of the ESP32's CPU, so the 10 ms link poll keeps its pace while a login (256
 * rounds: 128 ticks, about 1.3 s) is checked.
 */
export const PASSWORD_ROUNDS_PER_TICK = 2;
/** Interval of the hashing timer: the next scheduler tick (on main.ts's board, the next link poll). */
const PASSWORD_STEP_MS = 1;

/** Help for keywords that start several commands. */
const WORD_HELP: Readonly<Record<string, string>> = Object.freeze({
  show: "Show state and configuration",
  no: "Undo a setting",
  trunk: "Static trunks: members, table size, hold-down, VLAN, switch-to-switch link",
  "mac-move": "MAC move (station move) monitor: exemptions, window, threshold, records",
  interface: "Ports: enable, disable, name",
  configure: "Enter configuration mode; confirm an auto-revert",
  clear: "Clear counters or records",
  test: "Predict or check without changing anything",
  "self-test": "Check the chip's named assumptions on this silicon",
  password: "The console password",
  exit: "Leave configuration mode (exec mode: log out)",
  "trunk-load-balance": "How frames spread over trunk members",
  exempt: "Never report moves of a MAC, or in a VLAN",
  manager: "The console password",
  recovery: "When err-disabled ports come back",
});

/** What a session command does; the interpreter runs it (it changes the interpreter's own state). */
type SessionAction = "configure" | "leave" | "logout" | "set-password" | "set-hashed" | "no-password";

interface SessionCommandSpec extends CommandSpec {
  readonly action: SessionAction;
}

function runBySession(): void {
  throw new Error("a session command runs inside its interpreter");
}

function session(pattern: string, help: string, mode: CommandSpec["mode"], action: SessionAction, words?: Record<string, string>): SessionCommandSpec {
  return Object.freeze({ pattern, help, mode, action, run: runBySession, words: words ? Object.freeze(words) : undefined });
}

/** Commands that change the session itself (mode, login, password): module-level like the others, run by the interpreter. */
export const SESSION_COMMANDS: readonly CommandSpec[] = Object.freeze([
  session(
    "configure [terminal] [revert timer <int:seconds:10-3600>]",
    'Enter configuration mode; with "revert timer N" changes revert after N seconds unless confirmed',
    "any",
    "configure",
    {
      terminal: "From this terminal (the same as plain configure)",
      revert: "Changes made from now on revert unless confirmed in time",
      timer: "Seconds until they revert (10..3600); \"configure confirm\" keeps them",
    },
  ),
  session("end", "Leave configuration mode", "config", "leave"),
  session("exit", "Leave configuration mode", "config", "leave"),
  session("exit", "Log out (asks for the password again when one is set)", "exec", "logout"),
  session("logout", "Log out (asks for the password again when one is set)", "exec", "logout"),
  session("password manager", "Set the console password (asked twice, stored as a salted hash)", "config", "set-password"),
  session("password manager hashed <text:hash>", "Set the console password from its hash (as show running-config prints it)", "config", "set-hashed", {
    hashed: "Give the hash instead (sha256-iterated$ROUNDS$SALT$HASH)",
  }),
  session("no password manager", "Remove the console password", "config", "no-password"),
]);

/**
 * Every console command, compiled once when the module is evaluated and frozen all the way down: the SDK preloads the
 * module, so these tables live in flash and an interpreter holds only a pointer to them (bench/xs-console.ts measures
 * the heap after boot; test/console/grammar.test.ts checks that nothing in here is mutable).
 */
export const CONSOLE_GRAMMAR: CompiledGrammar = compileGrammar(SHOW_COMMANDS.concat(CONFIGURE_COMMANDS, EXEC_COMMANDS, SESSION_COMMANDS));

function message(error: unknown): string {
  if (error instanceof OnemacError) return `% ${error.message}`;
  return `% Internal error: ${error instanceof Error ? error.message : String(error)}`;
}

export class ConsoleInterpreter implements Interpreter {
  readonly #ctx: ConsoleContext;
  readonly #grammar: Grammar;
  #mode: ConsoleMode = "exec";
  #locked = false;
  #failures = 0;
  #retryAtMs = 0;

  /** `commands` replaces the show/configure/exec lists (compiled for this instance; the session commands are added). */
  constructor(ctx: ConsoleContext, commands?: readonly CommandSpec[]) {
    this.#ctx = ctx;
    this.#grammar = new Grammar(commands ? commands.concat(SESSION_COMMANDS) : CONSOLE_GRAMMAR, { wordHelp: WORD_HELP });
  }

  get mode(): ConsoleMode {
    return this.#mode;
  }

  /** Waiting for the console password. */
  get locked(): boolean {
    return this.#locked;
  }

  get grammar(): Grammar {
    return this.#grammar;
  }

  prompt(): string {
    const name = this.#hostname();
    return this.#mode === "config" ? `${name}(config)# ` : `${name}# `;
  }

  #hostname(): string {
    try {
      return this.#ctx.firmware.config.running.hostname;
    } catch {
      return DEFAULT_HOSTNAME;
    }
  }

  #password(): PasswordHash | null {
    try {
      return this.#ctx.firmware.config.running.password;
    } catch {
      return null;
    }
  }

  start(io: ConsoleIo): void {
    try {
      io.write(`onemac console (${this.#hostname()}): type "?" for help\n`);
      this.#mode = "exec";
      if (this.#password()) this.#lock(io);
    } catch (error) {
      io.write(`${message(error)}\n`);
    }
  }

  execute(line: string, io: ConsoleIo): void {
    try {
      if (this.#locked) {
        io.write("% Enter the console password first\n");
        return;
      }
      const result = this.#grammar.match(line, this.#mode);
      if (result.kind === "empty") return;
      if (result.kind === "error") {
        io.write(`${result.message}\n`);
        return;
      }
      const action = (result.spec as Partial<SessionCommandSpec>).action;
      if (action !== undefined) this.#runSession(action, result.args, io);
      else result.spec.run(result.args, this.#ctx, io, result.json);
    } catch (error) {
      io.write(`${message(error)}\n`);
    }
  }

  complete(line: string): string[] {
    try {
      return this.#locked ? [] : this.#grammar.complete(line, this.#mode);
    } catch {
      return [];
    }
  }

  help(line: string): string {
    try {
      return this.#locked ? "% Enter the console password first" : this.#grammar.help(line, this.#mode);
    } catch (error) {
      return message(error);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Login

  #lock(io: ConsoleIo): void {
    this.#locked = true;
    this.#mode = "exec";
    this.#ask(io);
  }

  #ask(io: ConsoleIo): void {
    io.readSecret("Password: ", (secret) => {
      try {
        this.#tryPassword(secret, io);
      } catch (error) {
        io.write(`${message(error)}\n`);
        if (this.#locked) this.#ask(io);
      }
    });
  }

  #tryPassword(secret: string, io: ConsoleIo): void {
    const now = this.#ctx.clock.now();
    if (now < this.#retryAtMs) {
      io.write(`% Too many wrong passwords: wait ${Math.ceil((this.#retryAtMs - now) / 1000)} s\n`);
      this.#ask(io);
      return;
    }
    const hash = this.#password();
    if (!hash) {
      this.#unlock();
      return;
    }
    const hasher = beginVerifyPassword(String(secret), hash);
    if (!hasher) {
      this.#wrongPassword(io);
      return;
    }
    this.#hashInSteps(hasher, io, () => {
      if (hasher.matches(hash.hash)) this.#unlock();
      else this.#wrongPassword(io);
    });
  }

  #unlock(): void {
    this.#locked = false;
    this.#failures = 0;
    this.#retryAtMs = 0;
  }

  #wrongPassword(io: ConsoleIo): void {
    this.#failures = Math.min(this.#failures + 1, 16);
    const wait = Math.min(MAX_LOCKOUT_SECONDS, 2 ** (this.#failures - 1));
    this.#retryAtMs = this.#ctx.clock.now() + wait * 1000;
    io.write(`% Wrong password (next try in ${wait} s)\n`);
    this.#ask(io);
  }

  /**
   * Runs `hasher` PASSWORD_ROUNDS_PER_TICK rounds per tick of the firmware's scheduler with the prompt held, then
   * `done` (whose errors are printed) and releases the prompt. What is typed meanwhile waits in the session.
   */
  #hashInSteps(hasher: PasswordHasher, io: ConsoleIo, done: () => void): void {
    const scheduler = this.#ctx.firmware.scheduler;
    const release = io.hold();
    let timer: unknown;
    const tick = (): void => {
      let failure: unknown;
      try {
        if (hasher.step(PASSWORD_ROUNDS_PER_TICK)) return;
      } catch (error) {
        failure = error;
      }
      scheduler.clear(timer);
      try {
        if (failure !== undefined) throw failure;
        done();
      } catch (error) {
        io.write(`${message(error)}\n`);
        if (this.#locked) this.#ask(io);
      } finally {
        release();
      }
    };
    try {
      timer = scheduler.repeat(tick, PASSWORD_STEP_MS);
    } catch (error) {
      release();
      throw error;
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Commands that change the session itself (SESSION_COMMANDS: matched by the shared grammar, run here)

  #runSession(action: SessionAction, args: CommandArgs, io: ConsoleIo): void {
    const ctx = this.#ctx;
    switch (action) {
      case "configure":
        if (args.given("seconds")) {
          const seconds = args.int("seconds");
          ctx.firmware.config.armRevert(seconds);
          io.write(`Changes from now on revert in ${seconds} s unless you type "configure confirm"\n`);
        }
        this.#mode = "config";
        return;
      case "leave":
        this.#mode = "exec";
        return;
      case "logout":
        if (this.#password()) this.#lock(io);
        else io.write("No console password is set: nothing to log out of\n");
        return;
      case "set-password":
        this.#setPassword(io);
        return;
      case "set-hashed": {
        const hash = parsePasswordHash(args.text("hash"));
        ctx.firmware.config.change((draft) => void (draft.password = hash));
        return;
      }
      case "no-password":
        ctx.firmware.config.change((draft) => void (draft.password = null));
        return;
    }
  }

  #setPassword(io: ConsoleIo): void {
    const ctx = this.#ctx;
    io.readSecret("New password: ", (first) => {
      if (typeof first !== "string" || first.length === 0 || first.length > MAX_PASSWORD_LENGTH || !/^[ -~]*$/.test(first)) {
        io.write(`% Password not changed: use 1 to ${MAX_PASSWORD_LENGTH} printable ASCII characters\n`);
        return;
      }
      io.readSecret("Repeat the new password: ", (second) => {
        try {
          if (second !== first) {
            io.write("% Password not changed: the two entries differ\n");
            return;
          }
          const salt = new Uint8Array(SALT_BYTES);
          ctx.random(salt);
          const hasher = new PasswordHasher(first, salt, DEFAULT_PASSWORD_ROUNDS);
          this.#hashInSteps(hasher, io, () => {
            const hash: PasswordHash = { algorithm: "sha256-iterated", rounds: hasher.rounds, salt: toHex(salt), hash: hasher.hex() };
            ctx.firmware.config.change((draft) => void (draft.password = hash));
            io.write('[OK] console password set ("write memory" keeps it)\n');
          });
        } catch (error) {
          io.write(`${message(error)}\n`);
        }
      });
    });
  }
}

export function createInterpreter(ctx: ConsoleContext): ConsoleInterpreter {
  return new ConsoleInterpreter(ctx);
}
