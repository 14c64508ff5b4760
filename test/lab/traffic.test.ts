// The lab's traffic agents (hosts/lab/traffic-agent.ts) and their parent handle (hosts/lab/traffic.ts). The pattern,
// the header and the verifier are checked in this process; agents on the loopback run anywhere; then, as root, a
// server agent in one namespace and clients in another joined by a veth: bytes verified both ways, a corrupted stream
// caught at its first wrong byte, a killed server seen as a reset by its client, and an orderly stop.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { runIp } from "../../hosts/linux/team/iproute";
import { decodeHeader, encodeHeader, PATTERN_BLOCK, patternBlock, patternSlice, serverSeed, StreamVerifier } from "../../hosts/lab/traffic-agent";
import { agentArguments, parseRetransSegs, tcpRetransmissions, TrafficAgent } from "../../hosts/lab/traffic";
import type { StreamStats } from "../../hosts/lab/types";
import { privilegedSkipReason, sleep, waitFor } from "../linux/netns-harness";

const AGENT_MODULE = pathToFileURL(join(import.meta.dirname, "..", "..", "hosts", "lab", "traffic-agent.ts")).href;

/** Stops agents that a failed test left running (stop() of a stopped agent returns its first result). */
const running: TrafficAgent[] = [];
async function stopAll(): Promise<void> {
  for (const agent of running.splice(0)) await agent.stop(5000).catch(() => agent.kill());
}

async function start(options: Parameters<typeof TrafficAgent.start>[0]): Promise<TrafficAgent> {
  const agent = await TrafficAgent.start(options);
  running.push(agent);
  return agent;
}

/** A free TCP port on the loopback (for the unprivileged runs). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function byClient(streams: readonly StreamStats[], client: string): StreamStats {
  const found = streams.filter((stream) => stream.client === client);
  assert.equal(found.length, 1, `one stream for ${client}: ${JSON.stringify(streams)}`);
  return found[0];
}

/** Both ends of one client's connection after an orderly stop: closed, intact, every byte sent arrived. */
function assertIntact(client: StreamStats, server: StreamStats): void {
  for (const end of [client, server]) {
    assert.equal(end.state, "closed", JSON.stringify(end));
    assert.equal(end.firstCorruptOffset, -1);
    assert.equal(end.connections, 1);
    assert.equal(end.error, null);
  }
  assert.ok(client.sent > 0 && server.sent > 0, "both directions carried bytes");
  assert.equal(server.received, client.sent);
  assert.equal(client.received, server.sent);
}

describe("traffic pattern and header", () => {
  it("the pattern is seeded, block-indexed and sliceable at any offset", () => {
    const block = patternBlock(7);
    assert.deepEqual(block, patternBlock(7));
    assert.notDeepEqual(block, patternBlock(8));
    const whole = patternSlice(block, 0, 3 * PATTERN_BLOCK);
    // Each block starts with its index, so block 1 differs from block 0 though the rest repeats.
    assert.equal(whole.readUInt32BE(PATTERN_BLOCK + 4), 1);
    assert.equal(whole.readUInt32BE(2 * PATTERN_BLOCK + 4), 2);
    assert.deepEqual(whole.subarray(PATTERN_BLOCK + 8, 2 * PATTERN_BLOCK), whole.subarray(8, PATTERN_BLOCK));
    for (const [offset, length] of [[0, 1], [5, 10], [PATTERN_BLOCK - 3, 20], [PATTERN_BLOCK + 2, 3], [100, 2 * PATTERN_BLOCK]]) {
      assert.deepEqual(patternSlice(block, offset, length), whole.subarray(offset, offset + length), `slice ${offset}+${length}`);
    }
    assert.notEqual(serverSeed(7), 7);
  });

  it("the header names the client and its seed, arriving in pieces or with data behind it", () => {
    const header = encodeHeader("c12", 0xdeadbeef);
    for (let cut = 0; cut < header.length; cut++) assert.equal(decodeHeader(header.subarray(0, cut)), null);
    assert.deepEqual(decodeHeader(Buffer.concat([header, Buffer.from([1, 2, 3])])), { name: "c12", seed: 0xdeadbeef, length: header.length });
    assert.throws(() => decodeHeader(Buffer.from("GET / HTTP/1.1\r\n")), /header/);
    assert.throws(() => encodeHeader("", 1), /1\.\.255/);
  });

  it("the verifier finds the first wrong byte, whatever the chunking, and keeps the gaps", () => {
    const stream = patternSlice(patternBlock(3), 0, 200_000);
    stream[150_001] ^= 0x40;
    stream[160_000] ^= 0x01;
    const verifier = new StreamVerifier(3, 1000);
    let at = 0;
    let time = 1000;
    for (const size of [1, 7, 65_529, 70_000, 30_000, 34_463]) {
      time += size === 70_000 ? 250 : 5;
      verifier.accept(stream.subarray(at, at + size), time);
      at += size;
    }
    assert.equal(at, stream.length);
    assert.equal(verifier.received, 200_000);
    assert.equal(verifier.firstCorruptOffset, 150_001);
    assert.equal(verifier.longestGapMs, 250);
    assert.deepEqual(verifier.gaps, [{ endedAtMs: 1000 + 5 + 5 + 5 + 250, ms: 250 }]);
    const clean = new StreamVerifier(3, 0);
    clean.accept(patternSlice(patternBlock(3), 0, 1000), 1);
    assert.equal(clean.firstCorruptOffset, -1);
  });

  it("reads RetransSegs from /proc/net/snmp text, and the agent's command line", () => {
    const snmp = [
      "Ip: Forwarding DefaultTTL",
      "Ip: 1 64",
      "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors",
      "Tcp: 1 200 120000 -1 5 3 0 0 2 1000 900 17 0 1 0",
      "",
    ].join("\n");
    assert.equal(parseRetransSegs(snmp), 17);
    assert.throws(() => parseRetransSegs("Ip: a\nIp: 1\n"), /Tcp/);
    assert.deepEqual(agentArguments({ netns: null, mode: "client", name: "c1", server: "10.77.0.1", port: 5201, seed: 4, rateBytesPerSecond: 1000 }), [
      "client", "--name", "c1", "--server", "10.77.0.1", "--seed", "4", "--port", "5201", "--rate", "1000",
    ]);
  });
});

