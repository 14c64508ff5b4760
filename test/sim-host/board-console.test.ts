// Board commands (parser, keystroke split between the firmware and the board) and the console transcript reader the
// onemac client and scripted mode share. In-process, no board booted.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CommandTranscript, promptKind, ScreenLines, UnsolicitedOutput } from "../../hosts/cli/console-transcript";
import { BoardError } from "../../hosts/sim/board";
import { BoardKeystrokes, isBoardLine, parseBoardCommand, type BoardResult } from "../../hosts/sim/board-console";

describe("board command parser", () => {
  it("parses every command", () => {
    assert.deepEqual(parseBoardCommand("board"), { kind: "help" });
    assert.deepEqual(parseBoardCommand("board help"), { kind: "help" });
    assert.deepEqual(parseBoardCommand("  BOARD   link 1 down "), { kind: "link", port: 1, up: false });
    assert.deepEqual(parseBoardCommand("board link 4 up"), { kind: "link", port: 4, up: true });
    assert.deepEqual(parseBoardCommand("board clients 16 -> trk1"), { kind: "clients", count: 16 });
    assert.deepEqual(parseBoardCommand("board clients 3 -> server"), { kind: "clients", count: 3 });
    assert.deepEqual(parseBoardCommand("board clients 3 -> 1"), { kind: "clients", count: 3 });
    assert.deepEqual(parseBoardCommand("board clients 64"), { kind: "clients", count: 64 });
    assert.deepEqual(parseBoardCommand("board stop-clients"), { kind: "stop-clients" });
    assert.deepEqual(parseBoardCommand("board wait 2.5"), { kind: "wait", seconds: 2.5 });
    assert.deepEqual(parseBoardCommand("board power-cut"), { kind: "power-cut" });
    assert.deepEqual(parseBoardCommand("board power-cut after-writes 3"), { kind: "power-cut-armed", writes: 3 });
    assert.deepEqual(parseBoardCommand("board status"), { kind: "status" });
    assert.deepEqual(parseBoardCommand("board quit"), { kind: "quit" });
  });

  it("names what is wrong", () => {
    const cases: [string, RegExp][] = [
      ["board link", /needs a port/],
      ["board link 9 up", /port must be 0-4, not 9/],
      ["board link x up", /port must be a number/],
      ["board link 1 sideways", /needs up or down/],
      ["board link 1 up now", /unexpected "now"/],
      ["board clients 0 -> trk1", /1-64, not 0/],
      ["board clients 65 -> trk1", /1-64, not 65/],
      ["board clients 4 => trk1", /expected "->"/],
      ["board clients 4 -> trk2", /only to the server/],
      ["board clients 4 -> 3", /only to the server/],
      ["board wait 0", /above 0/],
      ["board wait 3601", /up to 3600/],
      ["board wait soon", /not "soon"/],
      ["board status now", /unexpected "now"/],
      ["board dance", /unknown board command "dance"/],
      ["board power-cut later", /nothing or "after-writes <n>"/],
      ["board power-cut after-writes", /needs a number of writes/],
      ["board power-cut after-writes 1001", /0-1000, not 1001/],
    ];
    for (const [line, message] of cases) assert.throws(() => parseBoardCommand(line), (error: unknown) => error instanceof BoardError && message.test(error.message), line);
  });

  it("tells board lines from firmware lines", () => {
    assert.equal(isBoardLine("board status"), true);
    assert.equal(isBoardLine("  board"), true);
    assert.equal(isBoardLine("boards"), false);
    assert.equal(isBoardLine("show board"), false);
  });
});

/** A keystroke splitter wired to recorders; the firmware side is at an empty prompt. */
function keystrokeRig(prompt = "onemac# ") {
  const firmware: number[] = [];
  const terminal: string[] = [];
  const boardLines: string[] = [];
  let quits = 0;
  const keys = new BoardKeystrokes({
    toFirmware: (bytes) => firmware.push(...bytes),
    toTerminal: (text) => terminal.push(text),
    runBoardLine: async (line): Promise<BoardResult> => {
      boardLines.push(line);
      return { lines: [`ran ${line}`], failed: false, quit: line.endsWith("quit"), rebooted: false };
    },
    quit: () => quits++,
  });
  keys.firmwareOutput(Buffer.from(`\r\n${prompt}`));
  const type = (text: string) => keys.input(Buffer.from(text, "latin1"));
  return { keys, type, firmware: () => Buffer.from(firmware).toString("latin1"), terminal: () => terminal.join(""), boardLines, quits: () => quits };
}

