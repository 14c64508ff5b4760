// The console's line discipline: every editing key, history, completion, "?" help, line limits, CR/LF handling,
// asynchronous log lines, commands that hold the prompt, secrets, and an interpreter that throws. The session's
// output goes to a small terminal emulator (session-screen.ts), so each test checks what a user would see.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConsoleSession, LINE_CAP, LINE_TOO_LONG_MESSAGE, HELD_INPUT_CAPACITY } from "../../modules/console/session";
import { FakeInterpreter, Screen, bytes } from "./session-screen";

const UP = "\x1b[A";
const DOWN = "\x1b[B";
const RIGHT = "\x1b[C";
const LEFT = "\x1b[D";

function setup(options: { start?: boolean } = {}) {
  const screen = new Screen();
  const interpreter = new FakeInterpreter();
  const session = new ConsoleSession({ interpreter, write: screen.write });
  if (options.start !== false) session.start();
  const type = (text: string) => session.input(bytes(text));
  /** The screen row with the prompt must show prompt + line, with the cursor where the line's cursor is. */
  const assertShown = (line: string, cursor = line.length, prompt = interpreter.promptText) => {
    assert.equal(session.line, line);
    assert.equal(session.cursor, cursor);
    assert.equal(screen.current, prompt + line);
    assert.equal(screen.col, prompt.length + cursor);
    assert.deepEqual(screen.malformed, []);
  };
  return { screen, interpreter, session, type, assertShown };
}

describe("console session: start and lines", () => {
  it("start prints the banner and the first prompt", () => {
    const { screen, interpreter, assertShown } = setup();
    assert.ok(interpreter.io);
    assert.match(screen.text, /^Welcome to onemac\n/);
    assertShown("");
  });

  it("runs a line on CR, echoes CRLF, prints output with CRLF and a new prompt", () => {
    const { screen, interpreter, type, assertShown } = setup();
    type("echo hello\r");
    assert.deepEqual(interpreter.lines, ["echo hello"]);
    assert.ok(screen.raw.includes("echo hello\r\nhello\r\nonemac# "));
    assertShown("");
  });

  it("CR, LF and CRLF each end one line; CRLF counts once; LF CR counts twice", () => {
    const { interpreter, type } = setup();
    type("a\rb\nc\r\nd\r");
    type("\ne\r");
    type("\n");
    assert.deepEqual(interpreter.lines, ["a", "b", "c", "d", "e"]);
    type("f\n\r");
    assert.deepEqual(interpreter.lines, ["a", "b", "c", "d", "e", "f"]);
  });

  it("a CRLF split across two input chunks still counts once", () => {
    const { interpreter, session, type } = setup();
    type("show\r");
    const before = session.stats.lines;
    type("\n");
    assert.equal(session.stats.lines, before);
    assert.deepEqual(interpreter.lines, ["show"]);
  });

  it("blank lines print a new prompt without running anything", () => {
    const { interpreter, screen, type, assertShown } = setup();
    type("\r   \r");
    assert.deepEqual(interpreter.lines, []);
    assert.equal(screen.rowsFrom(1).filter((row) => row.startsWith("onemac# ")).length, 3);
    assertShown("");
  });

  it("output without a final newline still leaves the prompt on a line of its own", () => {
    const { screen, type, assertShown } = setup();
    type("noeol\r");
    assert.ok(screen.raw.includes("no newline at the end\r\nonemac# "));
    assertShown("");
  });

  it("inputByte feeds one byte, and a count limits input()", () => {
    const { interpreter, session } = setup();
    for (const ch of "show x\r") session.inputByte(ch.charCodeAt(0));
    session.input(bytes("abc\rdef"), 4);
    assert.deepEqual(interpreter.lines, ["show x", "abc"]);
  });

  it("accepts an ArrayBuffer", () => {
    const { interpreter, session } = setup();
    session.input(bytes("show\r").buffer as ArrayBuffer);
    assert.deepEqual(interpreter.lines, ["show"]);
  });
});

