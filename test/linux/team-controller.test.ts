// The controller on virtual time with a recording backend and a scripted link monitor (no privileges).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BackendStats, TeamBackend } from "../../hosts/linux/team/backend";
import { parseTeamConfig, type TeamConfig } from "../../hosts/linux/team/config";
import { TeamController } from "../../hosts/linux/team/controller";
import type { LinkEvent, LinkInfo, LinkMonitor } from "../../hosts/linux/team/links";
import { VirtualTimers } from "../../hosts/linux/team/timers";

class RecordingBackend implements TeamBackend {
  readonly kind = "userspace" as const;
  readonly filtersBroadcasts = true;
  readonly calls: string[] = [];
  table: (string | null)[] = [];
  broadcastMember: string | null = null;
  failOn: string | null = null;
  #check(call: string): void {
    this.calls.push(call);
    if (this.failOn && call.startsWith(this.failOn)) throw new Error(`injected failure in ${call}`);
  }
  async up(_config: TeamConfig, members: readonly string[]): Promise<void> {
    this.#check(`up ${members.join(",")}`);
  }
  async down(): Promise<void> {
    this.#check("down");
  }
  async addMember(ifname: string): Promise<void> {
    this.#check(`add ${ifname}`);
  }
  async removeMember(ifname: string): Promise<void> {
    this.#check(`remove ${ifname}`);
  }
  async setMemberEnabled(ifname: string, enabled: boolean): Promise<void> {
    this.#check(`${enabled ? "enable" : "disable"} ${ifname}`);
  }
  async applyTable(slots: readonly (string | null)[]): Promise<void> {
    this.#check("table");
    this.table = [...slots];
  }
  async setBroadcastMember(ifname: string | null): Promise<void> {
    this.#check(`broadcast ${ifname}`);
    this.broadcastMember = ifname;
  }
  async stats(): Promise<BackendStats> {
    return { members: [], slotTxBytes: null };
  }
}

class ScriptedLinks implements LinkMonitor {
  readonly links = new Map<string, LinkInfo>();
  #listener: ((event: LinkEvent) => void) | null = null;
  set(ifname: string, carrier: boolean, mac = "00:00:00:00:00:01"): void {
    const link: LinkInfo = { ifname, ifindex: this.links.size + 2, adminUp: true, carrier, mac, permanentMac: mac, kind: "veth" };
    this.links.set(ifname, link);
    this.#listener?.({ kind: "changed", link });
  }
  remove(ifname: string): void {
    const link = this.links.get(ifname)!;
    this.links.delete(ifname);
    this.#listener?.({ kind: "removed", ifname, ifindex: link.ifindex });
  }
  async list(): Promise<LinkInfo[]> {
    return [...this.links.values()];
  }
  async start(listener: (event: LinkEvent) => void): Promise<void> {
    this.#listener = listener;
  }
  async stop(): Promise<void> {
    this.#listener = null;
  }
}

function allOn(table: readonly (string | null)[], member: string): boolean {
  return table.every((owner): boolean => owner === member);
}

function setup(overrides: Record<string, unknown> = {}) {
  const config = parseTeamConfig({ mac: "02:00:00:00:00:01", members: ["eth0", "eth1", "eth2"], watchers: { carrier: { downDelayMs: 100 } }, ...overrides });
  const backend = new RecordingBackend();
  const links = new ScriptedLinks();
  for (const ifname of ["eth0", "eth1", "eth2", "lo"]) links.set(ifname, true);
  const timers = new VirtualTimers();
  const added: string[] = [];
  const controller = new TeamController({
    config,
    backend,
    links,
    timers,
    addressing: { add: async (_ifname, cidr) => void added.push(cidr), remove: async () => {} },
    wallClock: () => 0,
  });
  return { controller, backend, links, timers, added };
}

