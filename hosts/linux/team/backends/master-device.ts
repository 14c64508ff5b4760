// What the kernel team backend and the bonding backend share: a master device this code creates over rtnetlink
// with the team MAC, the members it enslaves (each remembering its MAC, MTU and up/down state from before),
// undoing a failed up() and releasing members in reverse. What differs between the two (team options and port
// enabling, bond attributes) stays in each backend.
import type { LinkClient } from "../../netlink/clients";
import { NetlinkError } from "../../netlink/errors";
import { parseAddress, type LinkInfo, type LinkInfoDataItem } from "../../netlink/rtnetlink";
import type { MemberCounters } from "../backend";
import type { TeamConfig } from "../config";
import { TeamError } from "../errors";

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface EnslavedMember {
  readonly ifname: string;
  readonly index: number;
  readonly originalAddress: string | null;
  readonly originalMtu: number | null;
  readonly originalUp: boolean;
  enabled: boolean;
}

/** How a backend's master device is named: in rtnetlink (IFLA_INFO_KIND) and in messages. */
export interface MasterKind {
  /** IFLA_INFO_KIND, also the word for the team in messages ("team t0", "bond t0"). */
  readonly kind: "team" | "bond";
  /** The device itself in messages ("team device t0", "bond t0"). */
  readonly device: string;
}

export class MasterDevice {
  readonly links: LinkClient;
  readonly config: TeamConfig;
  readonly kind: MasterKind["kind"];
  readonly #device: string;
  /** Enslaved members in the order they joined (released in reverse). */
  readonly members = new Map<string, EnslavedMember>();
  #index = 0;
  /** What up() is doing, for the message when it fails. */
  #step: string;

  /** Takes ownership of `links`: abandon() and tearDown() close it. */
  constructor(links: LinkClient, config: TeamConfig, kind: MasterKind) {
    this.links = links;
    this.config = config;
    this.kind = kind.kind;
    this.#device = kind.device;
    this.#step = `checking that no interface is named ${config.name}`;
  }

  get name(): string {
    return this.config.name;
  }

  /** The master's ifindex; 0 until create() succeeds. */
  get index(): number {
    return this.#index;
  }

  /** Names what up() does next, so that its error says where it stopped. */
  step(what: string): void {
    this.#step = what;
  }

  /** Refuses a name already in use, then creates the master carrying the team MAC (and MTU when configured). */
  create(infoData?: readonly LinkInfoDataItem[]): void {
    if (this.links.find({ name: this.name })) {
      throw new TeamError("apply-failed", `an interface named ${this.name} already exists; onemac creates its ${this.#device} itself and does not take over an existing one`);
    }
    this.step(`creating ${this.#device} ${this.name}`);
    const created = this.links.create({
      name: this.name,
      kind: this.kind,
      address: parseAddress(this.config.mac),
      ...(this.config.mtu !== null ? { mtu: this.config.mtu } : {}),
      ...(infoData ? { infoData } : {}),
    });
    this.#index = created.index;
  }

