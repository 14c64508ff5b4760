// Runs inside the test VM (Debian's kernel with team + team_mode_loadbalance loaded, see init.sh), as root,
// against veth members that only exist in the VM. Prints one line per check:
//   ONEMAC-CHECK {"name": ..., "ok": true|false, "detail": ...}
// and exits non-zero if any check failed. test/linux/qemu/kernel-team.test.ts boots the VM and asserts each line.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { KernelTeamBackend } from "../../../hosts/linux/team/backends/kernel-team";
import { BondingBackend } from "../../../hosts/linux/team/backends/bonding";
import { parseTeamConfig } from "../../../hosts/linux/team/config";
import { destinationMacHashProgram } from "../../../hosts/linux/team/bpf";
import { LinkClient, TeamClient } from "../../../hosts/linux/netlink/clients";
import { NetlinkError } from "../../../hosts/linux/netlink/errors";
import { TeamError } from "../../../hosts/linux/team/errors";
import { PacketSocket } from "./packet";

const TEAM_NAME = "onemac0";
const TEAM_MAC = "02:00:00:00:00:01";
const SLOT_BITS = 4;
const SLOT_COUNT = 1 << SLOT_BITS;
const MEMBERS = ["m0", "m1", "m2", "m3"];
const PEERS = ["p0", "p1", "p2", "p3"];
const TEST_ETHERTYPE = 0x88b5; // IEEE 802 local experimental
const FRAME_BYTES = 60;

let failures = 0;
function check(name: string, ok: boolean, detail: unknown = null): void {
  if (!ok) failures++;
  console.log(`ONEMAC-CHECK ${JSON.stringify({ name, ok, detail })}`);
}

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8" });
}

function linkJson(name: string): { ifname: string; address: string; master?: string; flags: string[]; ifindex: number } | null {
  try {
    return JSON.parse(ip("-json", "link", "show", "dev", name))[0];
  } catch {
    return null;
  }
}

function frameTo(lastOctet: number): Buffer {
  const frame = Buffer.alloc(FRAME_BYTES);
  Buffer.from([0x02, 0x00, 0x00, 0x00, 0x10, lastOctet]).copy(frame, 0);
  Buffer.from(TEAM_MAC.split(":").map((part) => parseInt(part, 16))).copy(frame, 6);
  frame.writeUInt16BE(TEST_ETHERTYPE, 12);
  frame.write("onemac", 14);
  return frame;
}

/** Sends one frame per DA[5] value 0..255 out of the team device; returns DA[5] values seen on each peer. */
async function sendAllAndCapture(teamIndex: number, peerIndexes: number[]): Promise<number[][]> {
  const receivers = peerIndexes.map((index) => new PacketSocket(index));
  const sender = new PacketSocket(teamIndex);
  try {
    for (const receiver of receivers) receiver.drain();
    for (let lastOctet = 0; lastOctet < 256; lastOctet++) sender.send(frameTo(lastOctet));
    await new Promise((resolve) => setTimeout(resolve, 300));
    return receivers.map((receiver) =>
      receiver
        .drain()
        .filter((frame) => frame.length >= 14 && frame.readUInt16BE(12) === TEST_ETHERTYPE && frame.subarray(6, 12).equals(frameTo(0).subarray(6, 12)))
        .map((frame) => frame[5]!),
    );
  } finally {
    sender.close();
    for (const receiver of receivers) receiver.close();
  }
}

function expectedDeliveries(table: readonly (string | null)[]): number[][] {
  const perMember = MEMBERS.map(() => [] as number[]);
  for (let lastOctet = 0; lastOctet < 256; lastOctet++) {
    const member = table[lastOctet & (SLOT_COUNT - 1)];
    if (member) perMember[MEMBERS.indexOf(member)]!.push(lastOctet);
  }
  return perMember;
}

function sameDeliveries(actual: number[][], expected: number[][]): boolean {
  return JSON.stringify(actual.map((list) => [...list].sort((a, b) => a - b))) === JSON.stringify(expected);
}

