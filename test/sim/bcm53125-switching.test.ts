// Frame forwarding of the BCM53125 model: flooding, port states, trunk member selection (shared/facts/switch-chips.md
// §1.2, §1.4 and the named assumption trunkMemberIndex) and MIB counters (Linux b53_common.c b53_mibs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { BROADCAST_MAC } from "../../modules/mac";
import { DATA_STATIC, DATA_VALID, arlWriteEntry, makeRig, readNumber, readRegister, writeNumber, type Rig } from "./rig";

const SERVER = 0x02_00_00_00_00_10;
const MULTICAST = 0x01_00_5e_00_00_01;
const bits = (...ports: number[]) => ports.reduce((mask, port) => mask | (1 << port), 0);

function rigWithLinks(ports: number[]): Rig {
  const rig = makeRig();
  for (const port of ports) rig.chip.setLink(port, true);
  return rig;
}

/** Trunk control (0x32/0x00): enable + hash select; group 0 members (0x32/0x10). */
function setTrunk(rig: Rig, hashSelect: number, group0: number, group1 = 0): void {
  writeNumber(rig.spi, 0x32, 0x10, group0, 2);
  writeNumber(rig.spi, 0x32, 0x12, group1, 2);
  writeNumber(rig.spi, 0x32, 0x00, 0x08 | hashSelect, 1);
}

test("unknown unicast, broadcast and multicast flood to every link-up port except the ingress port", () => {
  const { chip } = rigWithLinks([0, 1, 2, 4]);
  assert.equal(chip.ingress(0, { da: 0x02_00_00_00_00_99, sa: 0x02_00_00_00_00_01 }), bits(1, 2, 4));
  assert.equal(chip.ingress(1, { da: BROADCAST_MAC, sa: 0x02_00_00_00_00_02 }), bits(0, 2, 4));
  assert.equal(chip.ingress(2, { da: MULTICAST, sa: 0x02_00_00_00_00_03 }), bits(0, 1, 4));
  assert.equal(chip.ingress(3, { da: BROADCAST_MAC, sa: 0x02_00_00_00_00_04 }), 0, "link down: nothing received");
});

test("known unicast goes to the learned port only; a frame for the ingress port is filtered", () => {
  const { chip } = rigWithLinks([0, 1, 2]);
  chip.ingress(1, { da: BROADCAST_MAC, sa: SERVER });
  assert.equal(chip.ingress(0, { da: SERVER, sa: 0x02_00_00_00_00_01 }), bits(1));
  assert.equal(chip.ingress(1, { da: SERVER, sa: 0x02_00_00_00_00_02 }), 0);
  chip.setLink(1, false);
  assert.equal(chip.ingress(0, { da: SERVER, sa: 0x02_00_00_00_00_01 }), 0, "learned port has no link: dropped");
});

test("a multicast ARL entry forwards to its port bitmap", () => {
  const rig = rigWithLinks([0, 1, 2, 3]);
  arlWriteEntry(rig.spi, MULTICAST, 0, DATA_VALID | DATA_STATIC | bits(1, 3));
  assert.equal(rig.chip.ingress(0, { da: MULTICAST, sa: 0x02_00_00_00_00_01 }), bits(1, 3));
  assert.equal(rig.chip.ingress(1, { da: MULTICAST, sa: 0x02_00_00_00_00_01 }), bits(3));
});