  /**
   * Enslaves one interface: down, team MAC, master, up, then `join` (the backend's own step for a new member).
   * Undoes its own steps if one fails.
   */
  enslave(ifname: string, join?: (member: EnslavedMember) => void): EnslavedMember {
    this.step(`adding member ${ifname}`);
    const links = this.links;
    const info: LinkInfo = links.get({ name: ifname });
    if (info.master !== 0) throw new TeamError("apply-failed", `${ifname} already has a master (ifindex ${info.master}); release it first`);
    if (info.index === this.#index) throw new TeamError("apply-failed", `${ifname} is the ${this.#device} itself`);
    const member: EnslavedMember = {
      ifname,
      index: info.index,
      originalAddress: info.address,
      originalMtu: info.mtu,
      originalUp: info.up,
      enabled: true,
    };
    try {
      if (info.up) links.change({ index: info.index }, { up: false }, `taking ${ifname} down before it joins ${this.kind} ${this.name}`);
      links.change({ index: info.index }, { address: parseAddress(this.config.mac) }, `giving ${ifname} the team MAC ${this.config.mac}`);
      links.change({ index: info.index }, { master: this.#index }, `adding ${ifname} to ${this.kind} ${this.name}`);
      links.change({ index: info.index }, { up: true }, `bringing member ${ifname} up`);
      join?.(member);
    } catch (error) {
      this.#release(member);
      throw error;
    }
    this.members.set(ifname, member);
    return member;
  }

  /** The last step of up(): the master goes up. */
  bringUp(): void {
    this.step(`bringing ${this.#device} ${this.name} up`);
    this.links.change({ index: this.#index }, { up: true }, `bringing ${this.#device} ${this.name} up`);
  }

  /**
   * For a failed up(): releases the members in reverse, deletes the master, closes the link client and
   * returns the error up() throws, saying where it stopped and whether the undoing was complete.
   */
  abandon(error: unknown): TeamError {
    const problems = this.#releaseEverything();
    this.links.close();
    const undoText = problems.length ? ` Undoing also failed: ${problems.join("; ")}` : " Everything it had done was undone.";
    return new TeamError("apply-failed", `bringing up ${this.kind} ${this.name} failed while ${this.#step}.${undoText}`, describeError(error));
  }

  /** For down(): releases the members in reverse, deletes the master and closes the link client. */
  tearDown(): void {
    const problems = this.#releaseEverything();
    this.links.close();
    if (problems.length) throw new TeamError("kernel", `taking ${this.kind} ${this.name} down left work undone`, problems.join("; "));
  }

  addMember(ifname: string, join?: (member: EnslavedMember) => void): void {
    if (this.members.has(ifname)) throw new TeamError("apply-failed", `${ifname} is already a member of ${this.kind} ${this.name}`);
    this.enslave(ifname, join);
  }

  removeMember(ifname: string): void {
    const member = this.requireMember(ifname);
    const problems = this.#release(member);
    this.members.delete(ifname);
    if (problems.length) throw new TeamError("kernel", `releasing ${ifname} from ${this.kind} ${this.name} left work undone`, problems.join("; "));
  }

  requireMember(ifname: string): EnslavedMember {
    const member = this.members.get(ifname);
    if (!member) throw new TeamError("member-unknown", `${ifname} is not a member of ${this.kind} ${this.name}`);
    return member;
  }

  /** Kernel counters per member; txBytes from `txBytesOf` where the backend has a better count. */
  memberCounters(txBytesOf?: (member: EnslavedMember) => number): MemberCounters[] {
    return [...this.members.values()].map((member) => {
      const counters = this.links.get({ index: member.index }).counters;
      return {
        ifname: member.ifname,
        txFrames: counters?.txPackets ?? 0,
        txBytes: txBytesOf ? txBytesOf(member) : (counters?.txBytes ?? 0),
        rxFrames: counters?.rxPackets ?? 0,
        rxBytes: counters?.rxBytes ?? 0,
        rxDropped: counters?.rxDropped ?? 0,
      };
    });
  }

  #releaseEverything(): string[] {
    const problems: string[] = [];
    for (const member of [...this.members.values()].reverse()) problems.push(...this.#release(member));
    if (this.#index) problems.push(...this.#deleteMaster());
    return problems;
  }

  /** Releases one member and restores its MAC, MTU and up/down state. Returns problems instead of throwing. */
  #release(member: EnslavedMember): string[] {
    const links = this.links;
    const problems: string[] = [];
    const attempt = (what: string, action: () => void): void => {
      try {
        action();
      } catch (error) {
        if (error instanceof NetlinkError && error.errnoName === "ENODEV") return; // the interface is gone
        problems.push(`${what}: ${describeError(error)}`);
      }
    };
    const current = links.find({ index: member.index });
    if (!current || current.name !== member.ifname) return problems; // gone or renamed: nothing of ours to undo
    if (current.master !== 0) attempt(`releasing ${member.ifname}`, () => links.change({ index: member.index }, { master: 0 }, `releasing ${member.ifname} from its ${this.kind}`));
    attempt(`taking ${member.ifname} down`, () => links.change({ index: member.index }, { up: false }, `taking ${member.ifname} down to restore it`));
    if (member.originalAddress) {
      const address = member.originalAddress;
      attempt(`restoring the MAC of ${member.ifname}`, () => links.change({ index: member.index }, { address: parseAddress(address) }, `restoring ${member.ifname}'s MAC ${address}`));
    }
    if (member.originalMtu !== null && current.mtu !== member.originalMtu) {
      const mtu = member.originalMtu;
      attempt(`restoring the MTU of ${member.ifname}`, () => links.change({ index: member.index }, { mtu }, `restoring ${member.ifname}'s MTU ${mtu}`));
    }
    if (member.originalUp) attempt(`bringing ${member.ifname} back up`, () => links.change({ index: member.index }, { up: true }, `bringing ${member.ifname} back up`));
    return problems;
  }

  /** Deletes the master we created, after checking that its ifindex still names it and it is of our kind. */
  #deleteMaster(): string[] {
    const index = this.#index;
    try {
      const current = this.links.find({ index });
      if (!current) return [];
      if (current.name !== this.name || current.kind !== this.kind) return [`ifindex ${index} is now ${current.name} (kind ${current.kind}); not deleting it`];
      this.links.delete({ index }, `deleting ${this.#device} ${this.name}`);
      return [];
    } catch (error) {
      return [describeError(error)];
    }
  }
}