async function main(): Promise<void> {
  const started = Date.now();
  // Quiet links: no IPv6 autoconfiguration traffic in the counters and captures.
  writeFileSync("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
  writeFileSync("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
  for (let i = 0; i < MEMBERS.length; i++) {
    ip("link", "add", MEMBERS[i]!, "type", "veth", "peer", "name", PEERS[i]!);
    ip("link", "set", PEERS[i]!, "up");
  }
  ip("link", "set", "m3", "up"); // one member starts up: up() must take it down, and down() must bring it back up
  const originalMacs = MEMBERS.map((name) => linkJson(name)!.address);
  const peerIndexes = PEERS.map((name) => linkJson(name)!.ifindex);

  const config = parseTeamConfig({ name: TEAM_NAME, mac: TEAM_MAC, slotBits: SLOT_BITS, members: MEMBERS, backend: "team" });
  const backend = new KernelTeamBackend({ statsRefreshTenths: 1 });
  await backend.up(config, MEMBERS);
  const teamIndex = backend.teamIndex!;

  const team = linkJson(TEAM_NAME);
  const kind = (JSON.parse(ip("-json", "-details", "link", "show", "dev", TEAM_NAME))[0]?.linkinfo?.info_kind as string | undefined) ?? null;
  check("team device created over rtnetlink with the team MAC", team !== null && kind === "team" && team.address === TEAM_MAC, { kind, address: team?.address });
  const membersJoined = MEMBERS.map((name) => linkJson(name));
  check(
    "every member enslaved, up, carrying the team MAC",
    membersJoined.every((link) => link?.master === TEAM_NAME && link.address === TEAM_MAC && link.flags.includes("UP")),
    membersJoined.map((link) => ({ name: link?.ifname, master: link?.master, address: link?.address })),
  );

  const client = new TeamClient(teamIndex, TEAM_NAME);
  const options = client.getOptions();
  const option = (name: string) => options.find((item) => item.name === name && item.portIfindex === undefined && item.arrayIndex === undefined);
  const mode = option("mode");
  const hash = option("bpf_hash_func");
  const method = option("lb_tx_method");
  check("mode is loadbalance", mode?.value.type === "string" && mode.value.value === "loadbalance", mode?.value);
  check(
    "bpf_hash_func holds ldb [5]; and #15; ret a",
    hash?.value.type === "binary" && Buffer.from(hash.value.value).equals(Buffer.from(destinationMacHashProgram(SLOT_BITS))),
    hash?.value.type === "binary" ? Buffer.from(hash.value.value).toString("hex") : hash,
  );
  check("lb_tx_method is hash_to_port_mapping", method?.value.type === "string" && method.value.value === "hash_to_port_mapping", method?.value);
  const ports = client.getPorts();
  check("TEAM_CMD_PORT_LIST_GET lists the four members", ports.length === 4 && MEMBERS.every((name) => ports.some((port) => port.ifindex === linkJson(name)!.ifindex)), ports);

  // The patent's table: slot i -> member i mod 4.
  const table = Array.from({ length: SLOT_COUNT }, (_, slot) => MEMBERS[slot % MEMBERS.length]!);
  await backend.applyTable(table);
  check("kernel mapping equals the table (one lb_tx_hash_to_port_mapping entry per slot)", JSON.stringify(await backend.kernelTable()) === JSON.stringify(table), await backend.kernelTable());

  const statsBefore = await backend.stats();
  const deliveries = await sendAllAndCapture(teamIndex, peerIndexes);
  check("each DA[5] leaves on the member of slot DA[5] & 15 (AF_PACKET capture on the veth peers)", sameDeliveries(deliveries, expectedDeliveries(table)), deliveries.map((list) => list.length));

  await new Promise((resolve) => setTimeout(resolve, 400)); // lb statistics refresh every 0.1 s
  const statsAfter = await backend.stats();
  const slotDelta = statsAfter.slotTxBytes!.map((bytes, slot) => bytes - statsBefore.slotTxBytes![slot]!);
  check("lb_hash_stats: every slot sent 16 frames of 60 bytes", slotDelta.every((bytes) => bytes === 16 * FRAME_BYTES), slotDelta);
  const portDelta = statsAfter.members.map((member, index) => member.txBytes - statsBefore.members[index]!.txBytes);
  check("lb_port_stats: every member sent 4 slots x 16 frames x 60 bytes", portDelta.every((bytes) => bytes === 4 * 16 * FRAME_BYTES), portDelta);

  // A kernel refusal is a clear error and changes nothing: map a slot to a disabled port through the raw client.
  await backend.setMemberEnabled("m1", false);
  const afterDisable = await backend.kernelTable();
  check(
    "disabling m1 clears exactly m1's slots in the kernel",
    afterDisable.every((member, slot) => (table[slot] === "m1" ? member === null : member === table[slot])),
    afterDisable,
  );
  let refusal: unknown = null;
  try {
    client.setOptions([{ name: "lb_tx_hash_to_port_mapping", arrayIndex: 1, value: { type: "u32", value: linkJson("m1")!.ifindex } }], "mapping slot 1 to disabled port m1");
  } catch (error) {
    refusal = error;
  }
  check(
    "mapping a slot to a disabled port fails with a named errno and the operation",
    refusal instanceof NetlinkError && refusal.errnoName === "ENODEV" && refusal.message.includes("mapping slot 1 to disabled port m1"),
    refusal instanceof Error ? refusal.message : refusal,
  );
  let backendRefusal: unknown = null;
  try {
    await backend.applyTable(table);
  } catch (error) {
    backendRefusal = error;
  }
  check(
    "applyTable naming a disabled member is refused before the kernel is touched",
    backendRefusal instanceof TeamError && JSON.stringify(await backend.kernelTable()) === JSON.stringify(afterDisable),
    backendRefusal instanceof Error ? backendRefusal.message : backendRefusal,
  );

  // Failover as the control plane does it: only m1's slots move, spread over the survivors.
  const survivors = ["m0", "m2", "m3"];
  let next = 0;
  const failedOver = table.map((member) => (member === "m1" ? survivors[next++ % survivors.length]! : member));
  await backend.applyTable(failedOver);
  const moved = failedOver.filter((member, slot) => member !== table[slot]).length;
  check("failover table installed; only m1's 4 slots changed", JSON.stringify(await backend.kernelTable()) === JSON.stringify(failedOver) && moved === 4, await backend.kernelTable());
  const failoverDeliveries = await sendAllAndCapture(teamIndex, peerIndexes);
  check(
    "after failover each DA[5] leaves on its new member and nothing on m1",
    sameDeliveries(failoverDeliveries, expectedDeliveries(failedOver)) && failoverDeliveries[1]!.length === 0,
    failoverDeliveries.map((list) => list.length),
  );

  // Recovery (failback "restore").
  await backend.setMemberEnabled("m1", true);
  await backend.applyTable(table);
  const recoveredDeliveries = await sendAllAndCapture(teamIndex, peerIndexes);
  check("after re-enabling m1 and restoring the table, deliveries are as at first", sameDeliveries(recoveredDeliveries, expectedDeliveries(table)), recoveredDeliveries.map((list) => list.length));

  // A second team of the same name is refused and leaves the first one alone.
  let duplicate: unknown = null;
  try {
    await new KernelTeamBackend().up(config, []);
  } catch (error) {
    duplicate = error;
  }
  check("up() with a name already in use is refused and changes nothing", duplicate instanceof TeamError && linkJson(TEAM_NAME)?.ifindex === teamIndex, duplicate instanceof Error ? duplicate.message : duplicate);

  client.close();
  await backend.down();
  const links = new LinkClient();
  const remaining = links.find({ name: TEAM_NAME });
  links.close();
  const restored = MEMBERS.map((name) => linkJson(name));
  check("down() deletes the team device", remaining === null, remaining);
  check(
    "down() releases every member and restores its MAC and up/down state",
    restored.every((link, index) => link !== null && link.master === undefined && link.address === originalMacs[index] && link.flags.includes("UP") === (MEMBERS[index] === "m3")),
    restored.map((link) => ({ name: link?.ifname, master: link?.master, address: link?.address, up: link?.flags.includes("UP") })),
  );
  // The degraded mode: a bond in balance-xor with layer2 hashing, carrying the team MAC.
  const bonding = new BondingBackend();
  await bonding.up(config, ["m0", "m1", "m2"]);
  const bond = JSON.parse(ip("-json", "-details", "link", "show", "dev", TEAM_NAME))[0];
  const bondMembers = ["m0", "m1", "m2"].map((name) => linkJson(name));
  check(
    "bonding backend: bond in balance-xor, xmit_hash_policy layer2, team MAC, members enslaved",
    bond?.linkinfo?.info_kind === "bond" && bond.linkinfo.info_data?.mode === "balance-xor" && bond.linkinfo.info_data?.xmit_hash_policy === "layer2" && bond.address === TEAM_MAC && bondMembers.every((link) => link?.master === TEAM_NAME),
    { kind: bond?.linkinfo?.info_kind, mode: bond?.linkinfo?.info_data?.mode, policy: bond?.linkinfo?.info_data?.xmit_hash_policy, address: bond?.address },
  );
  await bonding.down();
  const afterBond = MEMBERS.map((name) => linkJson(name));
  check(
    "bonding backend: down() deletes the bond and restores the members",
    linkJson(TEAM_NAME) === null && afterBond.every((link, index) => link !== null && link.master === undefined && link.address === originalMacs[index]),
    afterBond.map((link) => ({ name: link?.ifname, master: link?.master, address: link?.address })),
  );

  const leftovers = JSON.parse(ip("-json", "link", "show")).map((link: { ifname: string }) => link.ifname);
  check("nothing else was created or deleted", JSON.stringify(leftovers.sort()) === JSON.stringify(["lo", ...MEMBERS, ...PEERS].sort()), leftovers);

  console.log(`ONEMAC-DONE ${JSON.stringify({ failures, seconds: (Date.now() - started) / 1000 })}`);
  process.exitCode = failures === 0 ? 0 : 1;
}

main().catch((error) => {
  console.log(`ONEMAC-CHECK ${JSON.stringify({ name: "in-VM test ran to the end", ok: false, detail: error instanceof Error ? error.stack : String(error) })}`);
  process.exitCode = 1;
});
