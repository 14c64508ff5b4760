// Front-panel ports as the console shows and configures them: a name, an administrative state, and MIB counters
// since the last `clear counters`. Disabling a port turns its receiver and transmitter off in the chip (facts §1.2,
// port control register RX/TX disable) and tells the link monitor, which from then on reads the port as down, so a
// trunk fails over exactly as for a pulled cable.
import type { ChipInfo, PortCounters, SwitchChip } from "../chip/switch-chip";
import { newPortCounters, newPortStatus } from "../chip/switch-chip";
import { InvalidArgumentError } from "../errors";
import type { LinkMonitor, PortLinkState } from "../link/monitor";

export const MAX_PORT_NAME_LENGTH = 32;

export interface PortView {
  port: number;
  name: string;
  enabled: boolean;
  link: boolean;
  /** Mb/s, 0 when the link is down. */
  speed: number;
  fullDuplex: boolean;
  state: PortLinkState;
  /** Trunk group (0-based) the port is a member of, or null. */
  trunk: number | null;
  /** Counters since `clear counters` (with `counters: true`). */
  counters?: PortCounters;
}

/** Which trunk group each port belongs to (the trunk service answers it). */
export interface TrunkMembership {
  groupOf(port: number): number;
}

const COUNTER_NAMES = Object.freeze(["rxUnicast", "rxMulticast", "rxBroadcast", "txUnicast", "txMulticast", "txBroadcast", "rxOctets", "txOctets"] as const);

export class PortService {
  readonly #chip: SwitchChip;
  readonly #links: LinkMonitor;
  readonly #ports: readonly number[];
  readonly #names: string[];
  readonly #enabled: boolean[];
  /** Counter values at the last clear, per port index. */
  readonly #baselines: PortCounters[];
  #membership: TrunkMembership | undefined;

  constructor(options: { chip: SwitchChip; info: ChipInfo; links: LinkMonitor; membership?: TrunkMembership }) {
    this.#chip = options.chip;
    this.#links = options.links;
    this.#ports = options.info.userPorts;
    this.#names = this.#ports.map(() => "");
    this.#enabled = this.#ports.map(() => true);
    this.#baselines = this.#ports.map(() => newPortCounters());
    this.#membership = options.membership;
  }

  get ports(): readonly number[] {
    return this.#ports;
  }

  setMembership(membership: TrunkMembership): void {
    this.#membership = membership;
  }

  #indexOf(port: number): number {
    const index = Number.isInteger(port) ? this.#ports.indexOf(port) : -1;
    if (index < 0) throw new InvalidArgumentError(`port ${String(port)} is not a front-panel port (ports ${this.#ports.join(", ")})`);
    return index;
  }

  isPort(port: number): boolean {
    return Number.isInteger(port) && this.#ports.indexOf(port) >= 0;
  }

  nameOf(port: number): string {
    return this.#names[this.#indexOf(port)];
  }

  isEnabled(port: number): boolean {
    return this.#enabled[this.#indexOf(port)];
  }

  /** Names a port (empty: no name). Printable ASCII without '"', at most 32 characters. */
  setName(port: number, name: string): void {
    const index = this.#indexOf(port);
    if (typeof name !== "string" || name.length > MAX_PORT_NAME_LENGTH || !/^[ !#-~]*$/.test(name))
      throw new InvalidArgumentError(`a port name is at most ${MAX_PORT_NAME_LENGTH} printable characters without '"'`);
    this.#names[index] = name;
  }

  /** Enables or disables a port in the chip (RX and TX) and in the link monitor. */
  setEnabled(port: number, enabled: boolean): void {
    const index = this.#indexOf(port);
    if (this.#enabled[index] === enabled) return;
    this.#chip.setPortEnabled(port, enabled, enabled);
    this.#enabled[index] = enabled;
    this.#links.setAdminEnabled(port, enabled);
  }

  /** Writes every disabled port to the chip again (after a chip reset, which re-enables them all). */
  reapply(): void {
    for (let i = 0; i < this.#ports.length; i++) if (!this.#enabled[i]) this.#chip.setPortEnabled(this.#ports[i], false, false);
  }

  /** A port's counters since the last clear, written into `out`. */
  counters(port: number, out: PortCounters): PortCounters {
    const index = this.#indexOf(port);
    this.#chip.readPortCounters(port, out);
    const base = this.#baselines[index];
    for (let i = 0; i < COUNTER_NAMES.length; i++) {
      const name = COUNTER_NAMES[i];
      // MIB counters wrap; a chip reset zeroes them: never show a negative count.
      out[name] = out[name] >= base[name] ? out[name] - base[name] : out[name];
    }
    return out;
  }

  /** `clear counters`: the counters shown from now on start at zero. Reads the chip; changes nothing in it. */
  clearCounters(): void {
    for (let i = 0; i < this.#ports.length; i++) this.#chip.readPortCounters(this.#ports[i], this.#baselines[i]);
  }

  showPort(port: number, options: { counters?: boolean } = {}): PortView {
    const index = this.#indexOf(port);
    const status = this.#chip.readPortStatus(port, newPortStatus());
    const state = this.#links.stateOf(port);
    const link = status.link && this.#enabled[index];
    const group = this.#membership ? this.#membership.groupOf(port) : -1;
    const view: PortView = {
      port,
      name: this.#names[index],
      enabled: this.#enabled[index],
      link,
      speed: link ? status.speed : 0,
      fullDuplex: link ? status.fullDuplex : false,
      state,
      trunk: group >= 0 ? group : null,
    };
    if (options.counters) view.counters = this.counters(port, newPortCounters());
    return view;
  }

  show(options: { counters?: boolean } = {}): PortView[] {
    const views: PortView[] = [];
    for (let i = 0; i < this.#ports.length; i++) views.push(this.showPort(this.#ports[i], options));
    return views;
  }
}