describe("console session: editing keys", () => {
  it("typing echoes each character", () => {
    const { screen, type, assertShown } = setup();
    const before = screen.raw.length;
    type("show");
    assert.equal(screen.raw.slice(before), "show");
    assertShown("show");
  });

  it("backspace (0x7f and 0x08) deletes before the cursor, at the end and in the middle", () => {
    const { type, assertShown } = setup();
    type("showx\x7f");
    assertShown("show");
    type("\x08");
    assertShown("sho");
    type("w" + LEFT + LEFT + "\x7f");
    assertShown("sow", 1);
    type("\x08");
    assertShown("ow", 0);
    type("\x08\x7f");
    assertShown("ow", 0);
  });

  it("left and right arrows (CSI and SS3), Ctrl-B / Ctrl-F move within the line only", () => {
    const { type, assertShown } = setup();
    type("abc" + LEFT + LEFT);
    assertShown("abc", 1);
    type("\x1bOD\x1bOD\x1bOD");
    assertShown("abc", 0);
    type(RIGHT + "\x1bOC");
    assertShown("abc", 2);
    type("\x06\x06\x06");
    assertShown("abc", 3);
    type("\x02");
    assertShown("abc", 2);
  });

  it("insert in the middle redraws the rest of the line", () => {
    const { type, assertShown } = setup();
    type("sow" + LEFT + LEFT + "h");
    assertShown("show", 2);
    type("\r");
  });

  it("Ctrl-A / Ctrl-E and Home / End (ESC [ H, ESC [ F, ESC [ 1 ~, ESC [ 4 ~, ESC O H)", () => {
    const { type, assertShown } = setup();
    type("show interfaces\x01");
    assertShown("show interfaces", 0);
    type("\x05");
    assertShown("show interfaces", 15);
    type("\x1b[H");
    assertShown("show interfaces", 0);
    type("\x1b[F");
    assertShown("show interfaces", 15);
    type("\x1b[1~");
    assertShown("show interfaces", 0);
    type("\x1b[4~");
    assertShown("show interfaces", 15);
    type("\x1bOH");
    assertShown("show interfaces", 0);
  });

  it("Delete (ESC [ 3 ~) and Ctrl-D delete under the cursor", () => {
    const { type, assertShown } = setup();
    type("shxow\x01" + RIGHT + RIGHT + "\x1b[3~");
    assertShown("show", 2);
    type("\x04");
    assertShown("shw", 2);
    type("\x05\x04");
    assertShown("shw", 3);
  });

  it("Ctrl-U deletes from the cursor to the start of the line", () => {
    const { type, assertShown } = setup();
    type("show interfaces\x15");
    assertShown("");
    type("show trunks" + LEFT.repeat(6) + "\x15");
    assertShown("trunks", 0);
  });

  it("Ctrl-W deletes the word before the cursor (and the spaces after it)", () => {
    const { type, assertShown } = setup();
    type("show interfaces brief  \x17");
    assertShown("show interfaces ");
    type("\x17");
    assertShown("show ");
    type("\x17\x17");
    assertShown("");
    type("show interfaces" + LEFT.repeat(5) + "\x17");
    assertShown("show faces", 5);
  });

  it("Ctrl-K deletes to the end of the line", () => {
    const { type, assertShown } = setup();
    type("show interfaces" + LEFT.repeat(11) + "\x0b");
    assertShown("show", 4);
  });

  it("word motion: ESC b / ESC f and Ctrl-Left / Ctrl-Right", () => {
    const { type, assertShown } = setup();
    type("show interfaces brief");
    type("\x1bb");
    assertShown("show interfaces brief", 16);
    type("\x1b[1;5D");
    assertShown("show interfaces brief", 5);
    type("\x1bf");
    assertShown("show interfaces brief", 15);
    type("\x1b[1;5C");
    assertShown("show interfaces brief", 21);
  });

  it("Ctrl-C abandons the line and prints a new prompt", () => {
    const { interpreter, screen, type, assertShown } = setup();
    type("show int" + LEFT + "\x03");
    assert.ok(screen.raw.includes("^C\r\n"));
    assert.deepEqual(interpreter.lines, []);
    assertShown("");
    assert.equal(screen.rows[screen.row - 1].join(""), "onemac# show int^C");
  });

  it("Ctrl-L clears the screen and redraws prompt and line", () => {
    const { screen, type, assertShown } = setup();
    type("show" + LEFT + "\x0c");
    assert.equal(screen.row, 0);
    assertShown("show", 3);
  });

  it("Ctrl-V inserts the next printable character literally (a '?' in a name)", () => {
    const { interpreter, type, assertShown } = setup();
    type("echo why\x16?");
    assertShown("echo why?");
    type("\r");
    assert.deepEqual(interpreter.lines, ["echo why?"]);
    assert.deepEqual(interpreter.helpAsked, []);
  });

  it("other control bytes and bytes >= 0x80 are ignored and counted", () => {
    const { session, type, assertShown } = setup();
    type("sh\x00\x07\x0f\x11\x12\x13\x14\x18\x19\x1a\x1c\x1d\x1e\x1f\x80\xff\xc3\xa9ow");
    assertShown("show");
    assert.equal(session.stats.ignoredBytes, 18);
  });
});

