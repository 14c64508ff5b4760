// 100,000 hostile input chunks into a console session (random bytes, escape-sequence fragments, endless
// ESC [ 1;1;1;..., overlong lines, control characters, words, Tab and ?) with an interpreter that writes, throws,
// holds the prompt and asks for secrets at random: no exception escapes, the line never exceeds the cap, the output
// is only what a terminal understands, and whenever the session waits at its prompt the screen shows exactly
// prompt + line with the cursor in place. Seeded: every run is the same run.
import assert from "node:assert/strict";
import { it } from "node:test";
import { ConsoleSession, LINE_CAP } from "../../modules/console/session";
import type { ConsoleIo, Interpreter } from "../../modules/console/types";
import { Screen } from "./session-screen";

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ["show", "shutdown", "interfaces", "interface", "trunk", "trk1", "configure", "no", "1-2", "|", "json"];
const FRAGMENTS = ["\x1b", "[", "O", "1", ";", "5", "A", "B", "C", "D", "H", "F", "~", "3", "?", "2", "0", "b", "f", "\x1b[", "\x1bO"];

class FuzzInterpreter implements Interpreter {
  releases: Array<() => void> = [];
  executed = 0;
  secrets = 0;
  constructor(readonly next: () => number) {}
  prompt(): string {
    return this.next() < 0.5 ? "onemac# " : "onemac(config)# ";
  }
  start(io: ConsoleIo): void {
    io.write("fuzz\n");
  }
  execute(line: string, io: ConsoleIo): void {
    this.executed++;
    assert.ok(line.length <= LINE_CAP);
    const pick = this.next();
    if (pick < 0.1) throw new Error(`fuzz failure ${line.length}`);
    if (pick < 0.15) {
      io.write("holding\n");
      this.releases.push(io.hold());
      return;
    }
    if (pick < 0.2) {
      io.readSecret("Password: ", (secret) => {
        this.secrets++;
        assert.ok(secret.length <= LINE_CAP);
        if (this.next() < 0.3) throw new Error("secret callback failure");
      });
      return;
    }
    io.write(`% Invalid input at word 1 ("${line.slice(0, 20)}")\nsecond line`);
  }
  complete(line: string): string[] {
    if (this.next() < 0.05) throw new Error("complete failure");
    const partial = line.slice(line.lastIndexOf(" ") + 1);
    return WORDS.filter((word) => word.startsWith(partial));
  }
  help(line: string): string {
    if (this.next() < 0.05) throw new Error("help failure");
    return `  help for "${line.slice(0, 10)}"\n`;
  }
}

function chunk(next: () => number): Uint8Array {
  const kind = next();
  const out: number[] = [];
  const pushText = (text: string) => {
    for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i) & 0xff);
  };
  if (kind < 0.2) {
    const n = 1 + Math.floor(next() * 32);
    for (let i = 0; i < n; i++) out.push(Math.floor(next() * 256));
  } else if (kind < 0.4) {
    const n = 1 + Math.floor(next() * 10);
    for (let i = 0; i < n; i++) pushText(FRAGMENTS[Math.floor(next() * FRAGMENTS.length)]);
  } else if (kind < 0.43) {
    pushText("\x1b[");
    const n = 20 + Math.floor(next() * 200);
    for (let i = 0; i < n; i++) pushText("1;");
  } else if (kind < 0.46) {
    pushText("x".repeat(200 + Math.floor(next() * 200)));
    if (next() < 0.5) pushText("\r");
  } else if (kind < 0.6) {
    const n = 1 + Math.floor(next() * 6);
    for (let i = 0; i < n; i++) {
      const code = Math.floor(next() * 33);
      out.push(code === 32 ? 0x7f : code);
    }
  } else if (kind < 0.9) {
    const n = 1 + Math.floor(next() * 4);
    for (let i = 0; i < n; i++) pushText(WORDS[Math.floor(next() * WORDS.length)] + (next() < 0.7 ? " " : ""));
    if (next() < 0.1) pushText("?");
    if (next() < 0.1) pushText("\t");
  } else {
    pushText(["\r", "\n", "\r\n", "\t", "\t\t", "?"][Math.floor(next() * 6)]);
  }
  return Uint8Array.from(out);
}

it("100,000 hostile chunks: nothing escapes, the line stays within the cap, the screen stays consistent", () => {
  const next = random(0x0e_ac_07);
  const screen = new Screen();
  screen.keepRaw = false;
  const interpreter = new FuzzInterpreter(next);
  let prompt = "";
  interpreter.prompt = () => (prompt = next() < 0.5 ? "onemac# " : "onemac(config)# ");
  const session = new ConsoleSession({ interpreter, write: screen.write });
  session.start();
  let checked = 0;
  for (let i = 0; i < 100_000; i++) {
    session.input(chunk(next));
    assert.ok(session.lineLength <= LINE_CAP, `chunk ${i}: line ${session.lineLength}`);
    assert.ok(session.cursor >= 0 && session.cursor <= session.lineLength, `chunk ${i}: cursor`);
    if (interpreter.releases.length > 0 && next() < 0.2) interpreter.releases.shift()!();
    if (next() < 0.01) session.log(i, `log line ${i}`);
    if (!session.busy && !session.secretPending && session.heldInput === 0) {
      assert.equal(screen.current, prompt + session.line, `chunk ${i}`);
      assert.equal(screen.col, prompt.length + session.cursor, `chunk ${i}`);
      checked++;
    }
    if (screen.malformed.length > 0) assert.fail(`chunk ${i}: malformed output ${screen.malformed.join(", ")}`);
    if (i % 1000 === 0) screen.trim();
  }
  while (interpreter.releases.length > 0) interpreter.releases.shift()!();
  assert.ok(checked > 50_000, `screen checked ${checked} times`);
  assert.ok(interpreter.executed > 1000);
  assert.ok(interpreter.secrets > 10);
  assert.ok(session.stats.droppedSequences > 1000);
  assert.ok(session.stats.refusedLines > 100);
  assert.ok(session.stats.internalErrors > 100);
});
