// A simulated board for service tests: the firmware (real driver, real services) over the simulated SPI bus at the
// SDK's 20 MHz in front of the BCM53125 model, all on one VirtualClock. Tests use the model's board side only.
import { Bcm53125Model } from "../../hosts/sim/bcm53125";
import { SimCpu, VirtualClock } from "../../hosts/sim/clock";
import { SimSPI } from "../../hosts/sim/spi";
import type { SpiIo } from "../../modules/chip/spi-io";
import { Firmware, type FirmwareOptions } from "../../modules/firmware";
import { seededRandom } from "../seeded-random";

/** Passes every call to the simulated bus and calls `afterTransaction` when chip select is released. */
export class WatchedSpi implements SpiIo {
  afterTransaction: (() => void) | undefined;
  transactions = 0;
  constructor(readonly inner: SimSPI) {}
  transfer(buffer: Uint8Array): void {
    this.inner.transfer(buffer);
  }
  flush(deselect?: boolean): void {
    this.inner.flush(deselect);
    if (deselect) {
      this.transactions++;
      this.afterTransaction?.();
    }
  }
}

export const SPI_HZ = 20e6;

export function makeBoard(options: { up?: number[]; firmware?: Partial<FirmwareOptions>; beforeBoot?: (model: Bcm53125Model) => void } = {}) {
  const clock = new VirtualClock();
  const model = new Bcm53125Model({ clock });
  for (const port of options.up ?? [0, 1, 2, 3, 4]) model.setLink(port, true);
  const cpu = new SimCpu(clock);
  const spi = new SimSPI({ device: model, hz: SPI_HZ, mode: 3, time: clock, cpu });
  const bus = new WatchedSpi(spi);
  const log: string[] = [];
  options.beforeBoot?.(model);
  const firmware = new Firmware({ spi: bus, scheduler: cpu, log: (line) => log.push(line), spiHz: SPI_HZ, ...options.firmware });
  const report = firmware.boot();
  if (!report.ok) throw new Error(`boot failed: ${report.error?.message}`);
  return { clock, model, spi, bus, firmware, log };
}

export type Board = ReturnType<typeof makeBoard>;

/** Deterministic client MACs under a vendor OUI: sequential low bits from `start`. */
export function sequentialClients(oui: number, count: number, start = 0x10): number[] {
  return Array.from({ length: count }, (_, i) => oui * 0x1000000 + start + i);
}

/** Pseudo-random low 24 bits (xorshift, seeded) under a vendor OUI. */
export function randomClients(oui: number, count: number, seed = 12345): number[] {
  const random = seededRandom(seed);
  const out: number[] = [];
  while (out.length < count) {
    const mac = oui * 0x1000000 + ((random.next() * 0x100000000) & 0xffffff);
    if (out.indexOf(mac) < 0) out.push(mac);
  }
  return out;
}

export const OUI = Object.freeze({ INTEL: 0x001b21, DELL: 0xf48e38, HPE: 0x3cfdfe, APPLE: 0x3c0754 });

/** The port bitmap's single port, or -1 when it is not exactly one port. */
export function onlyPort(mask: number): number {
  return mask !== 0 && (mask & (mask - 1)) === 0 ? 31 - Math.clz32(mask) : -1;
}

/** What the trunk service writes on the chip, read on the board side (model peeks, no SPI). */
export function trunkChipState(board: Board) {
  const { model } = board;
  return {
    switchMode: model.register(0x00, 0x0b) & 0x03,
    trunkControl: model.register(0x32, 0x00),
    group0: model.register(0x32, 0x10),
    group1: model.register(0x32, 0x12),
    learningDisabled: model.register(0x00, 0x3c),
    arl: model.arlEntries(),
    // CFP: enabled ports (CFP_CTL_REG, facts §1.2), the valid rules, the port-based VLAN masks (page 0x31).
    cfpEnabled: model.register(0xa1, 0x00),
    cfpRules: model.cfpRules().map((rule) => ({ index: rule.index, data: rule.data, mask: rule.mask, action: rule.action })),
    portVlanMasks: [0, 1, 2, 3, 4, 5, 8].map((port) => model.register(0x31, 2 * port)),
  };
}