describe("console session: escape sequences", () => {
  it("unknown sequences are dropped with no effect", () => {
    const { session, type, assertShown } = setup();
    type("ab\x1b[5~\x1b[?25h\x1b[Z\x1b[200~\x1bOP\x1bx\x1b[>0c");
    assertShown("ab");
    assert.equal(session.stats.droppedSequences, 7);
  });

  it("an overlong sequence (> 16 bytes) is dropped up to its final byte", () => {
    const { session, type, assertShown } = setup();
    type("ab\x1b[" + "1;".repeat(30) + "1D" + "c");
    assertShown("abc");
    assert.equal(session.stats.droppedSequences, 1);
  });

  it("an endless ESC [ 1;1;1;... never inserts its bytes, and a control byte ends it", () => {
    const { interpreter, type, assertShown } = setup();
    type("show\x1b[");
    for (let i = 0; i < 1000; i++) type("1;");
    assertShown("show");
    type("\r");
    assert.deepEqual(interpreter.lines, ["show"]);
  });

  it("a lone ESC followed by a printable byte ends the sequence; a control byte after ESC acts on its own", () => {
    const { interpreter, type, assertShown } = setup();
    type("sh\x1bqow");
    assertShown("show");
    type("\x1b\x7f");
    assertShown("sho");
    type("\x1b\r");
    assert.deepEqual(interpreter.lines, ["sho"]);
  });

  it("a sequence split across input chunks is still understood", () => {
    const { type, assertShown } = setup();
    type("abc\x1b");
    type("[");
    type("D");
    assertShown("abc", 2);
  });
});

describe("console session: history", () => {
  it("up and down walk the lines run, newest first, then back to what was typed", () => {
    const { type, assertShown } = setup();
    type("echo one\recho two\recho three\r");
    type("draft");
    type(UP);
    assertShown("echo three");
    type(UP + UP);
    assertShown("echo one");
    type(UP);
    assertShown("echo one");
    type(DOWN);
    assertShown("echo two");
    type(DOWN + DOWN);
    assertShown("draft");
    type(DOWN);
    assertShown("draft");
  });

  it("Ctrl-P / Ctrl-N are up / down", () => {
    const { type, assertShown } = setup();
    type("echo one\recho two\r\x10\x10");
    assertShown("echo one");
    type("\x0e");
    assertShown("echo two");
  });

  it("a recalled line runs again and repeats are kept once", () => {
    const { interpreter, session, type } = setup();
    type("echo one\r" + UP + "\r" + UP + "\r");
    assert.deepEqual(interpreter.lines, ["echo one", "echo one", "echo one"]);
    assert.equal(session.historyLength, 1);
  });

  it("the ring keeps the last 16 lines", () => {
    const { session, type, assertShown } = setup();
    for (let i = 0; i < 20; i++) type(`echo ${i}\r`);
    assert.equal(session.historyLength, 16);
    type(UP.repeat(40));
    assertShown("echo 4");
  });

  it("a shorter recalled line erases the longer one on the screen", () => {
    const { type, assertShown } = setup();
    type("echo a\recho a much longer line\r" + UP + UP);
    assertShown("echo a");
    type(DOWN);
    assertShown("echo a much longer line");
  });

  it("blank lines, refused lines and Ctrl-C'd lines do not enter history", () => {
    const { session, type } = setup();
    type("\r  \r" + "x".repeat(LINE_CAP + 5) + "\rabandoned\x03");
    assert.equal(session.historyLength, 0);
  });
});

