// The rtnetlink and team generic netlink encoders, byte for byte against expected bytes derived by hand from the
// uapi layouts (nlmsghdr 16 bytes; ifinfomsg 16; genlmsghdr 4; nlattr = u16 len, u16 type, payload padded to 4;
// nested attributes carry NLA_F_NESTED = 0x8000), and the decoders on hand-built replies.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeDeleteLink, encodeGetLink, encodeNewLink, encodeSetLink, decodeLink } from "../../hosts/linux/netlink/rtnetlink";
import { encodeGetFamily, decodeFamily } from "../../hosts/linux/netlink/genetlink";
import { encodeTeamOptionsGet, encodeTeamOptionsSet, encodeTeamPortListGet, decodeTeamOptions, decodeTeamPorts } from "../../hosts/linux/netlink/team";
import { NetlinkMessageWriter, splitMessages, parseAttributes, NetlinkDecodeError, NetlinkEncodeError } from "../../hosts/linux/netlink/message";
import { decodeAcknowledgement } from "../../hosts/linux/netlink/socket";
import { NetlinkError } from "../../hosts/linux/netlink/errors";
import { destinationMacHashProgram } from "../../hosts/linux/team/bpf";

/** Hex with spaces and comments allowed: "28 00 00 00  # length". */
function hex(text: string): Buffer {
  return Buffer.from(text.replace(/#[^\n]*/g, "").replace(/\s+/g, ""), "hex");
}

function assertBytes(actual: Buffer, expected: Buffer): void {
  assert.equal(actual.toString("hex"), expected.toString("hex"));
}

test("RTM_GETLINK by name: header, empty ifinfomsg, IFLA_IFNAME with NUL and padding", () => {
  assertBytes(
    encodeGetLink(1, { name: "lo" }),
    hex(`
      28 00 00 00  12 00  05 00  01 00 00 00  00 00 00 00   # len 40, RTM_GETLINK, REQUEST|ACK, seq 1, pid 0
      00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00   # ifinfomsg: AF_UNSPEC, index 0, flags 0, change 0
      07 00 03 00  6c 6f 00 00                             # IFLA_IFNAME "lo\\0" (len 7) + 1 pad byte
    `),
  );
});

test("RTM_NEWLINK creating a team: CREATE|EXCL, IFLA_IFNAME, IFLA_ADDRESS, nested IFLA_LINKINFO/IFLA_INFO_KIND", () => {
  assertBytes(
    encodeNewLink(7, { name: "onemac0", kind: "team", address: Uint8Array.of(2, 0, 0, 0, 0, 1) }),
    hex(`
      48 00 00 00  10 00  05 06  07 00 00 00  00 00 00 00   # len 72, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
      00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00
      0c 00 03 00  6f 6e 65 6d 61 63 30 00                 # IFLA_IFNAME "onemac0\\0"
      0a 00 01 00  02 00 00 00 00 01  00 00                # IFLA_ADDRESS 02:00:00:00:00:01 + 2 pad
      10 00 12 80                                          # IFLA_LINKINFO (18) | NLA_F_NESTED, len 16
        09 00 01 00  74 65 61 6d 00 00 00 00               #   IFLA_INFO_KIND "team\\0" + 3 pad
    `),
  );
});

test("RTM_NEWLINK creating a bond with IFLA_INFO_DATA (mode balance-xor, xmit_hash_policy layer2, miimon 100)", () => {
  assertBytes(
    encodeNewLink(2, {
      name: "bond9",
      kind: "bond",
      infoData: [
        { type: 1, size: 1, value: 2 },
        { type: 14, size: 1, value: 0 },
        { type: 3, size: 4, value: 100 },
      ],
    }),
    hex(`
      58 00 00 00  10 00  05 06  02 00 00 00  00 00 00 00   # len 88
      00 00 00 00  00 00 00 00  00 00 00 00  00 00 00 00
      0a 00 03 00  62 6f 6e 64 39 00 00 00                 # IFLA_IFNAME "bond9\\0"
      2c 00 12 80                                          # IFLA_LINKINFO nested, len 44
        09 00 01 00  62 6f 6e 64 00 00 00 00               #   IFLA_INFO_KIND "bond\\0"
        1c 00 02 80                                        #   IFLA_INFO_DATA nested, len 28
          05 00 01 00  02 00 00 00                         #     IFLA_BOND_MODE u8 2 (balance-xor)
          05 00 0e 00  00 00 00 00                         #     IFLA_BOND_XMIT_HASH_POLICY u8 0 (layer2)
          08 00 03 00  64 00 00 00                         #     IFLA_BOND_MIIMON u32 100
    `),
  );
});

test("RTM_NEWLINK on an existing link: up through ifi_flags/ifi_change, IFLA_MASTER", () => {
  assertBytes(
    encodeSetLink(2, { index: 5 }, { up: true, master: 9 }),
    hex(`
      28 00 00 00  10 00  05 00  02 00 00 00  00 00 00 00   # len 40, RTM_NEWLINK, REQUEST|ACK (no CREATE)
      00 00 00 00  05 00 00 00  01 00 00 00  01 00 00 00   # index 5, flags IFF_UP, change IFF_UP
      08 00 0a 00  09 00 00 00                             # IFLA_MASTER 9
    `),
  );
  assertBytes(
    encodeSetLink(3, { index: 5 }, { up: false, master: 0 }),
    hex(`
      28 00 00 00  10 00  05 00  03 00 00 00  00 00 00 00
      00 00 00 00  05 00 00 00  00 00 00 00  01 00 00 00   # flags 0, change IFF_UP: down
      08 00 0a 00  00 00 00 00                             # IFLA_MASTER 0: release
    `),
  );
});

test("RTM_DELLINK by index", () => {
  assertBytes(
    encodeDeleteLink(3, { index: 5 }),
    hex(`
      20 00 00 00  11 00  05 00  03 00 00 00  00 00 00 00
      00 00 00 00  05 00 00 00  00 00 00 00  00 00 00 00
    `),
  );
});

test("CTRL_CMD_GETFAMILY for \"team\"", () => {
  assertBytes(
    encodeGetFamily(1, "team"),
    hex(`
      20 00 00 00  10 00  05 00  01 00 00 00  00 00 00 00   # len 32, GENL_ID_CTRL (0x10)
      03 02 00 00                                          # genlmsghdr: CTRL_CMD_GETFAMILY, version 2
      09 00 02 00  74 65 61 6d 00 00 00 00                 # CTRL_ATTR_FAMILY_NAME "team\\0"
    `),
  );
});

test("TEAM_CMD_OPTIONS_SET with a string option (lb_tx_method)", () => {
  assertBytes(
    encodeTeamOptionsSet(0x1c, 1, 4, [{ name: "lb_tx_method", value: { type: "string", value: "hash_to_port_mapping" } }]),
    hex(`
      5c 00 00 00  1c 00  05 00  01 00 00 00  00 00 00 00   # len 92, family 0x1c
      01 01 00 00                                          # TEAM_CMD_OPTIONS_SET, version 1
      08 00 01 00  04 00 00 00                             # TEAM_ATTR_TEAM_IFINDEX 4
      40 00 02 80                                          # TEAM_ATTR_LIST_OPTION nested, len 64
        3c 00 01 80                                        #   TEAM_ATTR_ITEM_OPTION nested, len 60
          11 00 01 00  6c 62 5f 74 78 5f 6d 65 74 68 6f 64 00 00 00 00   # NAME "lb_tx_method\\0"
          05 00 03 00  05 00 00 00                         #     TYPE NLA_STRING (5)
          19 00 04 00  68 61 73 68 5f 74 6f 5f 70 6f 72 74 5f 6d 61 70 70 69 6e 67 00 00 00 00  # DATA
    `),
  );
});

test("TEAM_CMD_OPTIONS_SET with a per-port flag: enabled = true carries DATA, false leaves it out", () => {
  assertBytes(
    encodeTeamOptionsSet(0x1c, 2, 4, [{ name: "enabled", portIfindex: 6, value: { type: "flag", value: true } }]),
    hex(`
      44 00 00 00  1c 00  05 00  02 00 00 00  00 00 00 00   # len 68
      01 01 00 00
      08 00 01 00  04 00 00 00
      28 00 02 80                                          # list, len 40
        24 00 01 80                                        #   item, len 36
          0c 00 01 00  65 6e 61 62 6c 65 64 00             #     NAME "enabled\\0"
          05 00 03 00  06 00 00 00                         #     TYPE NLA_FLAG (6)
          04 00 04 00                                      #     DATA present (flag true)
          08 00 06 00  06 00 00 00                         #     PORT_IFINDEX 6
    `),
  );
  assertBytes(
    encodeTeamOptionsSet(0x1c, 2, 4, [{ name: "enabled", portIfindex: 6, value: { type: "flag", value: false } }]),
    hex(`
      40 00 00 00  1c 00  05 00  02 00 00 00  00 00 00 00
      01 01 00 00
      08 00 01 00  04 00 00 00
      24 00 02 80
        20 00 01 80
          0c 00 01 00  65 6e 61 62 6c 65 64 00
          05 00 03 00  06 00 00 00
          08 00 06 00  06 00 00 00                         #     no DATA: flag false
    `),
  );
});

test("TEAM_CMD_OPTIONS_SET with an array u32 (mapping entry) and a binary (bpf_hash_func)", () => {
  assertBytes(
    encodeTeamOptionsSet(0x1c, 3, 4, [
      { name: "lb_tx_hash_to_port_mapping", arrayIndex: 3, value: { type: "u32", value: 7 } },
      { name: "bpf_hash_func", value: { type: "binary", value: destinationMacHashProgram(4) } },
    ]),
    hex(`
      98 00 00 00  1c 00  05 00  03 00 00 00  00 00 00 00   # len 152
      01 01 00 00
      08 00 01 00  04 00 00 00
      7c 00 02 80                                          # list, len 124
        3c 00 01 80                                        #   item, len 60
          1f 00 01 00  6c 62 5f 74 78 5f 68 61 73 68 5f 74 6f 5f 70 6f 72 74 5f 6d 61 70 70 69 6e 67 00 00
          05 00 03 00  03 00 00 00                         #     TYPE NLA_U32 (3)
          08 00 04 00  07 00 00 00                         #     DATA ifindex 7
          08 00 07 00  03 00 00 00                         #     ARRAY_INDEX 3
        3c 00 01 80                                        #   item, len 60
          12 00 01 00  62 70 66 5f 68 61 73 68 5f 66 75 6e 63 00 00 00   # NAME "bpf_hash_func\\0"
          05 00 03 00  0b 00 00 00                         #     TYPE NLA_BINARY (11)
          1c 00 04 00                                      #     DATA, 24 bytes of classic BPF:
            30 00 00 00 05 00 00 00                        #       ldb [5]
            54 00 00 00 0f 00 00 00                        #       and #15
            16 00 00 00 00 00 00 00                        #       ret a
    `),
  );
});

test("TEAM_CMD_OPTIONS_GET and TEAM_CMD_PORT_LIST_GET carry only the team ifindex", () => {
  assertBytes(
    encodeTeamOptionsGet(0x1c, 4, 4),
    hex(`1c 00 00 00  1c 00  05 00  04 00 00 00  00 00 00 00   02 01 00 00   08 00 01 00  04 00 00 00`),
  );
  assertBytes(
    encodeTeamPortListGet(0x1c, 5, 4),
    hex(`1c 00 00 00  1c 00  05 00  05 00 00 00  00 00 00 00   03 01 00 00   08 00 01 00  04 00 00 00`),
  );
});

test("encoders refuse what the kernel would refuse, before anything is sent", () => {
  assert.throws(() => encodeGetLink(1, { name: "a-name-longer-than-15" }), NetlinkEncodeError);
  assert.throws(() => encodeNewLink(1, { name: "t0", kind: "team", address: Uint8Array.of(1, 2, 3) }), NetlinkEncodeError);
  assert.throws(() => encodeTeamOptionsSet(0x1c, 1, 4, []), NetlinkEncodeError);
  assert.throws(() => encodeTeamOptionsSet(0x1c, 1, 4, [{ name: "mode", value: { type: "string", value: "x".repeat(32) } }]), NetlinkEncodeError);
  assert.throws(() => encodeDeleteLink(1, { index: 0 }), NetlinkEncodeError);
});

test("decodeLink reads index, flags, name, master, address, operstate, carrier, kind and stats64", () => {
  const stats = Buffer.alloc(8 * 24);
  stats.writeUInt32LE(10, 0); // rx_packets
  stats.writeUInt32LE(20, 8); // tx_packets
  stats.writeUInt32LE(1000, 16); // rx_bytes
  stats.writeUInt32LE(1, 28); // tx_bytes high word: 2^32
  stats.writeUInt32LE(3, 48); // rx_dropped
  const writer = new NetlinkMessageWriter(16, 0, 9).u8(0).u8(0).u16(1).s32(12).u32(0x11043).u32(0);
  writer.attributeString(3, "m0").attribute(1, Uint8Array.of(2, 0, 0, 0, 0, 1)).attributeU32(10, 4).attributeU8(16, 6).attributeU8(33, 1).attributeU32(4, 1500);
  writer.attribute(23, stats);
  writer.beginNested(18).attributeString(1, "veth").attributeString(4, "team").endNested();
  const [message] = splitMessages(writer.finish());
  const link = decodeLink(message!);
  assert.deepEqual(link, {
    index: 12,
    name: "m0",
    flags: 0x11043,
    up: true,
    operState: "up",
    carrier: true,
    master: 4,
    address: "02:00:00:00:00:01",
    mtu: 1500,
    kind: "veth",
    slaveKind: "team",
    counters: { rxPackets: 10, txPackets: 20, rxBytes: 1000, txBytes: 2 ** 32, rxDropped: 3, txDropped: 0 },
  });
});

test("decodeFamily reads the id, version and multicast groups of a CTRL_CMD_NEWFAMILY reply", () => {
  const reply = hex(`
    54 00 00 00  10 00  00 00  01 00 00 00  00 00 00 00   # len 84
    01 02 00 00                                          # CTRL_CMD_NEWFAMILY, version 2
    06 00 01 00  1c 00 00 00                             # CTRL_ATTR_FAMILY_ID 0x1c (u16) + pad
    09 00 02 00  74 65 61 6d 00 00 00 00                 # CTRL_ATTR_FAMILY_NAME "team\\0"
    08 00 03 00  01 00 00 00                             # CTRL_ATTR_VERSION 1
    24 00 07 80                                          # CTRL_ATTR_MCAST_GROUPS, len 36
      20 00 01 80                                        #   group 1, len 32
        08 00 02 00  05 00 00 00                         #     CTRL_ATTR_MCAST_GRP_ID 5
        11 00 01 00  63 68 61 6e 67 65 5f 65 76 65 6e 74 00 00 00 00   # GRP_NAME "change_event\\0"
  `);
  const family = decodeFamily(splitMessages(reply)[0]!);
  assert.equal(family.id, 0x1c);
  assert.equal(family.name, "team");
  assert.equal(family.version, 1);
  assert.equal(family.multicastGroups.get("change_event"), 5);
});

test("decodeTeamOptions reads u32 array items, strings, binaries, flags and per-port items", () => {
  const writer = new NetlinkMessageWriter(0x1c, 2, 5).u8(2).u8(1).u16(0);
  writer.attributeU32(1, 4).beginNested(2);
  writer.beginNested(1).attributeString(1, "mode").attributeU8(3, 5).attributeString(4, "loadbalance").endNested();
  writer.beginNested(1).attributeString(1, "lb_tx_hash_to_port_mapping").attributeU8(3, 3).attributeU32(4, 7).attributeU32(7, 3).endNested();
  const statsBytes = Buffer.alloc(8);
  statsBytes.writeUInt32LE(960, 0);
  writer.beginNested(1).attributeString(1, "lb_hash_stats").attributeFlag(2).attributeU8(3, 11).attribute(4, statsBytes).attributeU32(7, 15).endNested();
  writer.beginNested(1).attributeString(1, "enabled").attributeU8(3, 6).attributeFlag(4).attributeU32(6, 6).endNested();
  writer.beginNested(1).attributeString(1, "enabled").attributeU8(3, 6).attributeU32(6, 8).endNested();
  writer.endNested();
  const options = decodeTeamOptions(splitMessages(writer.finish())[0]!);
  assert.deepEqual(options, [
    { name: "mode", value: { type: "string", value: "loadbalance" }, changed: false, removed: false },
    { name: "lb_tx_hash_to_port_mapping", arrayIndex: 3, value: { type: "u32", value: 7 }, changed: false, removed: false },
    { name: "lb_hash_stats", arrayIndex: 15, value: { type: "binary", value: new Uint8Array(statsBytes) }, changed: true, removed: false },
    { name: "enabled", portIfindex: 6, value: { type: "flag", value: true }, changed: false, removed: false },
    { name: "enabled", portIfindex: 8, value: { type: "flag", value: false }, changed: false, removed: false },
  ]);
});

test("decodeTeamPorts reads ifindex, link-up flag, speed and duplex", () => {
  const writer = new NetlinkMessageWriter(0x1c, 2, 6).u8(3).u8(1).u16(0);
  writer.attributeU32(1, 4).beginNested(3);
  writer.beginNested(1).attributeU32(1, 6).attributeFlag(3).attributeU32(4, 10000).attributeU8(5, 1).endNested();
  writer.beginNested(1).attributeU32(1, 8).attributeU32(4, 0).attributeU8(5, 0).endNested();
  writer.endNested();
  assert.deepEqual(decodeTeamPorts(splitMessages(writer.finish())[0]!), [
    { ifindex: 6, linkUp: true, speed: 10000, duplex: 1, changed: false, removed: false },
    { ifindex: 8, linkUp: false, speed: 0, duplex: 0, changed: false, removed: false },
  ]);
});

test("acknowledgements: errno and the kernel's extended-ack text; NetlinkError names errno and operation", () => {
  const ack = hex(`
    30 00 00 00  02 00  00 03  01 00 00 00  00 00 00 00   # NLMSG_ERROR, flags CAPPED|ACK_TLVS
    ed ff ff ff                                          # error -19 (ENODEV)
    20 00 00 00  10 00 05 00  01 00 00 00  00 00 00 00   # the request's header only (capped)
    0c 00 01 00  6e 6f 20 70 6f 72 74 00                 # NLMSGERR_ATTR_MSG "no port"
  `);
  const decoded = decodeAcknowledgement(splitMessages(ack)[0]!);
  assert.deepEqual(decoded, { errno: 19, kernelMessage: "no port" });
  const error = new NetlinkError("mapping slot 3 to m1 on team onemac0 (TEAM_CMD_OPTIONS_SET)", decoded.errno, decoded.kernelMessage);
  assert.equal(error.errnoName, "ENODEV");
  assert.equal(error.code, "kernel");
  assert.match(error.message, /^mapping slot 3 to m1 on team onemac0 \(TEAM_CMD_OPTIONS_SET\) failed: ENODEV, no such device/);
  assert.match(error.message, /the kernel says: no port$/);
  const success = hex(`24 00 00 00  02 00  00 01  01 00 00 00  00 00 00 00   00 00 00 00   20 00 00 00 10 00 05 00 01 00 00 00 00 00 00 00`);
  assert.deepEqual(decodeAcknowledgement(splitMessages(success)[0]!), { errno: 0, kernelMessage: null });
});

test("malformed replies raise NetlinkDecodeError instead of reading past the end", () => {
  assert.throws(() => splitMessages(hex("ff 00 00 00 02 00 00 00 00 00 00 00 00 00 00 00")), NetlinkDecodeError);
  assert.throws(() => parseAttributes(hex("10 00 01 00 00 00")), NetlinkDecodeError);
});