describe("traffic agents on the loopback", () => {
  after(stopAll);

  it("two clients and a server: both directions verified, orderly stop, one connection each", async () => {
    const port = await freePort();
    const server = await start({ netns: null, mode: "server", listen: "127.0.0.1", port, rateBytesPerSecond: 300_000 });
    const clients = [
      await start({ netns: null, mode: "client", name: "c1", server: "127.0.0.1", port, seed: 1, rateBytesPerSecond: 200_000 }),
      await start({ netns: null, mode: "client", name: "c2", server: "127.0.0.1", port, seed: 2, rateBytesPerSecond: 0 }),
    ];
    let statsLines = 0;
    server.onStats(() => statsLines++);
    assert.ok(await waitFor(() => server.latest.length === 2 && clients.every((c) => (c.latest[0]?.received ?? 0) > 100_000), 5000), "data flows both ways");
    assert.ok(statsLines >= 1);
    const finals = await Promise.all(clients.map((client) => client.stop()));
    const serverFinal = await server.stop();
    assert.equal(serverFinal.length, 2);
    assertIntact(finals[0][0], byClient(serverFinal, "c1"));
    assertIntact(finals[1][0], byClient(serverFinal, "c2"));
    // The rate-limited client sent about 200 kB/s (loose bounds: the agent's start and stop take time).
    assert.ok(finals[0][0].sent < finals[1][0].sent, "the unlimited client sent more");
    assert.equal(await server.stop(), serverFinal, "stop() again returns the same result");
  });

  it("a client that cannot connect fails start() with the agent's message", async () => {
    const port = await freePort();
    await assert.rejects(
      TrafficAgent.start({ netns: null, mode: "client", name: "c9", server: "127.0.0.1", port, seed: 9 }),
      /traffic client c9 exited with code 1:\nerror: c9 cannot connect to 127\.0\.0\.1:\d+: connect ECONNREFUSED/,
    );
  });
});

const skip = privilegedSkipReason();

