import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VirtualTimers } from "../../hosts/linux/team/timers";
import { ArpWatcher, CarrierWatcher } from "../../hosts/linux/team/watchers";

type Verdict = [string, boolean];

describe("carrier watcher on virtual time", () => {
  it("applies the down delay and ignores blips shorter than it", () => {
    const timers = new VirtualTimers();
    const verdicts: Verdict[] = [];
    const watcher = new CarrierWatcher(timers, { upDelayMs: 0, downDelayMs: 200 }, (ifname, healthy) => verdicts.push([ifname, healthy]));
    watcher.report("eth0", true);
    assert.ok(watcher.isHealthy("eth0"));
    watcher.report("eth0", false);
    timers.advance(150);
    watcher.report("eth0", true); // blip of 150 ms < 200 ms
    timers.advance(1000);
    assert.deepEqual(verdicts, []);
    watcher.report("eth0", false);
    timers.advance(199);
    assert.deepEqual(verdicts, []);
    timers.advance(1);
    assert.deepEqual(verdicts, [["eth0", false]]);
    assert.equal(timers.pendingCount, 0);
  });

  it("applies the up delay so a flapping link is not used until it holds", () => {
    const timers = new VirtualTimers();
    const verdicts: Verdict[] = [];
    const watcher = new CarrierWatcher(timers, { upDelayMs: 1000, downDelayMs: 0 }, (ifname, healthy) => verdicts.push([ifname, healthy]));
    watcher.report("eth1", false);
    watcher.report("eth1", true);
    timers.advance(500);
    watcher.report("eth1", false); // flapped back down within the up delay
    timers.advance(5000);
    assert.deepEqual(verdicts, []);
    watcher.report("eth1", true);
    timers.advance(1000);
    assert.deepEqual(verdicts, [["eth1", true]]);
    watcher.report("eth1", false);
    assert.deepEqual(verdicts, [["eth1", true], ["eth1", false]]);
  });

  it("forgets a member's pending timer", () => {
    const timers = new VirtualTimers();
    const watcher = new CarrierWatcher(timers, { upDelayMs: 0, downDelayMs: 100 }, () => assert.fail("no verdict expected"));
    watcher.report("eth0", true);
    watcher.report("eth0", false);
    watcher.forget("eth0");
    timers.advance(1000);
    assert.equal(timers.pendingCount, 0);
  });
});

describe("ARP watcher on virtual time", () => {
  it("fails a member whose carrier is up but whose probes go unanswered, and recovers it on a reply", () => {
    const timers = new VirtualTimers();
    const verdicts: Verdict[] = [];
    const probes: string[] = [];
    const watcher = new ArpWatcher(
      timers,
      { targetIp: "192.0.2.1", sourceIp: "0.0.0.0", intervalMs: 100, missedMax: 3 },
      { sendProbe: (ifname) => probes.push(ifname) },
      (ifname, healthy) => verdicts.push([ifname, healthy]),
    );
    watcher.addMember("good");
    watcher.addMember("silent");
    watcher.start();
    for (let tick = 0; tick < 10; tick++) {
      watcher.replyReceived("good");
      timers.advance(100);
    }
    assert.deepEqual(verdicts, [["silent", false]]);
    assert.ok(watcher.isHealthy("good"));
    assert.ok(!watcher.isHealthy("silent"));
    assert.equal(probes.filter((ifname) => ifname === "silent").length, 11);
    watcher.replyReceived("silent");
    assert.deepEqual(verdicts, [["silent", false], ["silent", true]]);
    watcher.stop();
    assert.equal(timers.pendingCount, 0);
  });

  it("fails exactly after missedMax intervals", () => {
    const timers = new VirtualTimers();
    const verdicts: Verdict[] = [];
    const watcher = new ArpWatcher(timers, { targetIp: "192.0.2.1", sourceIp: "0.0.0.0", intervalMs: 1000, missedMax: 2 }, { sendProbe: () => {} }, (ifname, healthy) =>
      verdicts.push([ifname, healthy]),
    );
    watcher.addMember("eth0");
    watcher.start(); // probe 1 at t=0
    timers.advance(1000); // probe 1 missed (1)
    assert.deepEqual(verdicts, []);
    timers.advance(1000); // probe 2 missed (2)
    assert.deepEqual(verdicts, [["eth0", false]]);
    watcher.stop();
  });
});