describe("team controller on virtual time", () => {
  it("starts with present members, an even table and one broadcast member", async () => {
    const { controller, backend } = setup();
    await controller.start();
    assert.equal(backend.calls[0], "up eth0,eth1,eth2");
    assert.deepEqual([0, 1, 2].map((index) => backend.table.filter((owner) => owner === `eth${index}`).length), [6, 5, 5]);
    assert.equal(backend.broadcastMember, "eth0");
  });

  it("fails a member after the down delay, moving only its slots and the broadcast duty", async () => {
    const { controller, backend, links, timers } = setup();
    await controller.start();
    const before = [...backend.table];
    links.set("eth0", false);
    timers.advance(99);
    await controller.settle();
    assert.deepEqual(backend.table, before);
    timers.advance(1);
    await controller.settle();
    backend.table.forEach((owner, slot) => assert.equal(owner, before[slot] === "eth0" ? owner : before[slot]));
    assert.ok(!backend.table.includes("eth0"));
    assert.equal(backend.broadcastMember, "eth1");
    assert.ok(backend.calls.indexOf("disable eth0") > backend.calls.lastIndexOf("table"), "disabled after the table stopped naming it");
    const status = await controller.status();
    assert.equal(status.members.find((member) => member.ifname === "eth0")!.failures, 1);
    links.set("eth0", true);
    await controller.settle();
    assert.deepEqual(backend.table, before);
  });

  it("active-backup: everything on the first healthy member; restore brings it back, sticky does not", async () => {
    for (const failback of ["restore", "sticky"] as const) {
      const { controller, backend, links, timers } = setup({ mode: "active-backup", failback });
      await controller.start();
      assert.ok(allOn(backend.table, "eth0"));
      assert.ok(backend.calls.includes("enable eth0") && !backend.calls.includes("enable eth1"));
      links.set("eth0", false);
      timers.advance(100);
      await controller.settle();
      assert.ok(allOn(backend.table, "eth1"));
      assert.equal(backend.broadcastMember, "eth1");
      links.set("eth0", true);
      await controller.settle();
      assert.ok(allOn(backend.table, failback === "restore" ? "eth0" : "eth1"), failback);
    }
  });

  it("a matching interface that appears joins; a non-matching one does not; a removed member leaves", async () => {
    const { controller, backend, links } = setup({ autoJoin: { namePattern: "eth*" } });
    await controller.start();
    links.set("wlan0", true);
    links.set("eth3", true);
    await controller.settle();
    assert.ok(backend.calls.includes("add eth3") && !backend.calls.includes("add wlan0"));
    assert.equal(backend.table.filter((owner) => owner === "eth3").length, 4);
    const before = [...backend.table];
    links.remove("eth1");
    await controller.settle();
    assert.ok(backend.calls.includes("remove eth1"));
    backend.table.forEach((owner, slot) => {
      if (before[slot] !== "eth1") assert.equal(owner, before[slot]);
    });
  });

  /** Pulls `ifname` past the down delay, returns the broadcast member then; brings it back. */
  async function pullAndRecover(team: ReturnType<typeof setup>, ifname: string): Promise<string | null> {
    team.links.set(ifname, false);
    team.timers.advance(100);
    await team.controller.settle();
    const whilePulled = team.backend.broadcastMember;
    team.links.set(ifname, true);
    await team.controller.settle();
    return whilePulled;
  }

  it("the broadcast duty follows failback: back to the first member on recovery under restore, stays under sticky", async () => {
    for (const failback of ["restore", "sticky"] as const) {
      const team = setup({ failback });
      const { controller, backend } = team;
      await controller.start();
      assert.equal(await pullAndRecover(team, "eth0"), "eth1");
      const expected = failback === "restore" ? "eth0" : "eth1";
      assert.equal(backend.broadcastMember, expected, failback);
      const status = await controller.status();
      assert.equal(status.broadcastMember, expected, `${failback}: status names the member the backend was given`);
      assert.equal(status.broadcastReceive, "designated");
      assert.deepEqual(status.broadcastReceivers, [expected]);
    }
  });

  it("a configured broadcastMember takes the duty back on recovery under restore, not under sticky", async () => {
    for (const failback of ["restore", "sticky"] as const) {
      const team = setup({ failback, broadcastMember: "eth1" });
      const { controller, backend } = team;
      await controller.start();
      assert.equal(backend.broadcastMember, "eth1");
      assert.equal(await pullAndRecover(team, "eth1"), "eth0");
      assert.equal(backend.broadcastMember, failback === "restore" ? "eth1" : "eth0", failback);
    }
  });

  it('status says broadcasts are taken in on every enabled member with broadcastReceive "all" or a backend that cannot filter', async () => {
    const configured = setup({ broadcastReceive: "all" });
    await configured.controller.start();
    configured.links.set("eth2", false);
    configured.timers.advance(100);
    await configured.controller.settle();
    const status = await configured.controller.status();
    assert.equal(status.broadcastReceive, "all");
    assert.equal(status.broadcastMember, null);
    assert.deepEqual(status.broadcastReceivers, ["eth0", "eth1"]);

    const unfiltered = setup();
    Object.defineProperty(unfiltered.backend, "filtersBroadcasts", { value: false });
    await unfiltered.controller.start();
    const kernelLike = await unfiltered.controller.status();
    assert.equal(kernelLike.broadcastReceive, "all");
    assert.deepEqual(kernelLike.broadcastReceivers, ["eth0", "eth1", "eth2"]);
  });

  it("undoes earlier steps when a later one fails, and says which step", async () => {
    const { controller, backend } = setup({ addresses: ["192.0.2.1/24"] });
    backend.failOn = "broadcast";
    await assert.rejects(controller.start(), /while installing the table: injected failure in broadcast.*previous state restored/s);
    assert.equal(backend.calls.at(-1), "down");
    assert.equal(controller.running, false);
  });
});
