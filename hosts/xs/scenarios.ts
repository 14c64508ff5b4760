// Named scenarios that drive the firmware the same way on xsnap (hosts/xs/entry.ts) and on Node (tests, bench), so
// their results can be compared value for value. Plain TypeScript over the firmware's own modules: no Node APIs.
// Every result is plain JSON data.

import type { Clock } from "../../modules/clock";
import type { SpiIo } from "../../modules/chip/spi-io";
import type { ArlEntry, TrunkHash } from "../../modules/chip/switch-chip";
import { newArlEntry } from "../../modules/chip/switch-chip";
import { InvalidArgumentError } from "../../modules/errors";
import { Firmware } from "../../modules/firmware";
import type { TrunkRequest } from "../../modules/trunk/service";
import { ConsoleRig, type BootParts } from "./console-rig";
import type { StoredEntry } from "./memory-storage";

export interface ScenarioHost {
  spi: SpiIo;
  clock: Clock;
  log: (line: string) => void;
  /** Lets `ms` of board time pass (Moddable Timer.delay): the board's virtual clock and its timers run. */
  delay: (ms: number) => void;
}

export type ScenarioArgs = Record<string, unknown>;

export interface BringUpArgs {
  /** The server's MAC, as a number. */
  mac: number;
  vid: number;
  port: number;
  trunkHash: TrunkHash;
  trunkGroup: number;
  trunkMembers: number;
}

export const DEFAULT_BRING_UP: BringUpArgs = Object.freeze({
  mac: 0x02_00_5e_10_20_30,
  vid: 0,
  port: 1,
  trunkHash: "sa",
  trunkGroup: 0,
  trunkMembers: 0b0110,
});

function numberArg(args: ScenarioArgs, name: string, fallback?: number): number {
  const value = args[name] ?? fallback;
  if (typeof value !== "number" || !Number.isFinite(value)) throw new InvalidArgumentError(`scenario argument ${name} must be a number`);
  return value;
}

function stringArg(args: ScenarioArgs, name: string, fallback?: string): string {
  const value = args[name] ?? fallback;
  if (typeof value !== "string") throw new InvalidArgumentError(`scenario argument ${name} must be a string`);
  return value;
}

function storageArg(args: ScenarioArgs): StoredEntry[] {
  const value = args.storage;
  if (!Array.isArray(value)) throw new InvalidArgumentError("scenario argument storage must be a list of stored entries");
  return value as StoredEntry[];
}

function copyEntry(entry: ArlEntry): ArlEntry {
  return { mac: entry.mac, vid: entry.vid, port: entry.port, isStatic: entry.isStatic, age: entry.age };
}

/** One firmware instance and the scenarios that drive it. */
export class ScenarioRunner {
  readonly #host: ScenarioHost;
  #firmware: Firmware | undefined;
  /** The firmware with its console and flash (console-* scenarios); created by the first of them. */
  #console: ConsoleRig | undefined;
  readonly #entry = newArlEntry();
  /** The status read the harness uses to measure its own cost per SPI exchange (no firmware involved). */
  readonly #spinFrame = new Uint8Array(3);

  constructor(host: ScenarioHost) {
    this.#host = host;
  }

  get firmware(): Firmware {
    this.#firmware ??= new Firmware({ spi: this.#host.spi, clock: this.#host.clock, log: this.#host.log });
    return this.#firmware;
  }

  get console(): ConsoleRig {
    this.#console ??= new ConsoleRig(this.#host);
    return this.#console;
  }

  get created(): boolean {
    return this.#firmware !== undefined;
  }