test("port control: RX disable, TX disable, STP blocking and learning states", () => {
  const rig = rigWithLinks([0, 1, 2]);
  const { chip, spi } = rig;
  const flood = { da: BROADCAST_MAC, sa: 0x02_00_00_00_00_01 };
  writeNumber(spi, 0x00, 0x02, 0x02, 1); // port 2 TX disable
  assert.equal(chip.ingress(0, flood), bits(1));
  writeNumber(spi, 0x00, 0x02, 0x01, 1); // port 2 RX disable
  assert.equal(chip.ingress(2, flood), 0);
  assert.equal(chip.ingress(0, flood), bits(1, 2));
  writeNumber(spi, 0x00, 0x02, 2 << 5, 1); // port 2 blocking
  assert.equal(chip.ingress(0, flood), bits(1));
  assert.equal(chip.ingress(2, { da: BROADCAST_MAC, sa: SERVER }), 0);
  assert.equal(chip.arlEntries().length, 1, "blocking does not learn");
  writeNumber(spi, 0x00, 0x02, 4 << 5, 1); // learning state: learns, does not forward
  assert.equal(chip.ingress(2, { da: BROADCAST_MAC, sa: SERVER }), 0);
  assert.ok(chip.arlEntries().some((e) => e.mac === SERVER && e.port === 2));
  writeNumber(spi, 0x00, 0x02, 5 << 5, 1); // forwarding
  assert.equal(chip.ingress(0, flood), bits(1, 2));
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("switch mode without SW_FWD_EN forwards nothing; IMP port 8 receives floods only with its RX enable bits", () => {
  const rig = rigWithLinks([0, 1, 8]);
  const { chip, spi } = rig;
  assert.equal(chip.ingress(0, { da: BROADCAST_MAC, sa: 0x02_00_00_00_00_01 }), bits(1));
  writeNumber(spi, 0x00, 0x08, 0x04, 1); // IMP: broadcast RX enable
  assert.equal(chip.ingress(0, { da: BROADCAST_MAC, sa: 0x02_00_00_00_00_01 }), bits(1, 8));
  assert.equal(chip.ingress(0, { da: MULTICAST, sa: 0x02_00_00_00_00_01 }), bits(1));
  writeNumber(spi, 0x00, 0x08, 0x04 | 0x08 | 0x10, 1);
  assert.equal(chip.ingress(0, { da: 0x02_00_00_00_00_77, sa: 0x02_00_00_00_00_01 }), bits(1, 8));
  writeNumber(spi, 0x00, 0x0b, 0x01, 1); // managed, forwarding disabled
  assert.equal(chip.ingress(0, { da: BROADCAST_MAC, sa: 0x02_00_00_00_00_01 }), 0);
  writeNumber(spi, 0x00, 0x0b, 0x03, 1);
  assert.equal(chip.ingress(0, { da: BROADCAST_MAC, sa: 0x02_00_00_00_00_01 }), bits(1, 8));
});

test("trunk, hash SA: unicast to the server picks member index SA[2:0] mod link-up members, ascending", () => {
  const rig = rigWithLinks([0, 1, 2, 3, 4]);
  const { chip } = rig;
  setTrunk(rig, 2, bits(1, 2, 3));
  chip.ingress(1, { da: BROADCAST_MAC, sa: SERVER });
  const members = [1, 2, 3];
  for (let low = 0; low < 8; low++) {
    const sa = 0x02_00_00_00_aa_00 + low;
    assert.equal(chip.ingress(0, { da: SERVER, sa }), bits(members[low % 3]), `SA low bits ${low}`);
  }
  chip.setLink(2, false); // members with link: 1, 3
  for (let low = 0; low < 8; low++) {
    assert.equal(chip.ingress(4, { da: SERVER, sa: 0x02_00_00_00_bb_00 + low }), bits([1, 3][low % 2]));
  }
  chip.setLink(1, false);
  chip.setLink(3, false);
  assert.equal(chip.ingress(0, { da: SERVER, sa: 0x02_00_00_00_aa_00 }), 0, "no member with link");
});

test("trunk, hash DA and DA+SA: the key is DA[2:0], or DA[2:0] XOR SA[2:0] (also for the illegal value 3)", () => {
  const rig = rigWithLinks([0, 1, 2, 3, 4, 5]);
  const { chip, spi } = rig;
  setTrunk(rig, 1, bits(1, 2, 3, 4));
  const members = [1, 2, 3, 4];
  for (let low = 0; low < 8; low++) arlWriteEntry(spi, 0x02_00_00_00_cc_00 + low, 0, DATA_VALID | DATA_STATIC | 2);
  for (let low = 0; low < 8; low++) {
    assert.equal(chip.ingress(0, { da: 0x02_00_00_00_cc_00 + low, sa: 0x02_00_00_00_00_07 }), bits(members[low % 4]), `DA ${low}`);
  }
  for (const hashSelect of [0, 3]) {
    writeNumber(spi, 0x32, 0x00, 0x08 | hashSelect, 1);
    for (let low = 0; low < 8; low++) {
      const sa = 0x02_00_00_00_00_05;
      assert.equal(chip.ingress(0, { da: 0x02_00_00_00_cc_00 + low, sa }), bits(members[(low ^ 5) % 4]));
    }
  }
});

test("trunk flooding: each group gets exactly one member, never the ingress port's own group", () => {
  const rig = rigWithLinks([0, 1, 2, 3, 4, 5, 7]);
  const { chip } = rig;
  setTrunk(rig, 2, bits(1, 2), bits(3, 4, 5));
  for (let low = 0; low < 8; low++) {
    const sa = 0x02_00_00_00_dd_00 + low;
    const egress = chip.ingress(0, { da: BROADCAST_MAC, sa });
    assert.equal(egress, bits(7, [1, 2][low % 2], [3, 4, 5][low % 3]), `SA ${low}`);
    const fromTrunk = chip.ingress(1, { da: BROADCAST_MAC, sa });
    assert.equal(fromTrunk, bits(0, 7, [3, 4, 5][low % 3]), "not back into group 0");
  }
  assert.equal(chip.ingress(1, { da: 0x02_00_00_00_00_42, sa: 0x02_00_00_00_dd_01 }) & bits(1, 2), 0);
});

test("unicast from a trunk member to an address learned on the same trunk is filtered", () => {
  const rig = rigWithLinks([0, 1, 2]);
  setTrunk(rig, 2, bits(1, 2));
  rig.chip.ingress(1, { da: BROADCAST_MAC, sa: SERVER });
  assert.equal(rig.chip.ingress(2, { da: SERVER, sa: 0x02_00_00_00_00_01 }), 0);
});

test("trunking disabled (bit3 clear): groups are plain ports again; the IMP bit in a group is ignored", () => {
  const rig = rigWithLinks([0, 1, 2, 8]);
  const { chip, spi } = rig;
  setTrunk(rig, 2, bits(1, 2, 8));
  writeNumber(spi, 0x00, 0x08, 0x04, 1);
  assert.equal(chip.ingress(0, { da: BROADCAST_MAC, sa: 0x02_00_00_00_00_01 }), bits(2, 8), "SA[2:0] = 1: member 2 of {1, 2}");
  writeNumber(spi, 0x32, 0x00, 0x02, 1);
  assert.equal(chip.ingress(0, { da: BROADCAST_MAC, sa: 0x02_00_00_00_00_01 }), bits(1, 2, 8));
});

test("assumption trunkMembersLearnIndividually: true records the member; false (override) the lowest member", () => {
  for (const individually of [true, false]) {
    const rig = makeRig({ trunkMembersLearnIndividually: individually });
    for (const port of [0, 1, 2]) rig.chip.setLink(port, true);
    setTrunk(rig, 2, bits(1, 2));
    rig.chip.ingress(2, { da: BROADCAST_MAC, sa: SERVER });
    assert.equal(rig.chip.arlEntries()[0].port, individually ? 2 : 1);
  }
});

test("MIB counters: rx on ingress, tx on each egress, by DA class, octets by length; same values over SPI", () => {
  const rig = rigWithLinks([0, 1, 2]);
  const { chip, spi } = rig;
  chip.ingress(0, { da: BROADCAST_MAC, sa: SERVER, length: 100 });
  chip.ingress(0, { da: MULTICAST, sa: SERVER, length: 200 });
  chip.ingress(1, { da: SERVER, sa: 0x02_00_00_00_00_01, length: 1500 });
  assert.deepEqual(chip.counters(0), {
    rxUnicast: 0, rxMulticast: 1, rxBroadcast: 1, txUnicast: 1, txMulticast: 0, txBroadcast: 0, rxOctets: 300, txOctets: 1500,
  });
  assert.deepEqual(chip.counters(2), {
    rxUnicast: 0, rxMulticast: 0, rxBroadcast: 0, txUnicast: 0, txMulticast: 1, txBroadcast: 1, rxOctets: 0, txOctets: 300,
  });
  assert.equal(readNumber(spi, 0x20, 0x9c, 4), 1); // RxBroadcastPkts
  assert.equal(readNumber(spi, 0x20, 0x98, 4), 1); // RxMulticastPkts
  assert.equal(readNumber(spi, 0x20, 0x18, 4), 1); // TxUnicastPkts
  assert.equal(readRegister(spi, 0x20, 0x50, 8), 300n); // RxOctets
  assert.equal(readRegister(spi, 0x20, 0x00, 8), 1500n); // TxOctets
  assert.equal(readNumber(spi, 0x21, 0x94, 4), 1); // port 1 RxUnicastPkts
  assert.equal(readNumber(spi, 0x22, 0x10, 4), 1); // port 2 TxBroadcastPkts
  assert.equal(readNumber(spi, 0x22, 0x14, 4), 1); // port 2 TxMulticastPkts
  assert.deepEqual(chip.unmodeledAccesses, []);
});

test("64-bit octet counters carry past 2^32; global config bit0 resets the MIB", () => {
  const rig = rigWithLinks([0, 1]);
  const { chip, spi } = rig;
  for (let i = 0; i < 300_000; i++) chip.ingress(0, { da: BROADCAST_MAC, sa: SERVER, length: 16_000 });
  assert.equal(chip.counters(0).rxOctets, 300_000 * 16_000);
  assert.equal(readRegister(spi, 0x20, 0x50, 8), 4_800_000_000n);
  writeNumber(spi, 0x02, 0x00, 0x01, 1);
  writeNumber(spi, 0x02, 0x00, 0x00, 1);
  assert.equal(chip.counters(0).rxOctets, 0);
  assert.equal(chip.counters(1).txBroadcast, 0);
});

test("ingress rejects malformed frames and bad ports with RangeError, changing nothing", () => {
  const { chip } = rigWithLinks([0, 1]);
  assert.throws(() => chip.ingress(0, { da: -1, sa: SERVER }), RangeError);
  assert.throws(() => chip.ingress(0, { da: BROADCAST_MAC, sa: 2 ** 48 }), RangeError);
  assert.throws(() => chip.ingress(0, { da: BROADCAST_MAC, sa: SERVER, vid: 4096 }), RangeError);
  assert.throws(() => chip.ingress(0, { da: BROADCAST_MAC, sa: SERVER, length: 0 }), RangeError);
  assert.throws(() => chip.ingress(6, { da: BROADCAST_MAC, sa: SERVER }), RangeError);
  assert.throws(() => chip.counters(9), RangeError);
  assert.equal(chip.arlEntries().length, 0);
  assert.equal(chip.counters(0).rxBroadcast, 0);
});
