// The userspace backend and the control plane, as root, in network namespaces made for this test only.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { UserspaceBackend } from "../../hosts/linux/team/backends/userspace";
import { parseTeamConfig, type TeamConfig } from "../../hosts/linux/team/config";
import { TeamController } from "../../hosts/linux/team/controller";
import { IpAddressing, runIp } from "../../hosts/linux/team/iproute";
import { IpMonitorLinks } from "../../hosts/linux/team/links";
import { SystemTimers } from "../../hosts/linux/team/timers";
import { FrameTap, linkJson, NamespacePair, privilegedSkipReason, sleep, testFrame, testTags, waitFor } from "./netns-harness";

const skipReason = privilegedSkipReason();
const TEAM_MAC = "02:0e:00:00:00:01";
const CLIENT_MAC_PREFIX = "02:c1:00:00:00:";

function clientMac(slot: number): string {
  return CLIENT_MAC_PREFIX + slot.toString(16).padStart(2, "0");
}

function makeController(pair: NamespacePair, config: TeamConfig, backend = new UserspaceBackend({ netns: pair.server })): TeamController {
  return new TeamController({
    config,
    backend,
    links: new IpMonitorLinks(pair.server),
    timers: new SystemTimers(),
    addressing: new IpAddressing(pair.server),
  });
}

/** Sends one frame per slot from the operating system (through the TAP) and says which peer got which slot. */
async function landings(pair: NamespacePair, teamName: string, peers: Map<string, FrameTap>, slotCount: number, tagBase: number): Promise<Map<number, string[]>> {
  for (const tap of peers.values()) tap.drain();
  const osSide = new FrameTap(pair.server, teamName);
  try {
    for (let slot = 0; slot < slotCount; slot++) osSide.send(testFrame(clientMac(slot), TEAM_MAC, tagBase + slot));
  } finally {
    osSide.close();
  }
  const landed = new Map<number, string[]>();
  await waitFor(() => {
    for (const [member, tap] of peers) {
      for (const tag of testTags(tap.drain())) {
        if (tag < tagBase || tag >= tagBase + slotCount) continue;
        landed.set(tag - tagBase, [...(landed.get(tag - tagBase) ?? []), member]);
      }
    }
    return landed.size === slotCount;
  }, 2000);
  return landed;
}

function expectedLandings(table: readonly (string | null)[]): Map<number, string[]> {
  const expected = new Map<number, string[]>();
  table.forEach((owner, slot) => {
    if (owner !== null) expected.set(slot, [owner]);
  });
  return expected;
}

