// The raw xsnap driver (hosts/xs/xsnap.ts) on trivial scripts: evaluate, commands, synchronous issueCommand round
// trips, meters, snapshots, errors, and that a runaway worker is stopped and killed.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { Xsnap, XsnapError } from "../../hosts/xs/xsnap";

const workers: Xsnap[] = [];
function spawnWorker(options: Parameters<typeof Xsnap.spawn>[0] = {}): Xsnap {
  const worker = Xsnap.spawn(options);
  workers.push(worker);
  return worker;
}
after(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
});

const bytes = (...values: number[]) => new Uint8Array(values);

describe("xsnap worker driver", () => {
  it("evaluates scripts and reports meters; print() lines reach onPrint", async () => {
    const printed: string[] = [];
    const worker = spawnWorker({ onPrint: (line) => printed.push(line) });
    const { meter } = await worker.evaluate("print('hello', 6 * 7); globalThis.answer = 42;");
    assert.ok(meter.currentHeapCount > 0);
    assert.ok(meter.compute > 0);
    assert.ok(meter.allocate > 0);
    // stdout and the protocol pipe are separate streams: wait for the line to arrive.
    for (let i = 0; i < 50 && printed.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(printed, ["hello 42"]);
  });

  it("serves handleCommand and answers XS's synchronous issueCommand calls", async () => {
    const seen: number[][] = [];
    const worker = spawnWorker({
      onIssueCommand: (request) => {
        seen.push([...request]);
        return request.map((byte) => byte + 1);
      },
    });
    await worker.evaluate(`
      globalThis.handleCommand = (message) => {
        let view = new Uint8Array(message);
        for (let i = 0; i < 3; i++) view = new Uint8Array(issueCommand(view.slice().buffer));
        return view.slice().buffer;
      };`);
    const { reply } = await worker.command(bytes(1, 2, 3));
    assert.deepEqual([...reply], [4, 5, 6]);
    assert.deepEqual(seen, [[1, 2, 3], [2, 3, 4], [3, 4, 5]]);
    assert.equal(worker.issueCommandCount, 3);
  });

  it("surfaces an exception as an XsnapError and keeps the worker usable", async () => {
    const worker = spawnWorker();
    await assert.rejects(worker.evaluate("throw new TypeError('boom')"), (error: unknown) => {
      assert.ok(error instanceof XsnapError);
      assert.equal(error.kind, "exception");
      assert.match(error.message, /TypeError: boom/);
      return true;
    });
    const { reply } = await worker.evaluate("new Uint8Array([7]).buffer");
    assert.deepEqual([...reply], [7]);
  });

  it("fails the delivery when the issueCommand handler throws, after answering XS", async () => {
    const worker = spawnWorker({
      onIssueCommand: () => {
        throw new RangeError("no such register");
      },
    });
    await worker.evaluate("globalThis.handleCommand = (m) => issueCommand(m);");
    await assert.rejects(worker.command(bytes(1)), /no such register/);
    await worker.evaluate("1"); // still in step
  });

  it("counts live slots and chunk bytes from a snapshot", async () => {
    const worker = spawnWorker();
    const before = await worker.snapshotMemory();
    assert.equal(before.slotSize, 32); // 64-bit host; 16 on the ESP32
    await worker.evaluate("globalThis.keep = []; for (let i = 0; i < 1000; i++) keep.push({ i }); globalThis.text = 'x'.repeat(10000);");
    const afterKeep = await worker.snapshotMemory();
    assert.ok(afterKeep.slots - before.slots >= 2000, `${afterKeep.slots - before.slots} slots`);
    assert.ok(afterKeep.chunkBytes - before.chunkBytes >= 10000 + 1000 * 16, `${afterKeep.chunkBytes - before.chunkBytes} bytes`);
    await worker.evaluate("delete globalThis.keep; delete globalThis.text;");
    const released = await worker.snapshotMemory();
    assert.ok(released.slots - before.slots < 50);
    assert.ok(released.chunkBytes - before.chunkBytes < 2000);
  });

  it("stops an endless loop through the compute limit and reports why", async () => {
    const worker = spawnWorker({ computeLimit: 1e6 });
    await assert.rejects(worker.evaluate("for (;;) {}"), (error: unknown) => {
      assert.ok(error instanceof XsnapError);
      assert.equal(error.kind, "exit");
      assert.match(error.message, /too much computation/);
      return true;
    });
    await assert.rejects(worker.evaluate("1"), XsnapError);
  });

  it("kills a worker that does not answer within the timeout", async () => {
    // An issueCommand handler that never answers cannot exist (it is synchronous); a long computation stands in.
    const worker = spawnWorker({ timeoutMs: 200, computeLimit: 2 ** 31 - 1 });
    const started = Date.now();
    await assert.rejects(worker.evaluate("for (;;) {}"), (error: unknown) => error instanceof XsnapError && error.kind === "timeout");
    assert.ok(Date.now() - started < 5000);
    await worker.close();
  });

  it("close() kills the worker and rejects later deliveries", async () => {
    const worker = spawnWorker();
    await worker.evaluate("1");
    await worker.close();
    await assert.rejects(worker.evaluate("1"), (error: unknown) => error instanceof XsnapError && error.kind === "closed");
    await worker.close();
  });
});
