// Board wiring, nothing else: device IO -> chip driver -> services -> console.
// On the ESP32 the `device` global comes from the board's host/provider.js (hosts/esp32/<board>);
// in the simulator hosts/sim/device.ts installs an equivalent one in front of the chip model.
//
// The console runs on UART0 (device.Serial.default) at 115200 8N1. In a debug build that UART belongs to xsbug and
// opening it throws; the firmware then runs without a console and its log goes to trace() only.

import Preference from "preference";
import Time from "time";
import Timer from "timer";
import { Firmware } from "./modules/firmware";
import { createInterpreter } from "./modules/console/interpreter";
import { ConsoleSession } from "./modules/console/session";
import { UartConsole } from "./modules/console/uart";

const LINK_POLL_MS = 10;
const RESET_LOW_MS = 10;
const RESET_SETTLE_MS = 100;
const CONSOLE_BAUD = 115200;
const RELOAD_DELAY_MS = 100;

function resetSwitchChip(): void {
  const pin = device.pin.switchReset;
  if (pin === undefined) return;
  const Digital = device.io.Digital;
  const reset = new Digital({ pin, mode: Digital.Output });
  reset.write(0);
  Timer.delay(RESET_LOW_MS);
  reset.write(1);
  Timer.delay(RESET_SETTLE_MS);
  reset.close();
}

/**
 * Salt bytes for password hashes. On the ESP32 Math.random() is esp_random(): pseudo-random while no radio runs,
 * which is enough for a salt (it must differ between boards and passwords, not be secret).
 */
function randomBytes(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
}

/**
 * Restarts the board (Moddable's System.restart() is esp_restart() on the ESP32; the simulator supplies its own).
 * Called from a timer a little later, so the console's last words leave the UART FIFO first.
 */
function reload(): void {
  Timer.set(() => System.restart(), RELOAD_DELAY_MS);
}

resetSwitchChip();
const spiOptions = device.SPI.default;
const spi = new device.io.SPI({ ...spiOptions });
const clock = { now: () => Time.ticks };
const firmware = new Firmware({
  spi,
  clock,
  log: (line: string) => trace(line + "\n"),
  spiHz: spiOptions.hz,
  storage: Preference,
});

// The console comes up before boot so that the boot log reaches it.
let uart: UartConsole | undefined;
const session = new ConsoleSession({
  interpreter: createInterpreter({ firmware, clock, reload, random: randomBytes }),
  write: (text: string) => uart?.write(text),
  clock,
});
try {
  uart = new UartConsole({ ...device.Serial.default, Serial: device.io.Serial, baud: CONSOLE_BAUD, session });
} catch (error) {
  trace(`console: UART0 is not available (${error instanceof Error ? error.message : String(error)}); log to trace only\n`);
}
if (uart) firmware.logs.addListener((atMs: number, text: string) => session.log(atMs, text));

const report = firmware.boot();
if (report.ok) Timer.repeat(() => firmware.pollLinks(), LINK_POLL_MS);
if (uart) session.start();
