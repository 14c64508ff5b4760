// The lab's simulated switch with real network stacks, as root: one switch process (hosts/lab/switch-process.ts) in a
// small lab topology (two server NICs, two clients), with no teaming shim: the server's two NICs share one MAC and
// eth0 holds the address, which is all a trunk needs from the server. Real ping and a real TCP transfer cross the
// switch; its console answers; a trunk configured through the console carries the frames toward the server's MAC; a
// pulled cable is seen by the firmware and the trunk fails over. Every namespace is gone afterwards.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { runIpBatch } from "../../hosts/linux/team/iproute";
import { FlowTracker } from "../../hosts/lab/flow-tracker";
import { consoleAnswer, LabSwitch } from "../../hosts/lab/lab-switch";
import { endsWithPrompt } from "../../hosts/lab/switch-messages";
import { existingNamespaces, LabTopology, planTopology } from "../../hosts/lab/topology";
import type { FlowChange, SwitchStats } from "../../hosts/lab/types";
import { privilegedSkipReason, waitFor } from "../linux/netns-harness";

const skipReason = privilegedSkipReason();
const SETUP = fileURLToPath(new URL("../../hosts/lab/setup.sh", import.meta.url));
const SERVER_MAC = "02:6f:6d:00:00:01";
const SERVER_IP = "10.77.0.1";
const TRANSFER_BYTES = 4 * 1024 * 1024;

function run(command: string, args: readonly string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")} failed: ${error.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

function ping(netns: string, address: string, count = 3): Promise<string> {
  return run("ip", ["netns", "exec", netns, "ping", "-c", String(count), "-i", "0.05", "-W", "2", address]);
}

/** The byte at `offset` of the transfer's pattern. */
const PATTERN = "(offset) => (offset * 7 + (offset >>> 11)) & 0xff";

/** A Node program in `netns` (plain JavaScript: no loader needed); resolves with what it printed. */
function nodeIn(netns: string, program: string, timeoutMs = 20_000): { done: Promise<string>; output(): string } {
  const child = spawn("ip", ["netns", "exec", netns, process.execPath, "-e", program], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (out += text));
  child.stderr.setEncoding("utf8").on("data", (text: string) => (err += text));
  const done = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`node in ${netns} ended with ${signal ?? code}:\n${out}\n${err}`));
    });
  });
  return { done, output: () => out };
}

/** Receives one connection on SERVER_IP:port, checks every byte against the pattern, prints {received, firstBad}. */
function receiver(netns: string, port: number) {
  return nodeIn(
    netns,
    `const net = require("node:net"); const pattern = ${PATTERN};
     const server = net.createServer((socket) => {
       let received = 0, firstBad = -1;
       socket.on("data", (chunk) => { for (let i = 0; i < chunk.length; i++) if (firstBad < 0 && chunk[i] !== pattern(received + i)) firstBad = received + i; received += chunk.length; });
       socket.on("end", () => { console.log(JSON.stringify({ received, firstBad })); socket.end(); server.close(); });
     });
     server.listen(${port}, "${SERVER_IP}", () => console.log("listening"));`,
  );
}

/** Sends `bytes` of the pattern to SERVER_IP:port; prints the elapsed ms. */
function sender(netns: string, port: number, bytes: number) {
  return nodeIn(
    netns,
    `const net = require("node:net"); const pattern = ${PATTERN};
     const data = Buffer.alloc(${bytes}); for (let i = 0; i < data.length; i++) data[i] = pattern(i);
     const started = Date.now();
     const socket = net.connect(${port}, "${SERVER_IP}", () => socket.end(data));
     socket.on("close", () => console.log(JSON.stringify({ ms: Date.now() - started })));
     socket.resume();`,
  );
}

/** CPU seconds a process has used (utime + stime from /proc). */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await run("cat", [`/proc/${pid}/stat`]);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ = 100)
}