describe("console session: completion", () => {
  it("one candidate completes the word and adds a space", () => {
    const { interpreter, type, assertShown } = setup();
    type("conf\t");
    assertShown("configure ");
    assert.deepEqual(interpreter.completeAsked, ["conf"]);
  });

  it("several candidates extend to their common prefix; a second Tab lists them and redraws", () => {
    const { screen, type, assertShown } = setup();
    type("show int\t");
    assertShown("show interface");
    const mark = screen.row;
    type("\t");
    assert.equal(screen.rowsFrom(mark)[1], "interfaces  interface");
    assertShown("show interface");
  });

  it("a first Tab that cannot extend rings the bell; the second lists", () => {
    const { screen, type, assertShown } = setup();
    type("sh");
    const bells = screen.bells;
    type("\t");
    assert.equal(screen.bells, bells + 1);
    assertShown("sh");
    type("\t");
    assert.ok(screen.text.includes("show  shutdown"));
    assertShown("sh");
  });

  it("no candidate rings the bell and changes nothing", () => {
    const { screen, type, assertShown } = setup();
    type("xyz\t");
    assert.equal(screen.bells, 1);
    assertShown("xyz");
  });

  it("completes the word before the cursor in the middle of a line", () => {
    const { interpreter, type, assertShown } = setup();
    type("wr 1" + LEFT + LEFT + "\t");
    assert.deepEqual(interpreter.completeAsked, ["wr"]);
    assertShown("write 1", 5);
  });

  it("a completion that would overflow the line rings the bell and changes nothing", () => {
    const { screen, type, assertShown } = setup();
    const long = "x ".repeat(118) + "con";
    type(long);
    const bells = screen.bells;
    type("\t");
    assert.equal(screen.bells, bells + 1);
    assertShown(long);
  });

  it("bad candidates (not strings, control characters, spaces) are ignored", () => {
    const { interpreter, type, assertShown } = setup();
    interpreter.complete = () => ["sh\x1b[2Jow", "sh ow", "", 42, null, "show", "show"] as unknown as string[];
    type("sh\t");
    assertShown("show ");
  });
});

describe("console session: ? help", () => {
  it("prints '?', the interpreter's help for the text before the cursor, and redraws", () => {
    const { interpreter, screen, type, assertShown } = setup();
    type("show int?");
    assert.deepEqual(interpreter.helpAsked, ["show int"]);
    assert.ok(screen.raw.includes("show int?\r\n  show        Show things\r\n  configure   Enter configuration mode\r\nonemac# show int"));
    assertShown("show int");
    type(LEFT.repeat(4) + "?");
    assert.deepEqual(interpreter.helpAsked, ["show int", "show"]);
    assertShown("show int", 4);
  });

  it("'?' is never inserted into the line", () => {
    const { interpreter, type } = setup();
    type("show ?\r");
    assert.deepEqual(interpreter.lines, ["show "]);
  });
});

describe("console session: line length", () => {
  it("accepts a line of exactly the cap", () => {
    const { interpreter, type } = setup();
    const line = "echo " + "y".repeat(LINE_CAP - 5);
    type(line + "\r");
    assert.deepEqual(interpreter.lines, [line]);
  });

  it("characters past the cap are not inserted (one bell); Enter refuses the line and runs nothing", () => {
    const { interpreter, screen, session, type, assertShown } = setup();
    type("echo " + "z".repeat(300));
    assert.equal(session.lineLength, LINE_CAP);
    assert.equal(screen.bells, 1);
    type("\r");
    assert.deepEqual(interpreter.lines, []);
    assert.equal(screen.rows[screen.row - 1].join(""), LINE_TOO_LONG_MESSAGE);
    assert.equal(LINE_TOO_LONG_MESSAGE, "% Line too long (more than 240 characters); nothing was done");
    assert.equal(session.stats.refusedLines, 1);
    assertShown("");
    type("echo ok\r");
    assert.deepEqual(interpreter.lines, ["echo ok"]);
  });

  it("erasing an overlong line completely clears the refusal", () => {
    const { interpreter, type } = setup();
    type("x".repeat(LINE_CAP + 1) + "\x01\x0becho fine\r");
    assert.deepEqual(interpreter.lines, ["echo fine"]);
  });
});