describe("userspace team in network namespaces", { skip: skipReason ?? false }, () => {
  const pair = new NamespacePair();
  const peers = new Map<string, FrameTap>();
  let controller: TeamController | null = null;

  before(async () => {
    await pair.create();
    for (const index of [0, 1, 2]) await pair.addVeth(`tm${index}`, `tp${index}`, { memberUp: true });
  });

  after(async () => {
    try {
      await controller?.stop();
    } finally {
      for (const tap of peers.values()) tap.close();
      await pair.destroy();
    }
  });

  it("comes up with one MAC everywhere, and each DA lands on the member its slot names", async () => {
    const config = parseTeamConfig({
      name: "team0",
      mac: TEAM_MAC,
      members: ["tm0", "tm1", "tm2"],
      autoJoin: { namePattern: "tm*" },
      addresses: ["192.0.2.10/24"],
    });
    controller = makeController(pair, config);
    await controller.start();
    for (const ifname of ["team0", "tm0", "tm1", "tm2"]) assert.equal((await linkJson(pair.server, ifname)).address, TEAM_MAC, ifname);
    for (const index of [0, 1, 2]) peers.set(`tm${index}`, new FrameTap(pair.peer, `tp${index}`));
    const table = controller.table;
    assert.equal(table.length, 16);
    assert.deepEqual([0, 1, 2].map((index) => table.filter((owner) => owner === `tm${index}`).length), [6, 5, 5]);
    assert.deepEqual(await landings(pair, "team0", peers, 16, 1000), expectedLandings(table));
    const status = await controller.status();
    assert.equal(status.members.reduce((sum, member) => sum + member.txFrames, 0) >= 16, true);
  });

  it("delivers exactly one copy of each broadcast and multicast to the operating system", async () => {
    const osSide = new FrameTap(pair.server, "team0");
    try {
      osSide.drain();
      const count = 20;
      for (let index = 0; index < count; index++) {
        const destination = index % 2 ? "ff:ff:ff:ff:ff:ff" : "01:00:5e:00:00:01";
        for (const tap of peers.values()) tap.send(testFrame(destination, clientMac(index), 2000 + index));
      }
      await sleep(300);
      const tags = testTags(osSide.drain()).filter((tag) => tag >= 2000 && tag < 2000 + count);
      assert.deepEqual(tags.sort((a, b) => a - b), Array.from({ length: count }, (_, index) => 2000 + index));
      // Unicast to the team MAC is taken on every member.
      for (const tap of peers.values()) tap.send(testFrame(TEAM_MAC, clientMac(1), 3000));
      await sleep(200);
      assert.equal(testTags(osSide.drain()).filter((tag) => tag === 3000).length, 3);
    } finally {
      osSide.close();
    }
  });

  it("answers ARP once, through the team device, however many members the request arrives on", async () => {
    const request = Buffer.alloc(60);
    Buffer.from("ffffffffffff02c1000000aa0806", "hex").copy(request, 0);
    Buffer.from("0001080006040001", "hex").copy(request, 14);
    Buffer.from("02c1000000aa", "hex").copy(request, 22);
    Buffer.from([192, 0, 2, 99]).copy(request, 28);
    Buffer.from([192, 0, 2, 10]).copy(request, 38);
    for (const tap of peers.values()) tap.drain();
    for (const tap of peers.values()) tap.send(request);
    await sleep(300);
    let replies = 0;
    for (const tap of peers.values()) {
      replies += tap.drain().filter((frame) => frame.readUInt16BE(12) === 0x0806 && frame.readUInt16BE(20) === 2).length;
    }
    assert.equal(replies, 1);
  });

  it("pulling a member (link down at the far end) moves only its slots, and they come back", async () => {
    const before = [...controller!.table];
    await runIp(["link", "set", "dev", "tp1", "down"], pair.peer);
    assert.ok(await waitFor(() => !controller!.table.includes("tm1")), "tm1's slots should move");
    const during = [...controller!.table];
    during.forEach((owner, slot) => {
      if (before[slot] !== "tm1") assert.equal(owner, before[slot], `slot ${slot} moved although tm1 did not own it`);
    });
    const reachable = new Map([...peers].filter(([member]) => member !== "tm1"));
    assert.deepEqual(await landings(pair, "team0", reachable, 16, 4000), expectedLandings(during));
    const status = await controller!.status();
    const tm1 = status.members.find((member) => member.ifname === "tm1")!;
    assert.equal(tm1.link, "down");
    assert.equal(tm1.failures, 1);
    assert.deepEqual(tm1.slots, []);

    await runIp(["link", "set", "dev", "tp1", "up"], pair.peer);
    assert.ok(await waitFor(() => controller!.table.every((owner, slot) => owner === before[slot])), "restore failback");
  });

  it("a member that disappears (its veth deleted) gives up only its slots", async () => {
    const before = [...controller!.table];
    await runIp(["link", "delete", "dev", "tp2"], pair.peer);
    peers.get("tm2")!.close();
    peers.delete("tm2");
    assert.ok(await waitFor(() => !controller!.table.includes("tm2")));
    controller!.table.forEach((owner, slot) => {
      if (before[slot] !== "tm2") assert.equal(owner, before[slot]);
    });
    assert.deepEqual(await landings(pair, "team0", peers, 16, 5000), expectedLandings(controller!.table));
    assert.ok(!(await controller!.status()).members.some((member) => member.ifname === "tm2"));
  });

  it("a new veth matching the name pattern joins and carries its share", async () => {
    await pair.addVeth("tm3", "tp3");
    peers.set("tm3", new FrameTap(pair.peer, "tp3"));
    assert.ok(await waitFor(() => controller!.table.includes("tm3"), 5000), "tm3 should join");
    assert.equal((await linkJson(pair.server, "tm3")).address, TEAM_MAC);
    const table = controller!.table;
    const counts = ["tm0", "tm1", "tm3"].map((member) => table.filter((owner) => owner === member).length);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `balanced: ${counts}`);
    assert.deepEqual(await landings(pair, "team0", peers, 16, 6000), expectedLandings(table));
  });

  it("down removes the team device and gives members their own MACs back", async () => {
    await controller!.stop();
    controller = null;
    await assert.rejects(linkJson(pair.server, "team0"));
    for (const ifname of ["tm0", "tm1", "tm3"]) assert.notEqual((await linkJson(pair.server, ifname)).address, TEAM_MAC, ifname);
  });
});