describe("the lab's plan and bookkeeping (no root needed)", () => {
  const layout = (spec: Parameters<typeof planTopology>[0]) => {
    const plan = planTopology(spec, "0a1b");
    return plan.switches.map((entry) =>
      entry.ports.map((port) => (port.ifname === null ? "-" : `${port.ifname}:${port.role.role}${port.role.serverNic ? "=" + port.role.serverNic : ""}${port.role.clients ? "=" + port.role.clients.join(",") : ""}`)).join(" "),
    );
  };

  it("one switch: the server's NICs on ports 0.., the clients dealt over the other ports", () => {
    assert.deepEqual(layout({ switches: 1, members: 3, clients: 5 }), ["s1p0:trunk=eth0 s1p1:trunk=eth1 s1p2:trunk=eth2 s1p3:clients=c1,c3,c5 s1p4:clients=c2,c4"]);
    assert.deepEqual(layout({ switches: 1, members: 4 }), ["s1p0:trunk=eth0 s1p1:trunk=eth1 s1p2:trunk=eth2 s1p3:trunk=eth3 s1p4:clients=c1,c2,c3,c4,c5,c6,c7,c8"]);
  });

  it("two switches: NICs split (switch 1 the larger half), port 3 joins them, clients alternate between them", () => {
    assert.deepEqual(layout({ switches: 2, members: 3, clients: 6 }), [
      "s1p0:trunk=eth0 s1p1:trunk=eth1 s1p2:clients=c1,c6 s1p3:inter-switch s1p4:clients=c3",
      "s2p0:trunk=eth2 s2p1:clients=c2 s2p2:clients=c4 s2p3:inter-switch s2p4:clients=c5",
    ]);
    const plan = planTopology({ switches: 2, members: 4, clients: 2 }, "0a1b");
    assert.deepEqual(plan.switches[1].ports[3].role.peer, { switchId: 1, port: 3 });
    assert.deepEqual(plan.serverNics.map((nic) => `${nic.name}@${nic.switchId}/${nic.port}`), ["eth0@1/0", "eth1@1/1", "eth2@2/0", "eth3@2/1"]);
    assert.deepEqual(plan.namespaces, { server: "oml-0a1b-srv", switches: "oml-0a1b-sw", lan: "oml-0a1b-lan", clients: ["oml-0a1b-c1", "oml-0a1b-c2"] });
    assert.deepEqual(plan.clients[1], { name: "c2", netns: "oml-0a1b-c2", ifname: "eth0", mac: "02:6f:6d:10:00:02", ip: "10.77.0.12", switchId: 2, port: 2 });
  });

  it("refuses specs the lab cannot build", () => {
    assert.throws(() => planTopology({ switches: 1, members: 1 }, "0a1b"), /members must be 2..4/);
    assert.throws(() => planTopology({ switches: 3 as 1, members: 2 }, "0a1b"), /switches must be 1 or 2/);
    assert.throws(() => planTopology({ switches: 1, members: 2, clients: 0 }, "0a1b"), /clients must be/);
    assert.throws(() => planTopology({ switches: 1, members: 2 }, "../x"), /runId/);
  });

  it("a flow change is reported when a unicast pair leaves or arrives on another port, and the table is bounded", () => {
    const changes: string[] = [];
    const tracker = new FlowTracker(2, 3, (change) => changes.push(`${change.switchId} ${change.kind} ${change.sa}>${change.da} ${change.fromPort}->${change.toPort}`));
    tracker.seen(0x02_6f_6d_10_00_01, 0x02_6f_6d_00_00_01, 2, 0);
    tracker.seen(0x02_6f_6d_10_00_01, 0x02_6f_6d_00_00_01, 2, 0);
    tracker.seen(0x02_6f_6d_10_00_01, 0x02_6f_6d_00_00_01, 2, -1); // flooded: says nothing about its link
    assert.deepEqual(changes, []);
    tracker.seen(0x02_6f_6d_10_00_01, 0x02_6f_6d_00_00_01, 2, 1);
    tracker.seen(0x02_6f_6d_10_00_01, 0x02_6f_6d_00_00_01, 3, 1);
    assert.deepEqual(changes, ["2 egress 02:6f:6d:10:00:01>02:6f:6d:00:00:01 0->1", "2 ingress 02:6f:6d:10:00:01>02:6f:6d:00:00:01 2->3"]);
    for (let sa = 2; sa <= 5; sa++) tracker.seen(sa, 1, 4, 0); // past 3 pairs the oldest SA is forgotten
    tracker.seen(0x02_6f_6d_10_00_01, 0x02_6f_6d_00_00_01, 2, 0);
    assert.equal(changes.length, 2, "a forgotten pair starts afresh");
  });

  it("a console answer ends at the prompt; the echo and the prompt are left out", () => {
    assert.ok(endsWithPrompt("show x\r\nanswer\r\nonemac# "));
    assert.ok(endsWithPrompt("end\r\nsw-2(config)# "));
    assert.ok(!endsWithPrompt("write memory\r\n"));
    assert.ok(!endsWithPrompt("Password: "));
    assert.equal(consoleAnswer("show x\r\nline 1\r\nline 2\r\nonemac# "), "line 1\nline 2");
    assert.equal(consoleAnswer("configure\r\nonemac(config)# "), "");
  });
});

