// The board the show-command XS test runs twice, once on XS (xsnap) and once on Node, from one bundle: the BCM53125
// model, the firmware over the simulated SPI bus on a virtual clock, a trunk, clients sending, a flapping port, a
// moving host. globalThis.show(line) runs one show/clear/test line through the grammar and returns what it printed.
// Plain ES2022: it is bundled by esbuild for xsnap, which has no Node APIs.
import { Bcm53125Model } from "../../hosts/sim/bcm53125";
import { SimCpu, VirtualClock } from "../../hosts/sim/clock";
import { SimSPI } from "../../hosts/sim/spi";
import { Firmware } from "../../modules/firmware";
import { Grammar } from "../../modules/console/grammar";
import { SHOW_COMMANDS } from "../../modules/console/commands/show";
import type { ConsoleContext, ConsoleIo } from "../../modules/console/types";
import { OnemacError } from "../../modules/errors";

const SERVER = 0x001b215e0001;
const clock = new VirtualClock();
const model = new Bcm53125Model({ clock });
for (const port of [0, 1, 2, 3, 4]) model.setLink(port, true);
const cpu = new SimCpu(clock);
const spi = new SimSPI({ device: model, hz: 20e6, mode: 3, time: clock, cpu });
const firmware = new Firmware({ spi, scheduler: cpu, spiHz: 20e6, links: { upDebounceMs: 20 } });
firmware.boot();
firmware.config.change((draft) => {
  draft.trunks.push({ group: 0, members: [0, 1, 2], mode: "hash", indexBits: 3, servers: ["00:1b:21:5e:00:01"], vid: 0, holdDownMs: 200, interSwitchPort: null, interSwitchLearning: false });
  draft.hostname = "rack7";
});
firmware.ports.setName(4, "clients");
// 48 clients on port 4, one of them busy; a host moving between ports 3 and 4; port 3 flapping into err-disable.
for (let i = 0; i < 48; i++) for (let f = 0; f < (i === 0 ? 400 : 3); f++) model.ingress(4, { da: SERVER, sa: 0xf48e38000000 + i * 5 });
clock.advance(1001);
const mover = 0x240ac433aa01;
for (let i = 0; i < 2; i++) {
  model.ingress(3, { da: SERVER, sa: mover });
  clock.advance(1001);
  model.ingress(4, { da: SERVER, sa: mover });
  clock.advance(1001);
}
for (let i = 0; i < 6; i++) {
  model.setLink(3, false);
  clock.advance(30);
  model.setLink(3, true);
  clock.advance(30);
}
model.setLink(1, false);
clock.advance(50);

const grammar = new Grammar(SHOW_COMMANDS);
const ctx: ConsoleContext = { firmware, clock, reload: () => {}, random: (bytes) => bytes.fill(1) };
let printed = "";
const io: ConsoleIo = {
  write: (text) => {
    printed += text;
  },
  readSecret: () => {},
  hold: () => () => {},
};

(globalThis as { show?: (line: string) => string }).show = (line: string): string => {
  printed = "";
  const match = grammar.match(line, "exec");
  if (match.kind === "error") return match.message;
  if (match.kind === "empty") return "";
  try {
    match.spec.run(match.args, ctx, io, match.json);
  } catch (error) {
    printed += error instanceof OnemacError ? `% ${error.message}` : `INTERNAL ${String(error)}`;
  }
  return printed;
};