describe("traffic agents across network namespaces", { skip: skip ?? false }, () => {
  const suffix = randomBytes(3).toString("hex");
  const serverNs = `oml-t${suffix}-srv`;
  const clientNs = `oml-t${suffix}-cli`;
  const created: string[] = [];
  const SERVER_IP = "10.78.0.1";

  before(async () => {
    for (const name of [serverNs, clientNs]) {
      await runIp(["netns", "add", name]);
      created.push(name);
      await runIp(["link", "set", "dev", "lo", "up"], name);
    }
    await runIp(["link", "add", "t0", "netns", serverNs, "type", "veth", "peer", "name", "t1", "netns", clientNs]);
    await runIp(["address", "add", `${SERVER_IP}/24`, "dev", "t0"], serverNs);
    await runIp(["address", "add", "10.78.0.2/24", "dev", "t1"], clientNs);
    await runIp(["link", "set", "dev", "t0", "up"], serverNs);
    await runIp(["link", "set", "dev", "t1", "up"], clientNs);
  });

  after(async () => {
    await stopAll();
    for (const name of created.splice(0).reverse()) await runIp(["netns", "delete", name]).catch(() => undefined);
  });

  it("a server and two clients: every byte verified both ways, orderly final stats", async () => {
    const retransmittedBefore = await tcpRetransmissions(serverNs);
    const server = await start({ netns: serverNs, mode: "server", listen: SERVER_IP, port: 5201, rateBytesPerSecond: 500_000 });
    const c1 = await start({ netns: clientNs, mode: "client", name: "c1", server: SERVER_IP, port: 5201, seed: 11, rateBytesPerSecond: 500_000 });
    const c2 = await start({ netns: clientNs, mode: "client", name: "c2", server: SERVER_IP, port: 5201, seed: 12, rateBytesPerSecond: 0 });
    assert.ok(await waitFor(() => [c1, c2].every((c) => (c.latest[0]?.received ?? 0) > 200_000 && c.latest[0]?.sent > 200_000), 5000));
    await sleep(500);
    assert.deepEqual(
      server.latest.map((stream) => [stream.client, stream.state, stream.connections]).sort(),
      [["c1", "open", 1], ["c2", "open", 1]],
    );
    const [f1] = await c1.stop();
    const [f2] = await c2.stop();
    const serverFinal = await server.stop();
    assertIntact(f1, byClient(serverFinal, "c1"));
    assertIntact(f2, byClient(serverFinal, "c2"));
    assert.ok(f1.longestGapMs < 1000, `longest gap ${f1.longestGapMs} ms`);
    assert.ok((await tcpRetransmissions(serverNs)) >= retransmittedBefore);
  });

  it("a corrupted byte is caught at its offset", async () => {
    const server = await start({ netns: serverNs, mode: "server", listen: SERVER_IP, port: 5202, rateBytesPerSecond: 100_000 });
    // A fake client: a correct header and pattern, with one byte flipped at 70000.
    const script = `
      import { connect } from "node:net";
      import { encodeHeader, patternBlock, patternSlice } from ${JSON.stringify(AGENT_MODULE)};
      const data = patternSlice(patternBlock(21), 0, 100000);
      data[70000] ^= 0x80;
      const socket = connect({ host: ${JSON.stringify(SERVER_IP)}, port: 5202 }, () => {
        socket.write(encodeHeader("bad", 21));
        socket.end(data);
      });
      socket.on("data", () => {});
      socket.on("close", () => process.exit(0));
      setTimeout(() => process.exit(3), 10000);`;
    await new Promise<void>((resolve, reject) =>
      execFile("ip", ["netns", "exec", clientNs, process.execPath, "--import", "tsx", "--input-type=module", "-e", script], { cwd: join(import.meta.dirname, "..", ".."), timeout: 20_000 }, (error, _stdout, stderr) =>
        error ? reject(new Error(`fake client: ${stderr || error.message}`)) : resolve(),
      ),
    );
    const [stream] = await server.stop();
    assert.equal(stream.client, "bad");
    assert.equal(stream.received, 100_000);
    assert.equal(stream.firstCorruptOffset, 70_000);
  });

  it("a killed server is a reset (or an error) on its client, and the client never reconnects", async () => {
    const server = await start({ netns: serverNs, mode: "server", listen: SERVER_IP, port: 5203, rateBytesPerSecond: 0 });
    const client = await start({ netns: clientNs, mode: "client", name: "c3", server: SERVER_IP, port: 5203, seed: 3, rateBytesPerSecond: 0 });
    assert.ok(await waitFor(() => (client.latest[0]?.received ?? 0) > 100_000, 5000));
    server.kill();
    await server.exited();
    assert.ok(await waitFor(() => ["reset", "error"].includes(client.latest[0]?.state ?? ""), 5000), JSON.stringify(client.latest));
    const [final] = await client.stop();
    assert.ok(["reset", "error"].includes(final.state), JSON.stringify(final));
    assert.ok(final.error);
    assert.equal(final.connections, 1);
    await assert.rejects(server.stop(), /killed by SIGKILL without final stats/);
  });
});
