import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { matchesAutoJoin, parseTeamConfig, parseTeamConfigText } from "../../hosts/linux/team/config";
import { ConfigError } from "../../hosts/linux/team/errors";

function problemsOf(input: unknown): { field: string; message: string }[] {
  try {
    parseTeamConfig(input);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return [...error.problems];
  }
  assert.fail("expected a ConfigError");
}

describe("team configuration", () => {
  it("fills defaults and normalizes MACs", () => {
    const config = parseTeamConfig({ mac: "02-AA-00-00-00-01", members: ["eth0", "eth1"] });
    assert.equal(config.mac, "02:aa:00:00:00:01");
    assert.equal(config.name, "onemac0");
    assert.equal(config.slotBits, 4);
    assert.equal(config.mode, "table");
    assert.equal(config.failback, "restore");
    assert.equal(config.backend, "auto");
    assert.equal(config.broadcastReceive, "designated");
    assert.deepEqual(config.watchers, { carrier: { upDelayMs: 0, downDelayMs: 0 }, arp: null });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.members));
  });

  it("accepts a full configuration", () => {
    const config = parseTeamConfig({
      name: "team0",
      mac: "0200.0000.0042",
      mode: "active-backup",
      slotBits: 8,
      failback: "sticky",
      backend: "userspace",
      members: ["eth0"],
      autoJoin: { namePattern: "enp*", macs: ["00:11:22:33:44:55"] },
      broadcastMember: "eth0",
      broadcastReceive: "all",
      watchers: { carrier: { upDelayMs: 2000, downDelayMs: 100 }, arp: { targetIp: "192.0.2.1", intervalMs: 500, missedMax: 2 } },
      mtu: 9000,
      addresses: ["192.0.2.10/24", "2001:db8::10/64"],
    });
    assert.equal(config.watchers.arp?.sourceIp, "0.0.0.0");
    assert.equal(config.mac, "02:00:00:00:00:42");
  });

  it("names every bad field at once", () => {
    const problems = problemsOf({
      name: "this-name-is-far-too-long",
      mac: "01:00:5e:00:00:01",
      mode: "roundrobin",
      slotBits: 9,
      failback: 1,
      members: ["eth0", "eth0", 7],
      broadcastMember: "eth9",
      watchers: { carrier: { upDelayMs: -1 }, arp: { intervalMs: 1 } },
      addresses: ["10.0.0.1"],
      colour: "blue",
    });
    const fields = problems.map((problem) => problem.field).sort();
    assert.deepEqual(fields, [
      "addresses[0]",
      "broadcastMember",
      "colour",
      "failback",
      "mac",
      "members[1]",
      "members[2]",
      "mode",
      "name",
      "slotBits",
      "watchers.arp.intervalMs",
      "watchers.arp.targetIp",
      "watchers.carrier.upDelayMs",
    ]);
    assert.match(problems.find((problem) => problem.field === "mac")!.message, /multicast/);
  });

  it("requires a MAC and some way to find members", () => {
    const fields = problemsOf({}).map((problem) => problem.field);
    assert.deepEqual(fields.sort(), ["mac", "members"]);
  });

  it("rejects auto-join patterns that would capture everything or the team itself", () => {
    assert.deepEqual(problemsOf({ mac: "02:00:00:00:00:01", members: ["eth0"], autoJoin: { namePattern: "*" } }).map((p) => p.field), ["autoJoin.namePattern"]);
    assert.deepEqual(problemsOf({ mac: "02:00:00:00:00:01", members: ["eth0"], name: "veth9", autoJoin: { namePattern: "veth*" } }).map((p) => p.field), ["autoJoin.namePattern"]);
  });

  it("reports JSON syntax errors and non-objects as problems of the root", () => {
    assert.throws(() => parseTeamConfigText("{ nope"), (error: unknown) => error instanceof ConfigError && error.problems[0]!.field === "(root)");
    assert.deepEqual(problemsOf([1, 2]).map((p) => p.field), ["(root)"]);
    assert.throws(() => parseTeamConfigText("{}", "/etc/onemac/team.json"), /\/etc\/onemac\/team\.json is invalid/);
  });

  it("matches interfaces for auto-join by list, pattern and permanent MAC, never the team itself", () => {
    const config = parseTeamConfig({ name: "team0", mac: "02:00:00:00:00:01", members: ["eth0"], autoJoin: { namePattern: "veth?", macs: ["00:11:22:33:44:55"] } });
    assert.ok(matchesAutoJoin(config, "eth0", null));
    assert.ok(matchesAutoJoin(config, "veth3", null));
    assert.ok(!matchesAutoJoin(config, "veth33", null));
    assert.ok(matchesAutoJoin(config, "enp9s0", "00:11:22:33:44:55"));
    assert.ok(!matchesAutoJoin(config, "enp9s0", "00:11:22:33:44:56"));
    assert.ok(!matchesAutoJoin(config, "team0", "00:11:22:33:44:55"));
  });
});