describe("board keystrokes", () => {
  it("holds a board line back from the firmware and runs it on Enter", async () => {
    const rig = keystrokeRig();
    rig.type("board link 1 down\r");
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(rig.boardLines, ["board link 1 down"]);
    assert.equal(rig.firmware(), "");
    assert.match(rig.terminal(), /board link 1 down\r\nran board link 1 down\r\nonemac# $/);
  });

  it("hands a line that turns out not to be a board command to the firmware", () => {
    const rig = keystrokeRig();
    rig.type("bogus\r");
    assert.equal(rig.firmware(), "bogus\r");
    assert.deepEqual(rig.boardLines, []);
    // The local echo of "bo" was taken back before the firmware echoes the line itself.
    assert.equal(rig.terminal(), "bo\b \b\b \b");
  });

  it("only holds from an empty firmware line, and edits the held line locally", async () => {
    const rig = keystrokeRig();
    rig.type("show b");
    assert.equal(rig.firmware(), "show b");
    rig.type("\r");
    rig.keys.firmwareOutput(Buffer.from("\r\n% error\r\nonemac# "));
    rig.type("boa\x7fa\tstatus\r");
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(rig.boardLines, ["board status"]);
    assert.equal(rig.firmware(), "show b\r");
  });

  it("Ctrl-U abandons a held line; Ctrl-] quits; board quit quits", async () => {
    const rig = keystrokeRig();
    rig.type("board st\x15");
    assert.equal(rig.firmware(), "");
    rig.type("\x1d");
    assert.equal(rig.quits(), 1);
    rig.type("board quit\r");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(rig.quits(), 2);
  });

  it("does not hold at a password or question prompt", () => {
    const rig = keystrokeRig("Proceed with reload? [y/N] ");
    rig.type("b\r");
    assert.equal(rig.firmware(), "b\r");
  });
});

describe("console transcript", () => {
  it("emulates what the console's redraws leave on the screen", () => {
    const screen = new ScreenLines();
    screen.write("onemac# shw\b\bhow\x1b[K\r\n");
    screen.write("onemac# abc\x1b[3Dxyz\r\n");
    screen.write("onemac# typed\r\x1b[K[1.000] port 1: down\r\nonemac# typed");
    assert.deepEqual(screen.lines, ["onemac# show", "onemac# xyz", "[1.000] port 1: down"]);
    assert.equal(screen.current, "onemac# typed");
  });

  it("finds the answer between the echo and the next prompt, across chunks and UTF-8 splits", () => {
    const transcript = new CommandTranscript("show x");
    const bytes = Buffer.from("show x\r\nline \u00a71\r\n% Invalid input\r\nonemac(config)# ", "utf8");
    for (let i = 0; i < bytes.length; i++) {
      assert.equal(transcript.answer(), undefined);
      transcript.write(bytes.subarray(i, i + 1));
    }
    assert.deepEqual(transcript.answer(), { lines: ["line \u00a71", "% Invalid input"], prompt: "onemac(config)# ", promptKind: "command", failed: true });
  });

  it("waits for the echo before taking a prompt as the end, and knows answers without echo", () => {
    const transcript = new CommandTranscript("show version");
    transcript.write("\r\x1b[K[2.000] log line\r\nonemac# ");
    assert.equal(transcript.answer(), undefined);
    transcript.write("show version\r\nonemac firmware\r\nonemac# ");
    assert.deepEqual(transcript.answer()?.lines, ["onemac firmware"]);
    const secret = new CommandTranscript("hunter2", { secret: true });
    secret.write("\r\nReloading...\r\n");
    secret.markRestart();
    secret.write("boot output\r\nonemac# ");
    assert.deepEqual(secret.answer()?.lines, ["Reloading..."]);
  });

  it("recognises prompts", () => {
    assert.equal(promptKind("onemac# "), "command");
    assert.equal(promptKind("edge-1(config)# "), "command");
    assert.equal(promptKind("Password: "), "secret");
    assert.equal(promptKind("New password: "), "secret");
    assert.equal(promptKind("Proceed with reload? [y/N] "), "question");
    assert.equal(promptKind("onemac#"), undefined);
    assert.equal(promptKind("text onemac# "), undefined);
  });

  it("unsolicited output leaves prompts out", () => {
    const output = new UnsolicitedOutput();
    output.write("banner\r\nonemac# \r\x1b[K[1.0] port 1: down\r\nonemac# ");
    assert.deepEqual(output.take(), ["banner", "[1.0] port 1: down"]);
    assert.equal(output.current, "onemac# ");
  });
});
