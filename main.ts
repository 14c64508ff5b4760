// Board wiring, nothing else: device IO -> chip driver -> services (-> console).
// On the ESP32 the `device` global comes from the board's host/provider.js (hosts/esp32/<board>);
// in the simulator hosts/sim/device.ts installs an equivalent one in front of the chip model.

import Time from "time";
import Timer from "timer";
import { Firmware } from "./modules/firmware";

const LINK_POLL_MS = 10;
const RESET_LOW_MS = 10;
const RESET_SETTLE_MS = 100;

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

resetSwitchChip();
const spiOptions = device.SPI.default;
const spi = new device.io.SPI({ ...spiOptions });
const firmware = new Firmware({
  spi,
  clock: { now: () => Time.ticks },
  log: (line: string) => trace(line + "\n"),
  spiHz: spiOptions.hz,
});
const report = firmware.boot();
if (report.ok) Timer.repeat(() => firmware.pollLinks(), LINK_POLL_MS);
