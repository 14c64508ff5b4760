// The simulated board's `device` global: the same shape as the ECMA-419 host provider that
// hosts/esp32/<board>/host/provider.js gives main.ts on the ESP32, with the IO classes wired to simulated parts
// (SPI to the chip model, the reset GPIO to the chip's reset pin).
import type { Bcm53125Model } from "./bcm53125";
import type { SimCpu, VirtualClock } from "./clock";
import { SimSPI, type SimSpiOptions } from "./spi";

/** The reference board's pins (docs/hardware.md): HSPI IOMUX pins, reset on GPIO 5. */
export const BOARD_PINS = Object.freeze({ spiClock: 14, spiOut: 13, spiIn: 12, spiSelect: 15, switchReset: 5 });
export const BOARD_SPI_HZ = 20e6;

export interface SimDevice {
  io: { SPI: new (options: Omit<SimSpiOptions, "device" | "time">) => SimSPI; Digital: typeof SimDigital };
  SPI: { default: Omit<SimSpiOptions, "device" | "time"> };
  pin: Record<string, number>;
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
export function createSimDevice(model: Bcm53125Model, clock: VirtualClock, cpu?: SimCpu) {
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
    io: { SPI: BoardSPI, Digital: BoardDigital },
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
  };
  return { device, spis };
}

export type SimBoardDevice = ReturnType<typeof createSimDevice>["device"];
