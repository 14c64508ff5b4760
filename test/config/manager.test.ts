// The configuration manager on a simulated board: every change is all or nothing on the real services and chip
// model, the startup config survives a reboot, a part that fails at boot does not stop the rest, and the auto-revert
// puts an unconfirmed change back.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SwitchConfig } from "../../modules/config/schema";
import { OnemacError } from "../../modules/errors";
import { makeBoard, trunkChipState, type Board } from "../services/rig";

import { MemoryStorage } from "../../hosts/xs/memory-storage";

const SERVER = "02:00:5e:10:20:30";

function trunkSettings(group: number, members: number[], servers: string[] = [SERVER]) {
  return { group, members, mode: "hash" as const, indexBits: 3, servers, vid: 0, holdDownMs: 1000, interSwitchPort: null, interSwitchLearning: false };
}

function save(board: Board): void {
  let result: { error?: OnemacError; done: boolean } = { done: false };
  board.firmware.config.save((error) => {
    result = { error, done: true };
  });
  for (let i = 0; i < 1000 && !result.done; i++) board.clock.advance(1);
  assert.ok(result.done, "the save finished");
  assert.equal(result.error, undefined);
}

describe("ConfigManager", () => {
  it("applies a trunk with its server through the services, and the chip follows", () => {
    const board = makeBoard();
    board.firmware.config.change((draft) => {
      draft.trunks.push(trunkSettings(0, [0, 1]));
    });
    assert.deepEqual(board.firmware.config.running.trunks[0].members, [0, 1]);
    assert.equal(trunkChipState(board).group0 & 0x1ff, 0b11);
    assert.ok(board.firmware.trunks.isTrunkedServer(0x02005e102030));
    assert.equal(board.firmware.config.unsaved, true);
  });

  it("a change the chip refuses changes nothing, including the steps before it", () => {
    const board = makeBoard();
    const before = board.firmware.config.running;
    const chipBefore = trunkChipState(board);
    assert.throws(
      () =>
        board.firmware.config.change((draft) => {
          draft.links.pollIntervalMs = 25;
          draft.moves.threshold = 3;
          draft.ports.push({ port: 2, enabled: true, name: "uplink" });
          draft.trunks.push(trunkSettings(0, [0, 8])); // port 8 is the CPU (IMP) port
        }),
      (error: unknown) => error instanceof OnemacError && /port 8/.test(error.message),
    );
    assert.deepEqual(board.firmware.config.running, before);
    assert.equal(board.firmware.links.settings.pollIntervalMs, before.links.pollIntervalMs);
    assert.equal(board.firmware.moves.settings.threshold, before.moves.threshold);
    assert.equal(board.firmware.ports.nameOf(2), "");
    assert.deepEqual(trunkChipState(board), chipBefore);
  });

  it("invalid input names the field and changes nothing", () => {
    const board = makeBoard();
    const before = board.firmware.config.running;
    assert.throws(() => board.firmware.config.change((draft) => void (draft.hostname = "bad host!")), /hostname/);
    assert.throws(() => board.firmware.config.change((draft) => void (draft.ports = [{ port: 7, enabled: false, name: "" }])), /port 7/);
    assert.deepEqual(board.firmware.config.running, before);
  });

  it("disabling a trunk member fails the trunk over like a pulled cable, without counting a flap", () => {
    const board = makeBoard();
    board.firmware.config.change((draft) => void draft.trunks.push(trunkSettings(0, [0, 1])));
    board.firmware.config.change((draft) => void draft.ports.push({ port: 1, enabled: false, name: "" }));
    board.clock.advance(20);
    const view = board.firmware.trunks.showTrunk(0);
    assert.deepEqual(view.table, Array(8).fill(0), "every entry on the remaining member");
    assert.equal(board.firmware.ports.showPort(1).enabled, false);
    assert.equal(board.firmware.ports.showPort(1).link, false);
    assert.equal(board.firmware.links.show().ports[1].linkLosses, 0);
    board.firmware.config.change((draft) => void (draft.ports = []));
    board.clock.advance(1500);
    assert.deepEqual(board.firmware.trunks.showTrunk(0).table, view.homeTable);
  });

  it("moves a port from one trunk to another in one change", () => {
    const board = makeBoard();
    board.firmware.config.change((draft) => {
      draft.trunks.push(trunkSettings(0, [0, 1]), trunkSettings(1, [2, 3], ["02:00:5e:10:20:31"]));
    });
    board.firmware.config.change((draft) => {
      draft.trunks[0].members = [0];
      draft.trunks[1].members = [1, 2, 3];
    });
    assert.equal(trunkChipState(board).group0 & 0x1ff, 0b0001);
    assert.equal(trunkChipState(board).group1 & 0x1ff, 0b1110);
    board.firmware.config.change((draft) => {
      draft.trunks[0].members = [0, 1];
      draft.trunks[1].members = [2, 3];
    });
    assert.equal(trunkChipState(board).group0 & 0x1ff, 0b0011);
    assert.equal(trunkChipState(board).group1 & 0x1ff, 0b1100);
  });

  it("trunk-load-balance sets the chip's hash, and predictions are given for the SA hash only", () => {
    const board = makeBoard();
    board.firmware.config.change((draft) => void draft.trunks.push(trunkSettings(0, [0, 1])));
    board.firmware.config.change((draft) => void (draft.loadBalance = "src-dst-mac"));
    assert.equal(board.firmware.trunks.hash, "da+sa");
    assert.equal(board.firmware.trunks.showTrunk(0).prediction, undefined, "no SA prediction for another hash");
    board.firmware.config.change((draft) => void (draft.loadBalance = "src-mac"));
    assert.equal(board.firmware.trunks.hash, "sa");
    assert.ok(board.firmware.trunks.showTrunk(0).prediction);
  });

  it("saves, and a rebooted board with the same flash runs the same configuration", () => {
    const storage = new MemoryStorage();
    const first = makeBoard({ firmware: { storage } });
    first.firmware.config.change((draft: SwitchConfig) => {
      draft.hostname = "rack-2";
      draft.trunks.push(trunkSettings(0, [0, 1]));
      draft.ports.push({ port: 4, enabled: false, name: "spare" });
      draft.exemptMacs.push("00:11:22:33:44:55");
      draft.links.upDebounceMs = 250;
    });
    save(first);
    assert.equal(first.firmware.config.unsaved, false);
    const second = makeBoard({ firmware: { storage } });
    assert.deepEqual(second.firmware.config.running, first.firmware.config.running);
    assert.equal(second.firmware.ports.isEnabled(4), false);
    assert.ok(second.firmware.trunks.isTrunkedServer(0x02005e102030));
    assert.ok(second.log.some((line) => /startup config applied/.test(line)));
  });

  it("a part of the startup config that fails at boot is logged and the rest still applies", () => {
    const storage = new MemoryStorage();
    const first = makeBoard({ firmware: { storage } });
    first.firmware.config.change((draft) => {
      draft.trunks.push(trunkSettings(0, [0, 1]));
      draft.ports.push({ port: 3, enabled: true, name: "printer" });
    });
    save(first);
    // The second board's chip has the server's ARL bucket full of other stations (learned before the firmware boots).
    const server = 0x02005e102030;
    const second = makeBoard({
      firmware: { storage },
      beforeBoot: (model) => {
        const bucket = model.arlBucketOf(server, 0);
        let found = 0;
        for (let mac = 0x02aa00000000; found < 4; mac++)
          if (model.arlBucketOf(mac, 0) === bucket) {
            model.ingress(4, { da: 0xffffffffffff, sa: mac });
            found++;
          }
      },
    });
    assert.equal(second.firmware.config.running.trunks.length, 0, "the trunk could not be applied");
    assert.equal(second.firmware.ports.nameOf(3), "printer", "the rest still applied");
    assert.ok(second.log.some((line) => /startup config part not applied \(trunk trk1: .*bucket/.test(line)), second.log.join("\n"));
    assert.ok(second.log.some((line) => /applied except 1 part/.test(line)));
    assert.equal(second.firmware.config.startup.config?.trunks.length, 1, "the startup config still has the trunk");
  });

  it("an unconfirmed change reverts by itself; a confirmed one stays", () => {
    const board = makeBoard();
    board.firmware.config.change((draft) => void draft.trunks.push(trunkSettings(0, [0, 1])));
    const checkpoint = board.firmware.config.running;
    board.firmware.config.armRevert(30);
    board.firmware.config.change((draft) => void (draft.trunks = []));
    assert.equal(board.firmware.config.running.trunks.length, 0);
    board.clock.advance(29_000);
    assert.equal(board.firmware.config.running.trunks.length, 0);
    assert.ok(board.firmware.config.revertPending);
    board.clock.advance(1_100);
    assert.deepEqual(board.firmware.config.running, checkpoint);
    assert.equal(trunkChipState(board).group0 & 0x1ff, 0b11);
    assert.ok(board.log.some((line) => /reverted/.test(line)));

    board.firmware.config.armRevert(30);
    board.firmware.config.change((draft) => void (draft.hostname = "kept"));
    assert.equal(board.firmware.config.confirm(), true);
    board.clock.advance(60_000);
    assert.equal(board.firmware.config.running.hostname, "kept");
    assert.equal(board.firmware.config.revertPending, undefined);
  });
});

