import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { chooseBackend } from "../../hosts/linux/team/backend-choice";
import { BondingBackend } from "../../hosts/linux/team/backends/bonding";
import { formatStatus, main, parseArguments, USAGE } from "../../hosts/linux/team/cli";
import { serveControl, type ControlRequest } from "../../hosts/linux/team/control-socket";
import { parseTeamConfig } from "../../hosts/linux/team/config";
import type { TeamStatus } from "../../hosts/linux/team/controller";
import type { Server } from "node:net";
import { degradedModeOf } from "../../hosts/linux/team/degraded-mode";

describe("onemac-team command line", () => {
  const directory = mkdtempSync(join(tmpdir(), "onemac-cli-"));
  after(() => rmSync(directory, { recursive: true, force: true }));

  async function capture(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (text) => out.push(text), err: (text) => err.push(text) });
    return { code, stdout: out.join(""), stderr: err.join("") };
  }

  it("parses commands and options", () => {
    assert.deepEqual(parseArguments(["status", "--json", "--config", "/x.json"]), { command: "status", configPath: "/x.json", json: true });
    assert.deepEqual(parseArguments(["--config=/y.json", "up"]), { command: "up", configPath: "/y.json", json: false });
    assert.throws(() => parseArguments([]));
    assert.throws(() => parseArguments(["sideways"]));
    assert.throws(() => parseArguments(["up", "--config"]));
  });

  it("exits 2 with usage on bad arguments", async () => {
    const result = await capture(["explode"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /usage: onemac-team/);
  });

  it("check: names the bad field and exits 2; accepts a good file", async () => {
    const bad = join(directory, "bad.json");
    writeFileSync(bad, JSON.stringify({ mac: "nonsense", members: ["eth0"], slotBits: 12 }));
    const failed = await capture(["check", "--config", bad]);
    assert.equal(failed.code, 2);
    assert.match(failed.stderr, /mac: must be a MAC address/);
    assert.match(failed.stderr, /slotBits: must be an integer from 1 to 8/);
    const good = join(directory, "good.json");
    writeFileSync(good, JSON.stringify({ mac: "02:00:00:00:00:01", members: ["eth0"] }));
    const passed = await capture(["check", "--config", good, "--json"]);
    assert.equal(passed.code, 0);
    assert.equal(JSON.parse(passed.stdout).slotBits, 4);
  });

  it("a missing file is a configuration error naming the file", async () => {
    const result = await capture(["check", "--config", join(directory, "absent.json")]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /cannot read .*absent\.json/);
  });

  it("status of a team that is not up says so and exits 1", async () => {
    process.env.ONEMAC_RUNTIME_DIRECTORY = directory;
    const good = join(directory, "good.json");
    const result = await capture(["status", "--config", good, "--json"]);
    assert.equal(result.code, 1);
    assert.equal(JSON.parse(result.stdout).code, "not-running");
  });

  function sampleStatus(overrides: Partial<TeamStatus> = {}): TeamStatus {
    return {
      name: "team0",
      mac: "02:00:00:00:00:01",
      mode: "table",
      backend: "userspace",
      backendReason: "auto: userspace, because the team module is not loaded",
      degradedMode: null,
      slotBits: 2,
      failback: "restore",
      broadcastMember: "eth0",
      broadcastReceive: "designated",
      broadcastReceivers: ["eth0"],
      activeMember: null,
      table: ["eth0", "eth1", "eth0", "eth1"],
      slotTxBytes: null,
      txDropped: null,
      members: [
        { ifname: "eth0", link: "up", healthy: true, enabled: true, slots: [0, 2], txFrames: 5, txBytes: 300, rxFrames: 1, rxBytes: 60, rxDropped: 0, failures: 0, lastChange: "2024-01-01T00:00:00.000Z", lastReason: "joined at start" },
        { ifname: "eth1", link: "down", healthy: false, enabled: false, slots: [], txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0, rxDropped: 0, failures: 2, lastChange: "2024-01-01T00:01:00.000Z", lastReason: "carrier down" },
      ],
      lastError: null,
      ...overrides,
    };
  }

  it("formats a status with one row per member", () => {
    const text = formatStatus(sampleStatus());
    assert.match(text, /^backend chosen: auto: userspace/m);
    assert.doesNotMatch(text, /DEGRADED/);
    assert.match(text, /^eth0\s+up\s+yes\s+0,2\s+5\s+300/m);
    assert.match(text, /^eth1\s+down\s+no\s+-\s+0.*carrier down/m);
  });

  it("status of a bonding team says it is the degraded mode and how it differs", () => {
    const text = formatStatus(sampleStatus({ backend: "bonding", degradedMode: degradedModeOf("bonding"), slotTxBytes: null }));
    assert.match(text, /^DEGRADED MODE: Linux bonding balance-xor, xmit_hash_policy layer2 \(not the patent's table\)$/m);
    assert.match(text, /DA\[5\] XOR SA\[5\] XOR ethertype/);
    assert.match(text, /not only the failed member's/);
    assert.match(text, /docs\/linux-bonding-degraded\.md/);
    assert.equal(degradedModeOf("userspace"), null);
    assert.equal(degradedModeOf("team"), null);
  });

  it("--help, -h and help print the usage on standard output and exit 0", async () => {
    for (const argv of [["--help"], ["-h"], ["help"], ["status", "--help"]]) {
      const result = await capture(argv);
      assert.equal(result.code, 0, argv.join(" "));
      assert.equal(result.stdout, USAGE + "\n", argv.join(" "));
      assert.equal(result.stderr, "", argv.join(" "));
    }
    assert.match(USAGE, /onemac-team status \[TEAM \| --name TEAM \| --config FILE\]/);
  });

  it("parses a team name for status and down, and refuses it elsewhere or beside --config", () => {
    assert.deepEqual(parseArguments(["status", "team1"]), { command: "status", configPath: null, json: false, teamName: "team1" });
    assert.deepEqual(parseArguments(["down", "--name", "team1", "--json"]), { command: "down", configPath: null, json: true, teamName: "team1" });
    assert.deepEqual(parseArguments(["status", "--name=team1"]), { command: "status", configPath: null, json: false, teamName: "team1" });
    assert.deepEqual(parseArguments(["status"]), { command: "status", configPath: null, json: false });
    assert.deepEqual(parseArguments(["check"]), { command: "check", configPath: "/etc/onemac/team.json", json: false });
    assert.throws(() => parseArguments(["up", "team1"]), /unexpected argument/);
    assert.throws(() => parseArguments(["check", "--name", "team1"]), /check takes --config, not a team name/);
    assert.throws(() => parseArguments(["status", "team1", "--config", "/x.json"]), /not both/);
    assert.throws(() => parseArguments(["status", "a", "b"]), /two team names/);
    assert.throws(() => parseArguments(["down", "--name"]), /needs a team name/);
  });

  describe("status and down without the configuration file", () => {
    const runtime = join(directory, "runtime");
    const servers: Server[] = [];
    const requests: string[] = [];
    async function serve(name: string): Promise<void> {
      servers.push(
        await serveControl(name, async (request: ControlRequest) => {
          requests.push(`${name} ${request.command}`);
          return request.command === "status" ? sampleStatus({ name }) : { stopping: name };
        }),
      );
    }
    async function stopAll(): Promise<void> {
      for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
    }
    after(stopAll);

    it("none running: a clear error, exit 1", async () => {
      process.env.ONEMAC_RUNTIME_DIRECTORY = runtime;
      mkdirSync(runtime, { recursive: true });
      writeFileSync(join(runtime, "stale.sock"), ""); // left behind by a team that died: not a team running
      const result = await capture(["status"]);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /no team is running \(no control socket answers in .*runtime\)/);
      const json = await capture(["down", "--json"]);
      assert.equal(json.code, 1);
      assert.equal(JSON.parse(json.stdout).code, "not-running");
    });

    it("the only team running is found; by name too", async () => {
      process.env.ONEMAC_RUNTIME_DIRECTORY = runtime;
      await serve("teamA");
      const text = await capture(["status"]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^team teamA  mac /m);
      const json = await capture(["status", "--json"]);
      assert.equal(JSON.parse(json.stdout).name, "teamA");
      const named = await capture(["status", "--name", "teamA", "--json"]);
      assert.equal(JSON.parse(named.stdout).name, "teamA");
      const absent = await capture(["status", "teamB"]);
      assert.equal(absent.code, 1);
      assert.match(absent.stderr, /team teamB is not up/);
    });

    it("several running: status and down without a name refuse and list them (exit 2); a name picks one", async () => {
      process.env.ONEMAC_RUNTIME_DIRECTORY = runtime;
      await serve("teamB");
      const ambiguous = await capture(["down"]);
      assert.equal(ambiguous.code, 2);
      assert.match(ambiguous.stderr, /2 teams are running \(teamA, teamB\): name one, e\.g\. onemac-team down teamA/);
      assert.ok(!requests.some((request) => request.endsWith("down")), "nothing was asked to go down");
      const picked = await capture(["down", "teamB"]);
      assert.equal(picked.code, 0, picked.stderr);
      assert.equal(picked.stdout, "team teamB is going down\n");
      assert.deepEqual(requests.filter((request) => request.endsWith("down")), ["teamB down"]);
      await stopAll();
    });
  });

  it("status names the broadcast member, or says broadcasts are taken in on every enabled member and why", () => {
    assert.match(formatStatus(sampleStatus()), /^broadcast member eth0 \(broadcasts and multicasts are taken in on eth0 only\)$/m);
    assert.match(
      formatStatus(sampleStatus({ broadcastMember: null, broadcastReceivers: [] })),
      /^broadcast member \(none: no member is healthy\)$/m,
    );
    const all = sampleStatus({ broadcastMember: null, broadcastReceive: "all", broadcastReceivers: ["eth0"] });
    assert.match(formatStatus(all), /^broadcast member \(none designated, broadcastReceive "all"\): broadcasts and multicasts are taken in on every enabled member \(eth0\)$/m);
    assert.match(formatStatus({ ...all, backend: "team" }), /none designated, the team backend has no per-member receive filter/);
  });

  it('backend "bonding" is chosen only when configured, and refused with the reason where the kernel has no bonding', async () => {
    const config = parseTeamConfig({ mac: "02:00:00:00:00:01", members: ["eth0"], backend: "bonding" });
    const unavailable = BondingBackend.unavailableReason();
    if (unavailable) {
      await assert.rejects(chooseBackend(config), (error: Error) => error.message === `backend "bonding" was asked for: ${unavailable}`);
    } else {
      const decision = await chooseBackend(config);
      assert.equal(decision.backend.kind, "bonding");
      assert.match(decision.reason, /degraded mode/);
    }
    const automatic = await chooseBackend(parseTeamConfig({ mac: "02:00:00:00:00:01", members: ["eth0"] })).catch(() => null);
    assert.notEqual(automatic?.backend.kind, "bonding");
  });
});
