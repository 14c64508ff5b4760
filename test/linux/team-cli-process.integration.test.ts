// The installed command line as a real process, as root, in network namespaces made for this test only:
// `onemac-team up --config F` runs in the server namespace over two veth members, `status` and `status --json`
// ask it over its control socket, a member is pulled (its far end taken down), `down` stops it, and the
// namespace is as it was. A bad configuration file is refused with the field named and nothing changed.
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import type { MemberStatus, TeamStatus } from "../../hosts/linux/team/controller";
import { runIp, runTc } from "../../hosts/linux/team/iproute";
import { FrameTap, NamespacePair, privilegedSkipReason, testFrame, waitFor } from "./netns-harness";

const skipReason = privilegedSkipReason();
const EXECUTABLE = fileURLToPath(new URL("../../hosts/linux/team/bin/onemac-team.mjs", import.meta.url));
const TEAM_NAME = "cteam0";
const TEAM_MAC = "02:0c:00:00:00:01";
const MEMBER_ADDRESS = "198.51.100.7/24";

interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe("onemac-team as a running process", { skip: skipReason ?? false }, () => {
  const pair = new NamespacePair();
  const directory = mkdtempSync(join(tmpdir(), "onemac-cli-process-"));
  const runtimeDirectory = join(directory, "run");
  const configPath = join(directory, "team.json");
  const environment = { ...process.env, ONEMAC_RUNTIME_DIRECTORY: runtimeDirectory };
  let upProcess: ChildProcess | null = null;
  let upExit: Promise<number | null> | null = null;
  let upOutput = "";
  let stateBefore = "";

  /** Runs the executable inside the server namespace and collects what it prints. */
  function onemacTeam(args: readonly string[]): Promise<CommandResult> {
    return new Promise((resolve) => {
      execFile("ip", ["netns", "exec", pair.server, process.execPath, EXECUTABLE, ...args], { env: environment }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Everything `up`/`down` may touch in the server namespace: links (MAC, up, MTU, addresses) and member sysctls. */
  async function serverState(): Promise<string> {
    const links = JSON.parse(await runIp(["-json", "address", "show"], pair.server)) as {
      ifname: string;
      address: string;
      flags: string[];
      mtu: number;
      addr_info: { local: string; prefixlen: number }[];
    }[];
    const sysctls = await runIp([
      "netns", "exec", pair.server, "sysctl",
      "net.ipv4.conf.cm0.arp_ignore", "net.ipv4.conf.cm0.rp_filter", "net.ipv6.conf.cm0.disable_ipv6",
      "net.ipv4.conf.cm1.arp_ignore", "net.ipv4.conf.cm1.rp_filter", "net.ipv6.conf.cm1.disable_ipv6",
    ]);
    const linkState = links.map((link) => [
      link.ifname,
      link.address,
      link.flags.includes("UP"),
      link.mtu,
      link.addr_info.filter((info) => !info.local.startsWith("fe80")).map((info) => `${info.local}/${info.prefixlen}`),
    ]);
    return JSON.stringify(linkState) + "\n" + sysctls;
  }

  async function statusJson(): Promise<TeamStatus> {
    const result = await onemacTeam(["status", "--config", configPath, "--json"]);
    assert.equal(result.code, 0, `status --json failed: ${result.stderr}${result.stdout}`);
    return JSON.parse(result.stdout) as TeamStatus;
  }

  function member(status: TeamStatus, ifname: string): MemberStatus {
    const found = status.members.find((entry) => entry.ifname === ifname);
    assert.ok(found, `${ifname} in status`);
    return found;
  }

  before(async () => {
    await pair.create();
    await pair.addVeth("cm0", "cp0", { memberUp: true });
    await pair.addVeth("cm1", "cp1");
    await runIp(["address", "add", MEMBER_ADDRESS, "dev", "cm0"], pair.server);
    writeFileSync(
      configPath,
      JSON.stringify({ name: TEAM_NAME, mac: TEAM_MAC, members: ["cm0", "cm1"], slotBits: 2, backend: "userspace" }),
    );
    stateBefore = await serverState();
  });

  after(async () => {
    try {
      if (upProcess && upProcess.exitCode === null && upProcess.signalCode === null) {
        upProcess.kill("SIGTERM"); // `up` undoes everything on SIGTERM
        await Promise.race([upExit, new Promise((resolve) => setTimeout(resolve, 15_000))]);
        if (upProcess.exitCode === null && upProcess.signalCode === null) upProcess.kill("SIGKILL");
      }
    } finally {
      await pair.destroy();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("up runs in the foreground and answers on its control socket", async () => {
    const child = spawn("ip", ["netns", "exec", pair.server, process.execPath, EXECUTABLE, "up", "--config", configPath], {
      env: environment,
      stdio: ["ignore", "pipe", "pipe"],
    });
    upProcess = child;
    upExit = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
    child.stdout.setEncoding("utf8").on("data", (text: string) => (upOutput += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (upOutput += text));
    const running = await waitFor(() => upOutput.includes("running; control socket"), 60_000);
    assert.ok(running, `up did not report running:\n${upOutput}`);
    assert.ok(existsSync(join(runtimeDirectory, `${TEAM_NAME}.sock`)));
    assert.match(upOutput, /backend userspace \(configured: userspace/);
    // No qdisc in front of the TAP (a full TAP queue drops, so a qdisc would only slow the sender).
    assert.match(await runTc(["qdisc", "show", "dev", TEAM_NAME], pair.server), /^qdisc noqueue /m);
  });

  it("status prints one row per member: link, enabled, slots, counters, failures, last change", async () => {
    const result = await onemacTeam(["status", "--config", configPath]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^team ${TEAM_NAME}  mac ${TEAM_MAC}  mode table  backend userspace  slots 4 \\(M=2\\)`, "m"));
    assert.match(result.stdout, /^backend chosen: configured: userspace/m);
    assert.match(result.stdout, /^tx dropped \d+ \(sent through the team, taken by no member\)$/m);
    assert.match(result.stdout, /^member\s+link\s+enabled\s+slots\s+tx frames\s+tx bytes\s+rx frames\s+rx bytes\s+rx dropped\s+failures\s+last change$/m);
    assert.match(result.stdout, /^cm0\s+up\s+yes\s+0,1\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+0\s+\d{4}-\d\d-\d\dT/m);
    assert.match(result.stdout, /^cm1\s+up\s+yes\s+2,3\s+/m);
    assert.doesNotMatch(result.stdout, /DEGRADED/);
  });

  it("status --json carries the same per member, and the counters move with traffic", async () => {
    const first = await statusJson();
    assert.equal(first.name, TEAM_NAME);
    assert.equal(first.backend, "userspace");
    assert.equal(first.degradedMode, null);
    assert.equal(typeof first.txDropped, "number", "the userspace backend counts what no member took");
    assert.deepEqual(first.table, ["cm0", "cm0", "cm1", "cm1"]); // home layout: contiguous blocks
    for (const ifname of ["cm0", "cm1"]) {
      const entry = member(first, ifname);
      assert.equal(entry.link, "up");
      assert.equal(entry.enabled, true);
      assert.equal(entry.failures, 0);
      assert.ok(!Number.isNaN(Date.parse(entry.lastChange)), entry.lastChange);
      for (const counter of ["txFrames", "txBytes", "rxFrames", "rxBytes", "rxDropped"] as const) assert.equal(typeof entry[counter], "number");
    }
    // TX: the operating system sends through the team device to a DA whose low 2 bits are 3 -> slot 3 -> cm1.
    // RX: a frame to the team MAC arrives on cm0 and is delivered.
    const teamDevice = new FrameTap(pair.server, TEAM_NAME);
    const farEnd = new FrameTap(pair.peer, "cp0");
    try {
      for (let count = 0; count < 5; count++) {
        teamDevice.send(testFrame("02:c1:00:00:00:07", TEAM_MAC, count));
        farEnd.send(testFrame(TEAM_MAC, "02:c1:00:00:00:09", 100 + count));
      }
    } finally {
      teamDevice.close();
      farEnd.close();
    }
    let latest = first;
    const moved = await waitFor(async () => {
      latest = await statusJson();
      return member(latest, "cm1").txFrames >= member(first, "cm1").txFrames + 5 && member(latest, "cm0").rxFrames >= member(first, "cm0").rxFrames + 5;
    }, 10_000);
    assert.ok(moved, `counters did not move: ${JSON.stringify(latest.members)}`);
  });

  it("pulling a member (far end down) shows in status: link down, disabled, a failure, its slots moved", async () => {
    const before = member(await statusJson(), "cm1");
    await runIp(["link", "set", "dev", "cp1", "down"], pair.peer);
    let latest: TeamStatus | null = null;
    const failed = await waitFor(async () => {
      latest = await statusJson();
      return member(latest, "cm1").link === "down";
    }, 10_000);
    assert.ok(failed, `cm1 should be down: ${JSON.stringify(latest)}`);
    const status = latest!;
    const pulled = member(status, "cm1");
    assert.equal(pulled.enabled, false);
    assert.equal(pulled.failures, 1);
    assert.deepEqual(pulled.slots, []);
    assert.notEqual(pulled.lastChange, before.lastChange);
    assert.deepEqual(member(status, "cm0").slots, [0, 1, 2, 3]);
    assert.deepEqual(status.table, ["cm0", "cm0", "cm0", "cm0"]);
    const text = await onemacTeam(["status", "--config", configPath]);
    assert.match(text.stdout, /^cm1\s+down\s+no\s+-\s+.*\s1\s+\S+ \(/m);

    await runIp(["link", "set", "dev", "cp1", "up"], pair.peer);
    assert.ok(await waitFor(async () => member(await statusJson(), "cm1").slots.length === 2, 10_000), "cm1 takes its slots back");
  });

  it("status finds the running team without its configuration file: the only one, by name, and from outside the namespace", async () => {
    const alone = await onemacTeam(["status"]);
    assert.equal(alone.code, 0, alone.stderr);
    assert.match(alone.stdout, new RegExp(`^team ${TEAM_NAME}  mac ${TEAM_MAC}`, "m"));
    const named = await onemacTeam(["status", TEAM_NAME, "--json"]);
    assert.equal(named.code, 0, named.stderr);
    assert.equal((JSON.parse(named.stdout) as TeamStatus).name, TEAM_NAME);
    const optioned = await onemacTeam(["status", "--name", TEAM_NAME, "--json"]);
    assert.equal((JSON.parse(optioned.stdout) as TeamStatus).name, TEAM_NAME);
    // The control socket is a file in the runtime directory, so any network namespace reaches it.
    const outside = await new Promise<CommandResult>((resolve) => {
      execFile(process.execPath, [EXECUTABLE, "status", "--json"], { env: environment }, (error, stdout, stderr) =>
        resolve({ code: error ? -1 : 0, stdout, stderr }),
      );
    });
    assert.equal(outside.code, 0, outside.stderr);
    assert.equal((JSON.parse(outside.stdout) as TeamStatus).name, TEAM_NAME);
    const help = await onemacTeam(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: onemac-team up/);
  });

  it("after the broadcast member is pulled and recovers, status names the member that really takes broadcasts", async () => {
    const start = await statusJson();
    assert.equal(start.broadcastMember, "cm0");
    assert.equal(start.broadcastReceive, "designated");
    await runIp(["link", "set", "dev", "cp0", "down"], pair.peer);
    let latest = start;
    assert.ok(await waitFor(async () => member((latest = await statusJson()), "cm0").link === "down", 10_000), "cm0 should be down");
    assert.equal(latest.broadcastMember, "cm1");
    assert.deepEqual(latest.broadcastReceivers, ["cm1"]);
    await runIp(["link", "set", "dev", "cp0", "up"], pair.peer);
    assert.ok(await waitFor(async () => member((latest = await statusJson()), "cm0").slots.length === 2, 10_000), "cm0 takes its slots back");
    // failback "restore" (the default): the duty comes back with the slots, and status says so in JSON and text.
    assert.equal(latest.broadcastMember, "cm0");
    assert.deepEqual(latest.broadcastReceivers, ["cm0"]);
    const text = await onemacTeam(["status", "--config", configPath]);
    assert.match(text.stdout, /^broadcast member cm0 \(broadcasts and multicasts are taken in on cm0 only\)$/m);
    // What the data plane does agrees: a broadcast arriving on cm0 is delivered, one arriving on cm1 is dropped.
    const before = latest;
    const onDesignated = new FrameTap(pair.peer, "cp0");
    const onOther = new FrameTap(pair.peer, "cp1");
    try {
      for (let count = 0; count < 5; count++) {
        onDesignated.send(testFrame("ff:ff:ff:ff:ff:ff", "02:c1:00:00:00:0a", 200 + count));
        onOther.send(testFrame("ff:ff:ff:ff:ff:ff", "02:c1:00:00:00:0b", 300 + count));
      }
    } finally {
      onDesignated.close();
      onOther.close();
    }
    const seen = await waitFor(async () => {
      latest = await statusJson();
      return member(latest, "cm0").rxFrames >= member(before, "cm0").rxFrames + 5 && member(latest, "cm1").rxDropped >= member(before, "cm1").rxDropped + 5;
    }, 10_000);
    assert.ok(seen, `broadcasts: cm0 should deliver, cm1 drop: ${JSON.stringify(latest.members)}`);
  });

  it("down stops the running team and the namespace is as it was", async () => {
    const result = await onemacTeam(["down", "--config", configPath]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`team ${TEAM_NAME} is going down`));
    const exitCode = await Promise.race([upExit!, new Promise<string>((resolve) => setTimeout(() => resolve("timeout"), 30_000))]);
    assert.equal(exitCode, 0, `up exited with ${String(exitCode)}:\n${upOutput}`);
    assert.match(upOutput, new RegExp(`team ${TEAM_NAME} is down`));
    assert.equal(await serverState(), stateBefore);
    assert.ok(!existsSync(join(runtimeDirectory, `${TEAM_NAME}.sock`)), "control socket removed");
    const afterwards = await onemacTeam(["status", "--config", configPath, "--json"]);
    assert.equal(afterwards.code, 1);
    assert.equal(JSON.parse(afterwards.stdout).code, "not-running");
  });

  it("a bad configuration file is refused with the field named, and nothing changes", async () => {
    const badPath = join(directory, "bad.json");
    writeFileSync(badPath, JSON.stringify({ name: TEAM_NAME, mac: "02:0c:00:00:00", members: ["cm0", "cm1"], slotBits: 9 }));
    const before = await serverState();
    const result = await onemacTeam(["up", "--config", badPath]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /mac: must be a MAC address like 02:00:00:00:00:01, got string "02:0c:00:00:00"/);
    assert.match(result.stderr, /slotBits: must be an integer from 1 to 8/);
    assert.equal(await serverState(), before);
    assert.ok(!existsSync(join(runtimeDirectory, `${TEAM_NAME}.sock`)));
    await assert.rejects(runIp(["link", "show", "dev", TEAM_NAME], pair.server));
  });
});
