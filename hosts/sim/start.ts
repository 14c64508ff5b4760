// npm start: boots main.ts (the same file the ESP32 runs) on the simulated board and prints the firmware's log.
//   npm start                 boot, then a short scripted run on virtual time: a cable pulled and plugged back
//   npm start -- --realtime   keep running, virtual time following the wall clock, until Ctrl-C
import { Bcm53125Model } from "./bcm53125";
import { VirtualClock } from "./clock";
import { createSimDevice } from "./device";
import { currentTimerCpu, useClock } from "./timer";

const realtime = process.argv.includes("--realtime");
const clock = new VirtualClock();
const model = new Bcm53125Model({ clock });
// What is plugged into the board when it powers up: a server on ports 0 and 1, a client on port 3 at 100 Mb/s.
model.setLink(0, true, 1000, true);
model.setLink(1, true, 1000, true);
model.setLink(3, true, 100, true);

useClock(clock);
const { device } = createSimDevice(model, clock, currentTimerCpu());
Object.assign(globalThis, {
  device,
  trace: (text: string) => process.stdout.write(`[${clock.now().toFixed(3).padStart(9)} ms] ${text}`),
});
await import("../../main");

if (realtime) {
  let last = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    clock.advance(now - last);
    last = now;
  }, 10);
  process.on("SIGINT", () => {
    clearInterval(timer);
    process.stdout.write("\n");
    process.exit(0);
  });
} else {
  clock.advance(500);
  process.stdout.write("[board] pulling the cable on port 3\n");
  model.setLink(3, false);
  clock.advance(500);
  process.stdout.write("[board] plugging port 3 back in at 1000 Mb/s\n");
  model.setLink(3, true, 1000, true);
  clock.advance(500);
}