describe("the lab switch: real frames through the simulated BCM53125", { skip: skipReason ?? false }, () => {
  let topology: LabTopology | undefined;
  let labSwitch: LabSwitch | undefined;
  const log: string[] = [];
  const flows: FlowChange[] = [];
  let stats: SwitchStats | undefined;

  const lab = () => topology!.description;
  const sw = () => labSwitch!;

  before(async () => {
    await run("bash", [SETUP], 300_000);
    topology = await LabTopology.build({ switches: 1, members: 2, clients: 2 });
    const { namespaces, switches } = lab();
    // The server's NICs as a trunk's far end: one MAC on both, the address on eth0 (no shim in this test).
    await runIpBatch(
      [
        ["link", "set", "dev", "eth0", "address", SERVER_MAC],
        ["link", "set", "dev", "eth1", "address", SERVER_MAC],
        ["address", "add", `${SERVER_IP}/24`, "dev", "eth0"],
        ["link", "set", "dev", "eth0", "up"],
        ["link", "set", "dev", "eth1", "up"],
      ],
      namespaces.server,
    );
    labSwitch = await LabSwitch.start({
      netns: namespaces.switches,
      switchId: 1,
      ports: switches[0].ports.map((port) => port.ifname),
      onLog: (line) => log.push(line),
      onFlowChange: (change) => flows.push(change),
      onStats: (latest) => (stats = latest),
    });
  });

  after(async () => {
    const runId = topology?.runId;
    try {
      await labSwitch?.stop();
    } finally {
      await topology?.destroy();
    }
    if (runId) assert.deepEqual(existingNamespaces(runId), [], "every namespace of the run is removed");
  });

  it("describes the topology: server NICs on ports 0-1, the clients on their own segments", () => {
    const { switches, serverNics, clients, namespaces } = lab();
    assert.deepEqual(
      switches[0].ports.map((port) => [port.ifname, port.role.role]),
      [["s1p0", "trunk"], ["s1p1", "trunk"], ["s1p2", "clients"], ["s1p3", "clients"], ["s1p4", "unused"]].map(([a, b]) => [b === "unused" ? null : a, b]),
    );
    assert.deepEqual(serverNics.map((nic) => [nic.name, nic.switchId, nic.port]), [["eth0", 1, 0], ["eth1", 1, 1]]);
    assert.deepEqual(clients.map((client) => [client.name, client.mac, client.ip, client.port]), [
      ["c1", "02:6f:6d:10:00:01", "10.77.0.11", 2],
      ["c2", "02:6f:6d:10:00:02", "10.77.0.12", 3],
    ]);
    assert.deepEqual(existingNamespaces(lab().runId).sort(), [namespaces.server, namespaces.switches, namespaces.lan, ...namespaces.clients].sort());
  });

  it("the firmware booted on XS and its console answers show trunks", async () => {
    assert.match(sw().bootOutput, /onemac# $/);
    assert.ok(log.some((line) => /boot: ready/.test(line)), `boot logged:\n${log.join("\n")}`);
    const answer = await sw().console("show trunks");
    assert.match(answer, /Load Balancing Method: src-mac/);
    assert.match(answer, /No trunk is configured/);
  });

  it("real ping crosses the switch: client to client and client to server", async () => {
    const [c1, c2] = lab().clients;
    assert.match(await ping(c1.netns, c2.ip), / 0% packet loss/);
    assert.match(await ping(c2.netns, SERVER_IP), / 0% packet loss/);
  });

  it("a real TCP transfer arrives intact, and the switch counts it; an idle switch does not burn a core", async () => {
    const [c1] = lab().clients;
    const server = receiver(lab().namespaces.server, 5001);
    assert.ok(await waitFor(() => server.output().includes("listening"), 10_000), "the receiver is listening");
    const client = sender(c1.netns, 5001, TRANSFER_BYTES);
    const [received, sent] = await Promise.all([server.done, client.done]);
    const result = JSON.parse(received.trim().split("\n").pop()!) as { received: number; firstBad: number };
    assert.deepEqual(result, { received: TRANSFER_BYTES, firstBad: -1 });
    const { ms } = JSON.parse(sent.trim()) as { ms: number };
    console.log(`# ${TRANSFER_BYTES} bytes through the switch in ${ms} ms (${((TRANSFER_BYTES * 8) / ms / 1000).toFixed(1)} Mbit/s)`);
    await waitFor(() => (stats?.ports[2].rxBytes ?? 0) > TRANSFER_BYTES, 2000);
    const latest = stats!;
    assert.ok(latest.ports[2].rxBytes > TRANSFER_BYTES, "client port 2 received the stream");
    assert.ok(latest.ports[0].txBytes + latest.ports[1].txBytes > TRANSFER_BYTES, "the server ports sent it");
    assert.equal(latest.linkMask, 0b01111);
    const pid = sw().pid!;
    const before = await cpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const used = (await cpuSeconds(pid)) - before;
    assert.ok(used < 0.6, `an idle switch process used ${used} s of CPU in 1 s`);
  });

  it("a trunk configured on the console carries the frames toward the server's MAC", async () => {
    const [c1, c2] = lab().clients;
    for (const line of ["configure", "trunk 0-1 trk1 trunk", `server-mac ${SERVER_MAC} trk1`, "end"]) {
      const answer = await sw().console(line);
      assert.doesNotMatch(answer, /^% /m, `${line}: ${answer}`);
    }
    const trunks = await sw().console("show trunks");
    assert.match(trunks, /trk1/);
    assert.match(trunks, new RegExp(SERVER_MAC));
    const before = stats!;
    assert.match(await ping(c1.netns, SERVER_IP, 5), / 0% packet loss/);
    assert.match(await ping(c2.netns, SERVER_IP, 5), / 0% packet loss/);
    const pinged = Date.now();
    assert.ok(await waitFor(() => stats!.atMs > pinged, 1000), "stats keep coming");
    const after = stats!;
    const toServer = (snapshot: SwitchStats) => snapshot.ports[0].txFrames + snapshot.ports[1].txFrames;
    assert.ok(toServer(after) - toServer(before) >= 10, `the echo requests left on the trunk's ports: ${JSON.stringify([before, after])}`);
    const flowsToServer = flows.filter((change) => change.da === SERVER_MAC && change.kind === "egress");
    assert.ok(flowsToServer.every((change) => change.toPort <= 1), `frames toward the server leave on trunk ports only: ${JSON.stringify(flowsToServer)}`);
    const addresses = await sw().console("show mac-address");
    assert.match(addresses, new RegExp(SERVER_MAC));
    assert.match(await sw().console("write memory"), /\[OK\] saved/, "a save answers once it is done");
  });

  it("a pulled cable is seen by the firmware, the trunk fails over, and the cable comes back", async () => {
    const [c1, c2] = lab().clients;
    const logged = (pattern: RegExp, from: number) => log.slice(from).some((line) => pattern.test(line));
    const beforePull = log.length;
    await topology!.pullSwitchSide(1, 1);
    assert.ok(await waitFor(() => logged(/port 1: down/, beforePull) && (stats?.linkMask ?? 0) === 0b01101, 3000), `firmware log:\n${log.join("\n")}`);
    assert.match(await sw().console("show interfaces brief"), /^\s+1\s+-\s+yes\s+down/m);
    assert.match(await ping(c1.netns, SERVER_IP), / 0% packet loss/);
    assert.match(await ping(c2.netns, SERVER_IP), / 0% packet loss/);
    const beforeRestore = log.length;
    await topology!.restoreSwitchSide(1, 1);
    assert.ok(await waitFor(() => logged(/port 1: up/, beforeRestore) && (stats?.linkMask ?? 0) === 0b01111, 3000), `firmware log:\n${log.join("\n")}`);
    assert.match(await sw().console("show interfaces brief"), /^\s+1\s+-\s+yes\s+up/m);
    const beforeServerPull = log.length;
    await topology!.pullServerSide("eth0");
    assert.ok(await waitFor(() => logged(/port 0: down/, beforeServerPull) && (stats?.linkMask ?? 0) === 0b01110, 3000), `firmware log:\n${log.join("\n")}`);
    await topology!.restoreServerSide("eth0");
    assert.ok(await waitFor(() => (stats?.linkMask ?? 0) === 0b01111, 3000), "port 0 has link again");
    assert.match(await ping(c1.netns, SERVER_IP), / 0% packet loss/);
  });

  it("the Linux bridge baseline joins the client segments and the server's eth0 without the switch process", async () => {
    const [c1] = lab().clients;
    await sw().stop();
    assert.equal(sw().running, false);
    await topology!.linuxBridgeBaseline();
    try {
      assert.match(await ping(c1.netns, SERVER_IP), / 0% packet loss/);
    } finally {
      await topology!.removeLinuxBridgeBaseline();
    }
    const links = await run("ip", ["-n", lab().namespaces.switches, "-br", "link"]);
    assert.doesNotMatch(links, new RegExp(`^${topology!.baselineBridge}\\b`, "m"), "the baseline bridge is removed");
    assert.match(links, /^s1p1@\S+\s.*<[^>]*,UP[,>]/m, "switch 1's other trunk port is up again (admin up)");
  });
});