describe("transactional apply in network namespaces", { skip: skipReason ?? false }, () => {
  const pair = new NamespacePair();

  before(async () => {
    await pair.create();
    for (const index of [0, 1]) await pair.addVeth(`xm${index}`, `xp${index}`);
    await runIp(["address", "add", "198.51.100.1/24", "dev", "xm0"], pair.server);
    await runIp(["link", "set", "dev", "xm0", "up"], pair.server);
  });

  after(async () => {
    await pair.destroy();
  });

  async function snapshot(): Promise<string> {
    const links = JSON.parse(await runIp(["-json", "address", "show"], pair.server)) as { ifname: string; address: string; flags: string[]; mtu: number; addr_info: { local: string }[] }[];
    const sysctls = await runIp(["netns", "exec", pair.server, "sysctl", "net.ipv4.conf.xm0.arp_ignore", "net.ipv4.conf.xm1.rp_filter", "net.ipv6.conf.xm1.disable_ipv6"]);
    return JSON.stringify(links.map((link) => [link.ifname, link.address, link.flags.includes("UP"), link.mtu, link.addr_info.map((info) => info.local).filter((local) => !local.startsWith("fe80"))])) + sysctls;
  }

  const config = parseTeamConfig({ name: "team1", mac: TEAM_MAC, members: ["xm0", "xm1"], mtu: 1400, addresses: ["192.0.2.20/24"] });

  it("restores everything when the backend fails while enslaving the second member", async () => {
    const before = await snapshot();
    const backend = new UserspaceBackend({
      netns: pair.server,
      beforeStep: (step) => {
        if (step === "member xm1") throw new Error("injected failure");
      },
    });
    await assert.rejects(makeController(pair, config, backend).start(), (error: Error) => /while creating the team device.*injected failure.*previous state restored/s.test(error.message));
    assert.equal(await snapshot(), before);
  });

  it("restores everything when installing the table fails after the team is up", async () => {
    const before = await snapshot();
    const backend = new UserspaceBackend({ netns: pair.server });
    backend.applyTable = async () => {
      throw new Error("injected table failure");
    };
    await assert.rejects(makeController(pair, config, backend).start(), /while installing the table.*injected table failure/s);
    assert.equal(await snapshot(), before);
  });

  it("restores everything when adding the team's address fails", async () => {
    const before = await snapshot();
    const broken = parseTeamConfig({ ...JSON.parse(JSON.stringify(config)), addresses: ["192.0.2.20/24", "192.0.2.20/24"] });
    await assert.rejects(makeController(pair, broken).start(), /while adding addresses/);
    assert.equal(await snapshot(), before);
  });
});