  run(name: string, args: ScenarioArgs = {}): unknown {
    switch (name) {
      case "create":
        return this.firmware !== undefined;
      case "boot":
        return this.firmware.boot();
      case "probe":
        return this.firmware.chip.probe();
      case "setup":
        this.firmware.chip.setup();
        return null;
      case "bring-up":
        return this.#bringUp({ ...DEFAULT_BRING_UP, ...(args as Partial<BringUpArgs>) });
      case "link-mask":
        return this.firmware.chip.readLinkMask();
      case "arl-add":
        this.firmware.chip.arlAdd({
          mac: numberArg(args, "mac"),
          vid: numberArg(args, "vid", 0),
          port: numberArg(args, "port"),
          isStatic: args.isStatic !== false,
          age: false,
        });
        return null;
      case "arl-lookup":
        return this.firmware.chip.arlLookup(numberArg(args, "mac"), numberArg(args, "vid", 0), this.#entry)
          ? copyEntry(this.#entry)
          : null;
      case "arl-delete":
        return this.firmware.chip.arlDelete(numberArg(args, "mac"), numberArg(args, "vid", 0));
      case "arl-dump":
        return this.#dump();
      case "trunk-hash":
        this.firmware.chip.setTrunkHash(args.enabled !== false, (args.hash ?? "da+sa") as TrunkHash);
        return null;
      case "trunk-members":
        this.firmware.chip.setTrunkMembers(numberArg(args, "group"), numberArg(args, "members"));
        return null;
      case "trunk-read":
        return this.firmware.chip.readTrunkConfig();
      case "trunk-configure":
        return this.firmware.trunks.configure(args as unknown as TrunkRequest);
      case "trunks-show":
        return this.firmware.trunks.show();
      case "poll":
        return this.poll(numberArg(args, "count", 1));
      case "run":
        return this.runBoard(numberArg(args, "count", 1), numberArg(args, "intervalMs", 10));
      case "spi-spin":
        return this.spin(numberArg(args, "count", 1));
      default:
        if (name.startsWith("console-")) return this.#runConsole(name, args);
        throw new InvalidArgumentError(`unknown scenario "${name}"`);
    }
  }

  /**
   * The firmware with its console (hosts/xs/console-rig.ts). console-boot replaces the firmware the other scenarios
   * drive, so "run", "poll" and the rest act on the booted console board too. Results carry the console's output since
   * the previous console scenario.
   */
  #runConsole(name: string, args: ScenarioArgs): unknown {
    const rig = this.console;
    switch (name) {
      case "console-storage":
        rig.storage.restore(storageArg(args));
        return rig.storage.dump().length;
      case "console-boot": {
        if (args.capture !== undefined) rig.wire.capture = args.capture !== false;
        const parts = (args.parts ?? "all") as BootParts;
        if (parts !== "firmware" && parts !== "interpreter" && parts !== "session" && parts !== "all")
          throw new InvalidArgumentError("scenario argument parts must be firmware, interpreter, session or all");
        const ok = rig.boot(args.storage === undefined ? undefined : storageArg(args), parts);
        this.#firmware = rig.firmware;
        return { ok, output: rig.wire.drain() };
      }
      case "console-type":
        rig.type(stringArg(args, "text"), args.perByte === true);
        return rig.wire.drain();
      case "console-run": {
        const ticks = rig.run(numberArg(args, "count", 1), numberArg(args, "intervalMs", 10));
        return { ticks, output: rig.wire.drain() };
      }
      case "console-save": {
        const ticks = rig.save(stringArg(args, "line", "write memory"), numberArg(args, "maxTicks", 1000), numberArg(args, "intervalMs", 10));
        return { ticks, busy: rig.firmware.config.busy, output: rig.wire.drain() };
      }
      case "console-state":
        return rig.state();
      case "console-hostile":
        return rig.hostile(numberArg(args, "count", 100), numberArg(args, "seed", 1));
      case "console-keys":
        rig.keys(numberArg(args, "count", 1), stringArg(args, "text", "show trunks"), args.direct === true);
        return rig.wire.bytes;
      case "console-commands":
        rig.commands(numberArg(args, "count", 1), stringArg(args, "line"));
        return rig.wire.bytes;
      default:
        throw new InvalidArgumentError(`unknown scenario "${name}"`);
    }
  }

  /** `count` link polls; returns the last link mask. Allocates nothing itself. */
  poll(count: number): number {
    const firmware = this.firmware;
    let mask = 0;
    for (let i = 0; i < count; i++) mask = firmware.pollLinks();
    return mask;
  }

  /**
   * The board's main loop as main.ts runs it: `count` times, let `intervalMs` pass, then poll the links (which also runs
   * the services' timed work that fell due, such as ARL scans). Returns the last link mask.
   */
  runBoard(count: number, intervalMs: number): number {
    const firmware = this.firmware;
    const delay = this.#host.delay;
    let mask = 0;
    for (let i = 0; i < count; i++) {
      delay(intervalMs);
      mask = firmware.pollLinks();
    }
    return mask;
  }

  /** `count` SPI exchanges (a 3-byte transfer and a deselecting flush) without the firmware: the harness's own cost. */
  spin(count: number): number {
    const spi = this.#host.spi;
    const frame = this.#spinFrame;
    for (let i = 0; i < count; i++) {
      frame[0] = 0x60; // a status read (shared/facts/switch-chips.md §1.1): harmless at any time
      frame[1] = 0xfe;
      frame[2] = 0;
      spi.transfer(frame);
      spi.flush(true);
    }
    return frame[2];
  }

  #dump(): ArlEntry[] {
    const entries: ArlEntry[] = [];
    this.firmware.chip.arlDump((entry) => entries.push(copyEntry(entry)));
    return entries;
  }

  #bringUp(args: BringUpArgs): unknown {
    const chip = this.firmware.chip;
    const boot = this.firmware.boot();
    if (!boot.ok) return { boot };
    chip.arlAdd({ mac: args.mac, vid: args.vid, port: args.port, isStatic: true, age: false });
    const found = chip.arlLookup(args.mac, args.vid, this.#entry);
    chip.setTrunkHash(true, args.trunkHash);
    chip.setTrunkMembers(args.trunkGroup, args.trunkMembers);
    return {
      boot,
      arl: found ? copyEntry(this.#entry) : null,
      dump: this.#dump(),
      trunk: chip.readTrunkConfig(),
      linkMask: this.firmware.pollLinks(),
      time: this.#host.clock.now(),
    };
  }
}

/** How an error crosses the XS/Node boundary. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  found?: number;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) {
    const out: SerializedError = { name: error.name, message: error.message };
    const extra = error as Error & { code?: unknown; found?: unknown };
    if (typeof extra.code === "string") out.code = extra.code;
    if (typeof extra.found === "number") out.found = extra.found;
    return out;
  }
  return { name: "Error", message: String(error) };
}