describe("console session: asynchronous log lines", () => {
  it("erases the input line, prints the log line, redraws prompt and input with the cursor where it was", () => {
    const { session, screen, type, assertShown } = setup();
    type("show interf" + LEFT.repeat(3));
    const mark = screen.row;
    session.log(12_345, "port 3: down");
    assert.deepEqual(screen.rowsFrom(mark), ["[12.345] port 3: down", "onemac# show interf"]);
    assertShown("show interf", 8);
    type("X");
    assertShown("show intXerf", 9);
  });

  it("a log line while a command runs or holds is printed as it is", () => {
    const { session, interpreter, screen, type, assertShown } = setup();
    type("hold\r");
    session.log(1000, "saving");
    assert.ok(screen.raw.endsWith("working...\r\n[1.000] saving\r\n"));
    interpreter.release!();
    assertShown("");
  });

  it("a custom formatLog is used", () => {
    const screen = new Screen();
    const session = new ConsoleSession({ interpreter: new FakeInterpreter(), write: screen.write, formatLog: (at, text) => `${at}ms ${text}` });
    session.start();
    session.log(5, "hello");
    assert.ok(screen.raw.includes("\r\x1b[K5ms hello\r\nonemac# "));
  });

  it("io.write outside a command redraws the line like a log line", () => {
    const { interpreter, screen, type, assertShown } = setup();
    type("abc");
    const mark = screen.row;
    interpreter.io!.write("late output\n");
    assert.deepEqual(screen.rowsFrom(mark), ["late output", "onemac# abc"]);
    assertShown("abc");
  });
});

describe("console session: commands that hold the prompt", () => {
  it("no prompt until release; input typed meanwhile is kept and processed after, in order", () => {
    const { interpreter, session, screen, type, assertShown } = setup();
    type("hold\recho a\recho b\rpart");
    assert.deepEqual(interpreter.lines, ["hold"]);
    assert.ok(session.busy);
    assert.ok(screen.raw.endsWith("working...\r\n"));
    assert.equal(session.heldInput, "echo a\recho b\rpart".length);
    interpreter.release!();
    assert.deepEqual(interpreter.lines, ["hold", "echo a", "echo b"]);
    assert.equal(session.busy, false);
    assertShown("part");
  });

  it("release runs once; a second call does nothing", () => {
    const { interpreter, screen, type } = setup();
    type("hold\r");
    const release = interpreter.release!;
    release();
    const length = screen.raw.length;
    release();
    assert.equal(screen.raw.length, length);
  });

  it("a held command queued behind another holds again; the rest waits", () => {
    const { interpreter, type, assertShown } = setup();
    type("hold\rhold\recho after\r");
    const first = interpreter.release!;
    first();
    assert.deepEqual(interpreter.lines, ["hold", "hold"]);
    const second = interpreter.release!;
    assert.notEqual(first, second);
    second();
    assert.deepEqual(interpreter.lines, ["hold", "hold", "echo after"]);
    assertShown("");
  });

  it("input past HELD_INPUT_CAPACITY while held is dropped, counted and reported", () => {
    const { interpreter, session, screen, type } = setup();
    type("hold\r");
    type("a".repeat(HELD_INPUT_CAPACITY + 10));
    assert.equal(session.stats.heldInputDropped, 10);
    interpreter.release!();
    assert.ok(screen.text.includes("% 10 typed characters were dropped while a command ran"));
    assert.equal(session.lineLength, LINE_CAP);
  });
});

