// The simulated board's `device` global: the same shape as the ECMA-419 host provider that
// hosts/esp32/<board>/host/provider.js gives main.ts on the ESP32, with the IO classes wired to simulated parts
// (SPI to the chip model, the reset GPIO to the chip's reset pin, UART0 to whatever the board's console is
// connected to) and `restart()` (the ESP32's esp_restart: the firmware stops and main.ts boots again).
import type { Bcm53125Model } from "./bcm53125";
import type { SimCpu, VirtualClock } from "./clock";
import type { SimSerial } from "./serial";
import { SimSPI, type SimSpiOptions } from "./spi";

/** The reference board's pins (docs/hardware.md): HSPI IOMUX pins, reset on GPIO 5. */
export const BOARD_PINS = Object.freeze({ spiClock: 14, spiOut: 13, spiIn: 12, spiSelect: 15, switchReset: 5 });
export const BOARD_SPI_HZ = 20e6;

/** UART0 pins of the ESP32 (the USB serial port): TX on GPIO 1, RX on GPIO 3 (facts: esp32-board-and-console). */
export const BOARD_CONSOLE_UART = Object.freeze({ port: 0, transmit: 1, receive: 3 });

/** What the board wires besides the chip: its UART class (hosts/sim/board.ts) and what `device.restart()` does. */
export interface SimDeviceExtras<SerialClass> {
  /** `device.io.Serial`; without it the board has no UART and main.ts runs without a console. */
  Serial?: SerialClass;
  /** `device.restart()`; without it the device has no restart. */
  restart?: () => void;
}

/** A GPIO output whose level the board routes somewhere (here: the switch chip's active-low reset). */
export class SimDigital {
  static readonly Output = 8;
  static readonly Input = 0;
  readonly #onWrite: (level: number) => void;
  constructor(options: { pin: number; mode: number }, onWrite: (pin: number, level: number) => void) {
    if (!Number.isInteger(options.pin)) throw new RangeError(`invalid pin ${options.pin}`);
    if (options.mode !== SimDigital.Output) throw new RangeError("simulated board: only outputs are wired");
    const pin = options.pin;
    this.#onWrite = (level) => onWrite(pin, level);
  }
  write(level: number): void {
    this.#onWrite(level ? 1 : 0);
  }
  close(): void {}
}

/**
 * Builds a `device` for one board: SPI reaches `model`, GPIO 5 low resets it; `cpu` is the CPU main.ts runs on
 * (its timers wait while its SPI transfers take time). Counts SPI traffic in `spis`.
 */
export function createSimDevice<SerialClass = undefined>(
  model: Bcm53125Model,
  clock: VirtualClock,
  cpu?: SimCpu,
  extras: SimDeviceExtras<SerialClass> = {},
) {
  const spis: SimSPI[] = [];
  let resetLevel = 1;
  const gpio = (pin: number, level: number) => {
    if (pin === BOARD_PINS.switchReset) {
      if (resetLevel === 1 && level === 0) model.powerCycle();
      resetLevel = level;
    }
  };
  class BoardSPI extends SimSPI {
    constructor(options: Omit<SimSpiOptions, "device" | "time">) {
      super({ ...options, device: model, time: clock, cpu });
      spis.push(this);
    }
  }
  class BoardDigital extends SimDigital {
    constructor(options: { pin: number; mode: number }) {
      super(options, gpio);
    }
  }
  const device = {
    io: { SPI: BoardSPI, Digital: BoardDigital, Serial: extras.Serial as SerialClass },
    Serial: { default: { io: extras.Serial as SerialClass, ...BOARD_CONSOLE_UART } },
    SPI: {
      default: {
        clock: BOARD_PINS.spiClock,
        out: BOARD_PINS.spiOut,
        in: BOARD_PINS.spiIn,
        select: BOARD_PINS.spiSelect,
        active: 0 as const,
        hz: BOARD_SPI_HZ,
        mode: 3,
        port: 1,
      },
    },
    pin: { switchReset: BOARD_PINS.switchReset },
    /** Restarts the ESP32 (main.ts boots again on the same board and flash); undefined where not wired. */
    restart: extras.restart,
  };
  return { device, spis };
}

/** The `device` global main.ts sees on the simulated board (hosts/sim/board.ts builds it, UART0 included). */
export type SimBoardDevice = ReturnType<typeof createSimDevice<typeof SimSerial>>["device"];
