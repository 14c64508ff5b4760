// The console session on the real XS engine (xsnap, XS 13.3) in lockstep with Node: the same keystrokes give the same
// bytes on the wire, and the cost of typing is measured in XS heap slots (the slope over two runs that each start
// right after a collection, as bench/xs.ts measures polls). Echoing a character at the end of the line, erasing it and
// moving the cursor over it allocate nothing, through the UART console's output ring too; an idle session allocates
// nothing because it does nothing.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { ConsoleSession } from "../../modules/console/session";
import { Xsnap } from "../../hosts/xs/xsnap";
import { FakeInterpreter } from "./session-screen";

const root = fileURLToPath(new URL("../..", import.meta.url));

async function bundle(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `import { ConsoleSession } from "./modules/console/session"; import { UartConsole } from "./modules/console/uart";
        globalThis.ConsoleSession = ConsoleSession; globalThis.UartConsole = UartConsole;`,
      resolveDir: root,
      loader: "ts",
    },
    bundle: true,
    write: false,
    format: "iife",
    platform: "neutral",
    target: "es2022",
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}

// The same small interpreter on both sides (plain JS so XS can evaluate it).
const INTERPRETER = `
  globalThis.out = "";
  globalThis.interpreter = {
    prompt() { return "onemac# "; },
    start(io) { io.write("Welcome to onemac\\n"); },
    execute(line, io) {
      if (line === "throw") throw new Error("boom");
      io.write("ran " + line + "\\n");
    },
    complete(line) {
      const partial = line.slice(line.lastIndexOf(" ") + 1);
      return ["show", "shutdown", "configure", "interfaces", "interface"].filter((w) => w.startsWith(partial));
    },
    help(line) { return "  help for " + line + "\\n"; },
  };
  globalThis.session = new ConsoleSession({ interpreter, write: (t) => { out += t; } });
  session.start();
  globalThis.typeAndTake = (codes) => {
    out = "";
    session.input(new Uint8Array(codes));
    const bytes = new Uint8Array(out.length);
    for (let i = 0; i < out.length; i++) bytes[i] = out.charCodeAt(i);
    return bytes.buffer;
  };
`;

const SCRIPT = [
  "show int\t\t",
  "\x1b[D\x1b[D?",
  "\x01\x1b[Cx\x7f\x05 brief\r",
  "conf\t\r",
  "\x1b[A\x1b[A\x1b[B\r",
  "throw\r",
  "x".repeat(250) + "\r",
  "\x1b[" + "1;".repeat(40) + "\x1bbq\x15show\x17abc\r\n",
  "sh\x00\x80\xffow\x1bOD\x04\r",
];

const workers: Xsnap[] = [];
after(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
});

describe("console session on XS", () => {
  it("gives the same output as on Node, keystroke for keystroke", async () => {
    const worker = Xsnap.spawn({ name: "console-session" });
    workers.push(worker);
    await worker.evaluate(await bundle());
    await worker.evaluate(INTERPRETER);

    let nodeOut = "";
    const interpreter = new FakeInterpreter();
    interpreter.execute = (line, io) => {
      if (line === "throw") throw new Error("boom");
      io.write("ran " + line + "\n");
    };
    interpreter.complete = (line) => ["show", "shutdown", "configure", "interfaces", "interface"].filter((w) => w.startsWith(line.slice(line.lastIndexOf(" ") + 1)));
    interpreter.help = (line) => "  help for " + line + "\n";
    const session = new ConsoleSession({ interpreter, write: (t) => (nodeOut += t) });
    session.start();

    for (const keys of SCRIPT) {
      const codes = Array.from(keys, (ch) => ch.charCodeAt(0));
      nodeOut = "";
      session.input(Uint8Array.from(codes));
      const { reply } = await worker.evaluate(`typeAndTake(${JSON.stringify(codes)})`);
      assert.equal(Buffer.from(reply).toString("latin1"), nodeOut, JSON.stringify(keys));
    }
  });

  it("typing, erasing and moving over characters allocate no XS slots, through the session and the UART's output", async () => {
    const worker = Xsnap.spawn({ name: "console-session-slots" });
    workers.push(worker);
    await worker.evaluate(await bundle());
    await worker.evaluate(`
      globalThis.fifoBytes = 0;
      class FakeSerial {
        constructor(options) { this.onWritable = options.onWritable; globalThis.fake = this; }
        read() { return undefined; }
        write(piece) { fifoBytes += piece.byteLength; }
        close() {}
      }
      globalThis.uart = new UartConsole({ Serial: FakeSerial, receive: 3, transmit: 1 });
      globalThis.session = new ConsoleSession({
        interpreter: { prompt() { return "onemac# "; }, start() {}, execute() {}, complete() { return []; }, help() { return ""; } },
        write: (text) => uart.write(text),
      });
      session.start();
      globalThis.keys = (count, a, b) => {
        gc();
        for (let i = 0; i < count; i++) {
          session.inputByte(a);
          session.inputByte(b);
          fake.onWritable(128); // the FIFO drained, as the device reports it
        }
      };`);
    const perPair = async (a: number, b: number) => {
      await worker.evaluate(`keys(10, ${a}, ${b})`);
      const short = await worker.evaluate(`keys(100, ${a}, ${b})`);
      const long = await worker.evaluate(`keys(400, ${a}, ${b})`);
      return (long.meter.currentHeapCount - short.meter.currentHeapCount) / 300;
    };
    const typeErase = await perPair(0x61, 0x7f); // "a", backspace
    await worker.evaluate("session.input(new Uint8Array([0x61, 0x62, 0x63]))");
    const leftRight = await perPair(0x02, 0x06); // Ctrl-B, Ctrl-F
    console.log(`# XS slots per keystroke pair: type+erase ${typeErase}, left+right ${leftRight}`);
    assert.ok(typeErase >= 0 && typeErase < 0.05, `type+erase: ${typeErase} slots`);
    assert.ok(leftRight >= 0 && leftRight < 0.05, `left+right: ${leftRight} slots`);
  });
});
