// The console's command interpreter: one per session. It joins the command lists (show, configure, exec, and the
// session commands below), keeps the mode (exec / config), asks for the console password when one is set, and runs
// the matched command. Nothing a command throws escapes: an OnemacError prints "% <message>", anything else
// "% Internal error: ...".
//
// Login: with a console password set (running config's `password`), start() and `exit`/`logout` in exec mode ask
// for it through io.readSecret. Wrong passwords are rate-limited on ctx.clock: after the n-th wrong one the next try
// is accepted only 2^(n-1) s later (1, 2, 4 ... at most 30 s); an answer typed earlier is refused unread.
import { OnemacError } from "../errors";
import { hashPassword, verifyPassword } from "../config/password";
import type { PasswordHash } from "../config/schema";
import { Grammar, type ConsoleMode } from "./grammar";
import { parsePasswordHash } from "./running-config";
import type { CommandArgs, CommandSpec, ConsoleContext, ConsoleIo, Interpreter } from "./types";
import { CONFIGURE_COMMANDS } from "./commands/configure";
import { EXEC_COMMANDS } from "./commands/exec";
import { SHOW_COMMANDS } from "./commands/show";

export const MAX_LOCKOUT_SECONDS = 30;
const MAX_PASSWORD_LENGTH = 64;
const SALT_BYTES = 16;
const DEFAULT_HOSTNAME = "onemac";

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

  constructor(ctx: ConsoleContext, commands?: readonly CommandSpec[]) {
    this.#ctx = ctx;
    const all = (commands ?? SHOW_COMMANDS.concat(CONFIGURE_COMMANDS, EXEC_COMMANDS)).concat(this.#sessionCommands());
    this.#grammar = new Grammar(all, { wordHelp: WORD_HELP });
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
      result.spec.run(result.args, this.#ctx, io, result.json);
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
    if (!hash || verifyPassword(String(secret), hash)) {
      this.#locked = false;
      this.#failures = 0;
      this.#retryAtMs = 0;
      return;
    }
    this.#failures = Math.min(this.#failures + 1, 16);
    const wait = Math.min(MAX_LOCKOUT_SECONDS, 2 ** (this.#failures - 1));
    this.#retryAtMs = now + wait * 1000;
    io.write(`% Wrong password (next try in ${wait} s)\n`);
    this.#ask(io);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Commands that change the session itself

  #sessionCommands(): CommandSpec[] {
    const ctx = this.#ctx;
    const configure = (args: CommandArgs, _ctx: ConsoleContext, io: ConsoleIo): void => {
      if (args.given("seconds")) {
        const seconds = args.int("seconds");
        ctx.firmware.config.armRevert(seconds);
        io.write(`Changes from now on revert in ${seconds} s unless you type "configure confirm"\n`);
      }
      this.#mode = "config";
    };
    const leave = (): void => {
      this.#mode = "exec";
    };
    const logout = (_args: CommandArgs, _ctx: ConsoleContext, io: ConsoleIo): void => {
      if (this.#password()) this.#lock(io);
      else io.write("No console password is set: nothing to log out of\n");
    };
    const setPassword = (_args: CommandArgs, _ctx: ConsoleContext, io: ConsoleIo): void => {
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
            const hash = hashPassword(first, salt);
            ctx.firmware.config.change((draft) => void (draft.password = hash));
            io.write('[OK] console password set ("write memory" keeps it)\n');
          } catch (error) {
            io.write(`${message(error)}\n`);
          }
        });
      });
    };
    const setHashed = (args: CommandArgs): void => {
      const hash = parsePasswordHash(args.text("hash"));
      ctx.firmware.config.change((draft) => void (draft.password = hash));
    };
    const noPassword = (): void => {
      ctx.firmware.config.change((draft) => void (draft.password = null));
    };
    const spec = (pattern: string, help: string, mode: CommandSpec["mode"], run: CommandSpec["run"], words?: Record<string, string>): CommandSpec =>
      Object.freeze({ pattern, help, mode, run, words: words ? Object.freeze(words) : undefined });
    return [
      spec(
        "configure [terminal] [revert timer <int:seconds:10-3600>]",
        'Enter configuration mode; with "revert timer N" changes revert after N seconds unless confirmed',
        "any",
        configure,
        {
          terminal: "From this terminal (the same as plain configure)",
          revert: "Changes made from now on revert unless confirmed in time",
          timer: "Seconds until they revert (10..3600); \"configure confirm\" keeps them",
        },
      ),
      spec("end", "Leave configuration mode", "config", leave),
      spec("exit", "Leave configuration mode", "config", leave),
      spec("exit", "Log out (asks for the password again when one is set)", "exec", logout),
      spec("logout", "Log out (asks for the password again when one is set)", "exec", logout),
      spec("password manager", "Set the console password (asked twice, stored as a salted hash)", "config", setPassword),
      spec("password manager hashed <text:hash>", "Set the console password from its hash (as show running-config prints it)", "config", setHashed, {
        hashed: "Give the hash instead (sha256-iterated$ROUNDS$SALT$HASH)",
      }),
      spec("no password manager", "Remove the console password", "config", noPassword),
    ];
  }
}

export function createInterpreter(ctx: ConsoleContext): ConsoleInterpreter {
  return new ConsoleInterpreter(ctx);
}
