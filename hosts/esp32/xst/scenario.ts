// A bring-up scenario for the Moddable SDK's own `xst` (the XS engine the SDK builds for the desktop), used to check
// by hand that the firmware modules run unchanged on the SDK's XS before a board is flashed (docs/verification.md).
// esbuild bundles this file, the firmware modules and the simulated board (hosts/sim) into one ES2022 script, because
// xst's module loader resolves neither extension-less specifiers nor `../../` chains:
//
//   npx esbuild hosts/esp32/xst/scenario.ts --bundle --format=iife --platform=neutral --target=es2022 \
//     --outfile=build/onemac-xst.js && $MODDABLE/build/bin/lin/release/xst build/onemac-xst.js
//
// The same bundle runs on Node (`node build/onemac-xst.js`: without xst's `print` it writes with console.log), so the
// two engines' output can be compared line for line; they match exactly (virtual time, SPI counts, results).
// The firmware reaches the chip model only through SPI bytes; the board side of the model is read only to check.

import type { ArlEntry } from "../../../modules/chip/switch-chip";
import { newArlEntry, newMemberRule } from "../../../modules/chip/switch-chip";
import { formatMac } from "../../../modules/mac";
import { Firmware } from "../../../modules/firmware";
import { Bcm53125Model } from "../../sim/bcm53125";
import { SimCpu, VirtualClock } from "../../sim/clock";
import { SimSPI } from "../../sim/spi";

declare const print: ((...values: unknown[]) => void) | undefined;
const out: (line: string) => void = typeof print === "function" ? (line) => print(line) : (line) => console.log(line);

const SERVER_MAC = 0x02_00_5e_10_20_30;
const SERVER_PORT = 1;
const TRUNK_GROUP = 0;
const TRUNK_MEMBERS = 0b0110; // ports 1 and 2

function entryText(entry: ArlEntry): string {
  return `${formatMac(entry.mac)} vid ${entry.vid} port ${entry.port}${entry.isStatic ? " static" : ""}`;
}

let failures = 0;
function check(what: string, ok: boolean): void {
  out(`${ok ? "ok" : "FAILED"}: ${what}`);
  if (!ok) failures++;
}

const clock = new VirtualClock();
const model = new Bcm53125Model({ clock });
model.setLink(1, true, 1000, true);
model.setLink(2, true, 1000, true);
model.setLink(3, true, 100, true);
// The reference board's SPI (hosts/esp32/onemac-bcm53125/host/provider.js), wired to the model.
const cpu = new SimCpu(clock);
const spi = new SimSPI({ clock: 14, out: 13, in: 12, select: 15, active: 0, hz: 20e6, mode: 3, port: 1, device: model, time: clock, cpu });
const firmware = new Firmware({ spi, scheduler: cpu, log: (line) => out(`[${clock.now().toFixed(3)} ms] ${line}`), spiHz: 20e6 });

// 1. Detect the chip (probe + managed mode + port report).
const boot = firmware.boot();
check(`boot detects ${boot.chip?.model ?? "nothing"} id 0x${(boot.chip?.deviceId ?? 0).toString(16)}`, boot.ok && boot.chip?.model === "BCM53125");

// 2. A static ARL entry for the server's MAC, read back through the chip's ARL engine.
const chip = firmware.chip;
chip.arlAdd({ mac: SERVER_MAC, vid: 0, port: SERVER_PORT, isStatic: true, age: false });
const found = newArlEntry();
const hit = chip.arlLookup(SERVER_MAC, 0, found);
check(`ARL lookup reads back ${hit ? entryText(found) : "nothing"}`, hit && found.mac === SERVER_MAC && found.port === SERVER_PORT && found.isStatic);
const dumped: string[] = [];
chip.arlDump((entry) => dumped.push(entryText(entry)));
out(`ARL dump: ${dumped.join("; ")}`);
const boardSide = model.arlEntries().filter((entry) => entry.mac === SERVER_MAC);
check(`the chip model holds the entry (${boardSide.map(entryText).join("; ")})`, boardSide.length === 1 && boardSide[0].isStatic);

// 3. A trunk: SA hashing, group 0 = ports 1 and 2, read back from the trunk registers.
chip.setTrunkHash(true, "sa");
chip.setTrunkMembers(TRUNK_GROUP, TRUNK_MEMBERS);
const trunk = chip.readTrunkConfig();
out(`trunk read back: ${JSON.stringify(trunk)}`);
const group = trunk.groups.find((g) => g.group === TRUNK_GROUP);
check("trunk enabled, hash sa, group 0 = ports 1+2", trunk.enabled && trunk.hash === "sa" && group?.members === TRUNK_MEMBERS);

// 4. The patent's table in the chip's CFP: a trunk in mode cfp on ports 1 and 2 for the server, M = 4, so 16
//    rules DA = server and low 4 bits of the SA = i -> table[i]; read back through the driver and held by the model;
//    then port 2 fails: only its rules move to port 1.
chip.setTrunkMembers(TRUNK_GROUP, 0);
chip.arlDelete(SERVER_MAC, 0);
const view = firmware.trunks.configure({ group: TRUNK_GROUP, members: [1, 2], servers: [SERVER_MAC], indexBits: 4, mode: "cfp" });
out(`cfp trunk: members ${view.members.join(",")}, table ${view.table.join(",")}`);
const rule = newMemberRule();
const table = chip.memberTable!;
let matching = 0;
for (let i = 0; i < 16; i++) {
  for (let r = 0; r < table.capacity; r++) {
    if (table.readRule(r, rule) && rule.serverMac === SERVER_MAC && rule.indexBits === 4 && rule.index === i && rule.port === view.table[i]) {
      matching++;
      break;
    }
  }
}
check(`16 CFP rules read back, each naming table[i] (${matching} of 16)`, matching === 16);
check(`the chip model holds 16 valid rules (${model.cfpRules().length})`, model.cfpRules().length === 16);
model.setLink(2, false);
firmware.pollLinks();
const after = firmware.trunks.show().trunks.find((t) => t.group === TRUNK_GROUP);
const rulesOnPort1 = model.cfpRules().filter((entry) => (entry.action[0] & 0x3f) === 0b10).length;
out(`after port 2 fails: table ${after?.table.join(",")}`);
check(`port 2's rules moved to port 1 (${rulesOnPort1} of 16 rules on port 1)`, rulesOnPort1 === 16 && (after?.table.every((port) => port === 1) ?? false));

out(`SPI: ${spi.stats.transactions} transactions, ${spi.stats.bytes} bytes; virtual time ${clock.now().toFixed(3)} ms`);
out(failures === 0 ? "scenario: PASS" : `scenario: FAIL (${failures})`);
if (failures !== 0) throw new Error(`${failures} check(s) failed`);
