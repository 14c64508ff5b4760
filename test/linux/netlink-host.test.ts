// Round trips with the running kernel through the koffi netlink socket (read-only requests only): RTM_GETLINK
// on loopback, a refused request turned into a named error, and the "team" family lookup.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GenericNetlinkClient, LinkClient } from "../../hosts/linux/netlink/clients";
import { NetlinkError } from "../../hosts/linux/netlink/errors";
import { IFF_LOOPBACK, IFF_UP } from "../../hosts/linux/netlink/constants";

const skip = process.platform !== "linux" ? "needs Linux netlink" : false;

test("RTM_GETLINK on lo round-trips through the kernel", { skip }, () => {
  const links = new LinkClient();
  try {
    const loopback = links.get({ name: "lo" });
    assert.equal(loopback.name, "lo");
    assert.ok(loopback.index > 0);
    assert.ok(loopback.flags & IFF_LOOPBACK, "IFF_LOOPBACK set");
    assert.equal(loopback.up, (loopback.flags & IFF_UP) !== 0);
    assert.equal(loopback.address, "00:00:00:00:00:00");
    assert.equal(loopback.master, 0);
    assert.ok(loopback.counters !== null, "IFLA_STATS64 decoded");
    assert.deepEqual(links.get({ index: loopback.index }).name, "lo", "the same link by index");
    assert.ok(links.list().some((link) => link.name === "lo"), "the dump lists lo");
  } finally {
    links.close();
  }
});

test("a refused request becomes a NetlinkError naming the errno and what was being done", { skip }, () => {
  const links = new LinkClient();
  try {
    assert.equal(links.find({ name: "onemac-absent" }), null);
    assert.throws(
      () => links.get({ name: "onemac-absent" }),
      (error: unknown) =>
        error instanceof NetlinkError &&
        error.errnoName === "ENODEV" &&
        error.code === "kernel" &&
        /^reading link onemac-absent \(RTM_GETLINK\) failed: ENODEV/.test(error.message),
    );
  } finally {
    links.close();
  }
});

test("CTRL_CMD_GETFAMILY \"team\": resolved where the module is loaded, ENOENT with a clear message where not", { skip }, () => {
  const generic = new GenericNetlinkClient();
  try {
    const family = generic.resolveFamily("team");
    assert.equal(family.name, "team");
    assert.ok(family.id >= 0x10);
    assert.ok(family.multicastGroups.has("change_event"));
  } catch (error) {
    assert.ok(error instanceof NetlinkError, String(error));
    assert.equal(error.errnoName, "ENOENT");
    assert.match(error.message, /resolving the generic netlink family "team" \(CTRL_CMD_GETFAMILY\) failed: ENOENT/);
  } finally {
    generic.close();
  }
});

test("the controller family itself resolves (nlctrl is always there)", { skip }, () => {
  const generic = new GenericNetlinkClient();
  try {
    const family = generic.resolveFamily("nlctrl");
    assert.equal(family.id, 0x10);
  } finally {
    generic.close();
  }
});