describe("console session: secrets", () => {
  it("readSecret: the prompt comes after the command, the secret is not echoed and not in history", () => {
    const { interpreter, session, screen, type, assertShown } = setup();
    type("password\r");
    assert.ok(screen.current === "Password: ");
    assert.ok(session.secretPending);
    const before = screen.raw.length;
    type("s3cr?t pass\x7fs\r");
    const echoed = screen.raw.slice(before);
    assert.ok(!echoed.includes("s3cr"), JSON.stringify(echoed));
    assert.equal(echoed, "\r\nsecret taken\r\nonemac# ");
    assert.deepEqual(interpreter.secrets, ["s3cr?t pass"]);
    assert.deepEqual(interpreter.lines, ["password"]);
    assert.equal(session.historyLength, 1);
    type(UP);
    assertShown("password");
  });

  it("Ctrl-U and Ctrl-W clear a secret; Ctrl-C starts it over and the request stays", () => {
    const { interpreter, session, screen, type } = setup();
    type("password\rabc\x15xyz\x03");
    assert.equal(screen.current, "Password: ");
    assert.ok(session.secretPending);
    type("right\r");
    assert.deepEqual(interpreter.secrets, ["right"]);
  });

  it("arrow keys, Tab and history do nothing while a secret is typed", () => {
    const { interpreter, screen, type } = setup();
    type("echo one\rpassword\r");
    const before = screen.raw.length;
    type("ab" + UP + LEFT + "\tc\r");
    assert.deepEqual(interpreter.secrets, ["abc"]);
    assert.equal(screen.raw.slice(before), "\r\nsecret taken\r\nonemac# ");
  });

  it("an overlong secret is refused and asked again", () => {
    const { interpreter, session, screen, type } = setup();
    type("password\r" + "p".repeat(LINE_CAP + 1) + "\r");
    assert.deepEqual(interpreter.secrets, []);
    assert.ok(screen.text.includes(LINE_TOO_LONG_MESSAGE));
    assert.equal(screen.current, "Password: ");
    assert.ok(session.secretPending);
  });

  it("a log line while a secret is typed redraws only the secret's prompt", () => {
    const { session, screen, type } = setup();
    type("password\rhidden");
    session.log(0, "link up");
    assert.equal(screen.current, "Password: ");
    assert.ok(!screen.raw.includes("hidden"));
  });

  it("readSecret from start() (a login) comes before any command prompt", () => {
    const screen = new Screen();
    const interpreter = new FakeInterpreter();
    let loggedIn = "";
    interpreter.start = (io) => io.readSecret("Console password: ", (secret) => (loggedIn = secret));
    const session = new ConsoleSession({ interpreter, write: screen.write });
    session.start();
    assert.equal(screen.current, "Console password: ");
    session.input(bytes("letmein\r"));
    assert.equal(loggedIn, "letmein");
    assert.equal(screen.current, "onemac# ");
    assert.equal(session.historyLength, 0);
  });
});

describe("console session: failures", () => {
  it("an interpreter that throws: '% Internal error: <message>' and the session keeps working", () => {
    const { interpreter, session, screen, type, assertShown } = setup();
    type("throw\r");
    assert.ok(screen.text.includes("% Internal error: boom"));
    assertShown("");
    assert.equal(session.stats.internalErrors, 1);
    type("echo fine\r");
    assert.deepEqual(interpreter.lines, ["throw", "echo fine"]);
  });

  it("a command that holds and then throws does not leave the prompt withheld", () => {
    const { interpreter, session, type, assertShown } = setup();
    interpreter.execute = (_line, io) => {
      interpreter.release = io.hold();
      throw new TypeError("half way");
    };
    type("x\r");
    assert.equal(session.busy, false);
    assertShown("");
    interpreter.release!(); // stale: does nothing
    assertShown("");
  });

  it("complete, help, prompt and start that throw are reported; nothing escapes input()", () => {
    for (const where of ["complete", "help", "prompt", "start"] as const) {
      const screen = new Screen();
      const interpreter = new FakeInterpreter();
      interpreter.throwIn = where;
      const session = new ConsoleSession({ interpreter, write: screen.write });
      session.start();
      session.input(bytes("sh\t?\rshow\r"));
      assert.ok(session.stats.internalErrors >= 1, where);
      assert.deepEqual(screen.malformed, []);
    }
  });

  it("a thrown non-Error (and one whose toString throws) is reported too", () => {
    const { interpreter, screen, type } = setup();
    interpreter.execute = () => {
      throw { toString: () => { throw new Error("nope"); } };
    };
    type("x\r");
    assert.ok(screen.text.includes("% Internal error: unknown error"));
    interpreter.execute = () => {
      throw "plain string";
    };
    type("y\r");
    assert.ok(screen.text.includes("% Internal error: plain string"));
  });

  it("input() that is not bytes is counted, not thrown", () => {
    const { session, assertShown } = setup();
    session.input(Symbol("not bytes") as unknown as Uint8Array);
    session.input({ get length(): number { throw new Error("hostile"); } } as unknown as Uint8Array);
    assert.equal(session.stats.internalErrors, 2);
    assertShown("");
  });

  it("a writer that throws does not escape input()", () => {
    let fail = false;
    const session = new ConsoleSession({
      interpreter: new FakeInterpreter(),
      write: () => {
        if (fail) throw new Error("uart gone");
      },
    });
    session.start();
    fail = true;
    session.input(bytes("show\r\x1b[Aabc\t?"));
    session.log(1, "x");
  });
});
