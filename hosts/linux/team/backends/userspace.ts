// Userspace backend: a TAP device is the one NIC the operating system sees (carrying the team MAC); each
// member is driven through its own AF_PACKET socket; read loops run in worker threads (see userspace-worker.ts).
// Members keep the team MAC, lose their addresses, and are told not to answer for themselves (ARP, IPv4, IPv6
// sysctls) so that everything reaches the operating system once, through the TAP.
import { existsSync } from "node:fs";
import { execFile } from "node:child_process";
import type { Worker } from "node:worker_threads";
import type { BackendStats, MemberCounters, TeamBackend } from "../backend";
import type { TeamConfig } from "../config";
import { TeamError } from "../errors";
import { interfaceExists, readInterface, restoreInterface, runIpBatch, runTc, setLinkUp, setMac, setMtu, type InterfaceState } from "../iproute";
import { closeFd, inNetworkNamespace, openPacketSocket, openTap } from "../sys";
import { startTypeScriptWorker } from "../worker-bootstrap";
import {
  ALL_MEMBERS,
  allocateSharedBuffers,
  CONTROL_BROADCAST_MEMBER,
  CONTROL_STOP_ALL,
  CONTROL_TX_TURNS,
  COUNTER_RX_BYTES,
  COUNTER_RX_DROPPED,
  COUNTER_RX_FRAMES,
  COUNTER_TX_BYTES,
  COUNTER_TX_FRAMES,
  COUNTERS_PER_MEMBER,
  MAX_MEMBERS,
  POLL_TIMEOUT_MS,
  type SharedBuffers,
  type WorkerTask,
} from "./userspace-shared";

const WORKER_MODULE = new URL("./userspace-worker.ts", import.meta.url);
const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
const TAP_QUEUE_FRAMES = 10_000;

/** Per-member kernel settings that keep the member's own stack silent; restored on release. */
const MEMBER_SYSCTLS: readonly { readonly key: (ifname: string) => string; readonly value: string }[] = [
  { key: (ifname) => `net/ipv4/conf/${ifname}/arp_ignore`, value: "8" }, // never answer ARP on the member
  { key: (ifname) => `net/ipv4/conf/${ifname}/rp_filter`, value: "1" }, // IPv4 for the team arrives via the TAP only
  { key: (ifname) => `net/ipv6/conf/${ifname}/disable_ipv6`, value: "1" },
];

export interface UserspaceBackendOptions {
  /** Run inside this named network namespace (tests, benchmark); null: the caller's namespace. */
  readonly netns?: string | null;
  /** Called before each step of up()/addMember() with its name ("tap", "member <ifname>"); throwing injects a failure. */
  readonly beforeStep?: (step: string) => void;
}

interface Member {
  readonly ifname: string;
  readonly index: number;
  readonly saved: InterfaceState;
  readonly savedSysctls: Map<string, string>;
  fd: number;
  worker: Worker | null;
  enabled: boolean;
}

export class UserspaceBackend implements TeamBackend {
  readonly kind = "userspace" as const;
  readonly filtersBroadcasts = true;
  readonly #netns: string | null;
  readonly #beforeStep: (step: string) => void;
  #config: TeamConfig | null = null;
  #shared: SharedBuffers | null = null;
  #tapFd = -1;
  #txWorker: Worker | null = null;
  readonly #members = new Map<string, Member>();
  #workerFailure: string | null = null;

  constructor(options: UserspaceBackendOptions = {}) {
    this.#netns = options.netns ?? null;
    this.#beforeStep = options.beforeStep ?? (() => {});
  }

  /** Why this backend cannot run here, or null. Changes nothing. */
  static unavailableReason(): string | null {
    if (!existsSync("/dev/net/tun")) return "/dev/net/tun is missing (no TUN/TAP support)";
    if (typeof process.getuid === "function" && process.getuid() !== 0) return "the userspace backend needs root (CAP_NET_ADMIN and CAP_NET_RAW)";
    return null;
  }

  async up(config: TeamConfig, members: readonly string[]): Promise<void> {
    if (this.#config) throw new TeamError("apply-failed", `team ${this.#config.name} is already up`);
    const reason = UserspaceBackend.unavailableReason();
    if (reason) throw new TeamError("backend-unavailable", reason);
    if (await interfaceExists(config.name, this.#netns)) {
      throw new TeamError("apply-failed", `an interface named ${config.name} already exists`);
    }
    for (const ifname of members) {
      if (!(await interfaceExists(ifname, this.#netns))) throw new TeamError("member-unknown", `member ${ifname} does not exist`);
    }
    this.#config = config;
    this.#shared = allocateSharedBuffers();
    try {
      this.#beforeStep("tap");
      this.#tapFd = inNetworkNamespace(this.#netns, () => openTap(config.name));
      await setMac(config.name, config.mac, this.#netns);
      // A long queue between the operating system and the TX read loop absorbs bursts while the loop is descheduled.
      await runIpBatch([["link", "set", "dev", config.name, "txqueuelen", String(TAP_QUEUE_FRAMES)]], this.#netns);
      // No qdisc in front of the TAP, as the kernel team and bonding drivers have none: the TAP never stops its
      // queue (a full queue drops), so a qdisc would only cost the sender time. Where tc or the kernel refuses
      // (no "noqueue" root qdisc), the default qdisc stays: slower, not wrong.
      await runTc(["qdisc", "replace", "dev", config.name, "root", "noqueue"], this.#netns).catch(() => undefined);
      if (config.mtu !== null) await setMtu(config.name, config.mtu, this.#netns);
      await setLinkUp(config.name, true, this.#netns);
      this.#txWorker = this.#startWorker({ role: "tx", tapFd: this.#tapFd, slotBits: config.slotBits, shared: this.#shared });
      // Read loops take a second or two to load: members are taken over one after another, loops start together.
      const ready: Promise<void>[] = [this.#waitForReady(this.#txWorker)];
      let firstFailure: unknown = null;
      for (const ifname of members) {
        let launched: () => void = () => {};
        const launch = new Promise<void>((resolve) => (launched = resolve));
        const enslaved = this.#enslave(ifname, launched);
        enslaved.catch((error: unknown) => (firstFailure ??= error));
        ready.push(enslaved);
        await Promise.race([enslaved, launch]);
        if (firstFailure) throw firstFailure;
      }
      const outcomes = await Promise.allSettled(ready);
      const failed = outcomes.find((outcome) => outcome.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
    } catch (error) {
      await this.down();
      throw error;
    }
  }

  async down(): Promise<void> {
    const failures: string[] = [];
    for (const ifname of [...this.#members.keys()].reverse()) {
      try {
        await this.removeMember(ifname);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    if (this.#shared) Atomics.store(new Int32Array(this.#shared.control), CONTROL_STOP_ALL, 1);
    if (this.#txWorker) await this.#waitForExit(this.#txWorker);
    this.#txWorker = null;
    closeFd(this.#tapFd); // the TAP device is not persistent: closing its last fd deletes it
    this.#tapFd = -1;
    this.#config = null;
    this.#shared = null;
    if (failures.length) throw new TeamError("kernel", "releasing members failed", failures.join("; "));
  }

  async addMember(ifname: string): Promise<void> {
    await this.#enslave(ifname);
  }

  /** Takes the member over (MAC, addresses, sysctls, socket) and starts its read loop; resolves once it runs. */
  async #enslave(ifname: string, onLaunched: () => void = () => {}): Promise<void> {
    const config = this.#requireUp();
    const shared = this.#shared!;
    if (this.#members.has(ifname)) throw new TeamError("apply-failed", `${ifname} is already a member`);
    if (ifname === config.name) throw new TeamError("apply-failed", `${ifname} is the team device itself`);
    const saved = await readInterface(ifname, this.#netns);
    const member: Member = { ifname, index: this.#freeIndex(), saved, savedSysctls: new Map(), fd: -1, worker: null, enabled: true };
    const index = member.index;
    this.#members.set(ifname, member);
    try {
      this.#beforeStep(`member ${ifname}`);
      const device = ["dev", ifname];
      await runIpBatch(
        [
          ["link", "set", ...device, "down"],
          ["link", "set", ...device, "address", config.mac],
          ...saved.addresses.map((cidr) => ["address", "del", cidr, ...device]),
          ...(config.mtu !== null ? [["link", "set", ...device, "mtu", String(config.mtu)]] : []),
        ],
        this.#netns,
      );
      const names = MEMBER_SYSCTLS.map(({ key }) => key(ifname));
      const originals = (await this.#sysctl(["-n", ...names])).split("\n");
      names.forEach((name, position) => member.savedSysctls.set(name, originals[position] ?? ""));
      await this.#sysctl(["-q", "-w", ...MEMBER_SYSCTLS.map(({ key, value }) => `${key(ifname)}=${value}`)]);
      await setLinkUp(ifname, true, this.#netns);
      member.fd = inNetworkNamespace(this.#netns, () =>
        openPacketSocket(ifname, { ignoreOutgoing: true, bufferBytes: SOCKET_BUFFER_BYTES }),
      );
      new Int32Array(shared.memberStop)[index] = 0;
      new Int32Array(shared.memberEnabled)[index] = 1;
      const counters = new Float64Array(shared.memberCounters);
      counters.fill(0, index * COUNTERS_PER_MEMBER, (index + 1) * COUNTERS_PER_MEMBER);
      Atomics.store(new Int32Array(shared.memberFd), index, member.fd);
      member.worker = this.#startWorker({
        role: "rx",
        tapFd: this.#tapFd,
        memberIndex: index,
        memberFd: member.fd,
        teamMac: config.mac.split(":").map((octet) => parseInt(octet, 16)),
        shared,
      });
      onLaunched();
      await this.#waitForReady(member.worker);
    } catch (error) {
      try {
        await this.removeMember(ifname);
      } catch {
        // The original error says what went wrong; removeMember restored what it could.
      }
      throw error;
    }
  }

  async removeMember(ifname: string): Promise<void> {
    const member = this.#members.get(ifname);
    if (!member) throw new TeamError("member-unknown", `${ifname} is not a member of the team`);
    const shared = this.#shared!;
    // Nothing may send through the fd once it is closed: unhook it from the table, let the TX loop turn twice.
    const slotMember = new Int32Array(shared.slotMember);
    for (let slot = 0; slot < slotMember.length; slot++) {
      if (Atomics.load(slotMember, slot) === member.index) Atomics.store(slotMember, slot, -1);
    }
    const control = new Int32Array(shared.control);
    if (Atomics.load(control, CONTROL_BROADCAST_MEMBER) === member.index) Atomics.store(control, CONTROL_BROADCAST_MEMBER, -1);
    Atomics.store(new Int32Array(shared.memberFd), member.index, -1);
    await this.#waitForTxTurns();
    Atomics.store(new Int32Array(shared.memberStop), member.index, 1);
    if (member.worker) await this.#waitForExit(member.worker);
    closeFd(member.fd);
    this.#members.delete(ifname);
    const failures = await restoreInterface(member.saved, this.#netns);
    const sysctls = [...member.savedSysctls].filter(([, value]) => value !== "").map(([name, value]) => `${name}=${value}`);
    if (sysctls.length) {
      try {
        await this.#sysctl(["-q", "-w", ...sysctls]);
      } catch (error) {
        if (await interfaceExists(ifname, this.#netns)) failures.push((error as Error).message);
      }
    }
    if (failures.length) throw new TeamError("kernel", `restoring ${ifname}`, failures.join("; "));
  }

  async setMemberEnabled(ifname: string, enabled: boolean): Promise<void> {
    const member = this.#members.get(ifname);
    if (!member) throw new TeamError("member-unknown", `${ifname} is not a member of the team`);
    if (!enabled && new Int32Array(this.#shared!.slotMember).includes(member.index)) {
      throw new TeamError("apply-failed", `${ifname} still owns slots; apply a table without it before disabling it`);
    }
    member.enabled = enabled;
    Atomics.store(new Int32Array(this.#shared!.memberEnabled), member.index, enabled ? 1 : 0);
  }

  async applyTable(slots: readonly (string | null)[]): Promise<void> {
    const config = this.#requireUp();
    const size = 2 ** config.slotBits;
    if (slots.length !== size) throw new TeamError("apply-failed", `the table needs ${size} slots, got ${slots.length}`);
    const indexes = slots.map((owner, slot) => {
      if (owner === null) return -1;
      const member = this.#members.get(owner);
      if (!member) throw new TeamError("member-unknown", `slot ${slot} names ${owner}, which is not a member`);
      if (!member.enabled) throw new TeamError("apply-failed", `slot ${slot} names ${owner}, which is disabled`);
      return member.index;
    });
    const slotMember = new Int32Array(this.#shared!.slotMember);
    indexes.forEach((index, slot) => Atomics.store(slotMember, slot, index));
  }

  async setBroadcastMember(ifname: string | null): Promise<void> {
    this.#requireUp();
    let index = -1;
    if (this.#config!.broadcastReceive === "all") index = ALL_MEMBERS;
    else if (ifname !== null) {
      const member = this.#members.get(ifname);
      if (!member) throw new TeamError("member-unknown", `${ifname} is not a member of the team`);
      index = member.index;
    }
    Atomics.store(new Int32Array(this.#shared!.control), CONTROL_BROADCAST_MEMBER, index);
  }

  async stats(): Promise<BackendStats> {
    const config = this.#requireUp();
    if (this.#workerFailure) throw new TeamError("kernel", "a read loop stopped", this.#workerFailure);
    const counters = new Float64Array(this.#shared!.memberCounters);
    const members: MemberCounters[] = [...this.#members.values()].map((member) => {
      const base = member.index * COUNTERS_PER_MEMBER;
      return {
        ifname: member.ifname,
        txFrames: counters[base + COUNTER_TX_FRAMES]!,
        txBytes: counters[base + COUNTER_TX_BYTES]!,
        rxFrames: counters[base + COUNTER_RX_FRAMES]!,
        rxBytes: counters[base + COUNTER_RX_BYTES]!,
        rxDropped: counters[base + COUNTER_RX_DROPPED]!,
      };
    });
    const slotTxBytes = [...new Float64Array(this.#shared!.slotTxBytes).subarray(0, 2 ** config.slotBits)];
    return { members, slotTxBytes, txDropped: this.txDropped() };
  }

  /** Frames the operating system sent that no member could take (empty slot or a send error). */
  txDropped(): number {
    return this.#shared ? new Float64Array(this.#shared.txDropped)[0]! : 0;
  }

  #requireUp(): TeamConfig {
    if (!this.#config || !this.#shared) throw new TeamError("not-running", "the team is not up");
    return this.#config;
  }

  #freeIndex(): number {
    const used = new Set([...this.#members.values()].map((member) => member.index));
    for (let index = 0; index < MAX_MEMBERS; index++) if (!used.has(index)) return index;
    throw new TeamError("apply-failed", `a team has at most ${MAX_MEMBERS} members`);
  }

  #startWorker(task: WorkerTask): Worker {
    const worker = startTypeScriptWorker(WORKER_MODULE, task);
    worker.on("error", (error) => {
      this.#workerFailure = `${task.role} loop: ${error.message}`;
    });
    worker.unref();
    return worker;
  }

  /** A worker is ready once its module loaded and its loop is about to start (loading takes a second or two). */
  #waitForReady(worker: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      const timeout = setTimeout(() => reject(new TeamError("kernel", "a read loop did not start within 30 s")), 30_000);
      const onMessage = (message: unknown): void => {
        if (message !== "ready") return;
        clearTimeout(timeout);
        worker.off("error", onError);
        resolve();
      };
      const onError = (error: Error): void => {
        clearTimeout(timeout);
        reject(new TeamError("kernel", "a read loop failed to start", error.message));
      };
      worker.on("message", onMessage);
      worker.once("error", onError);
    });
  }

  #waitForExit(worker: Worker): Promise<void> {
    return new Promise((resolve) => {
      const timeout = setTimeout(() => {
        void worker.terminate().then(() => resolve());
      }, POLL_TIMEOUT_MS * 20);
      worker.once("exit", () => {
        clearTimeout(timeout);
        resolve();
      });
    });
  }

  async #waitForTxTurns(): Promise<void> {
    if (!this.#txWorker || !this.#shared) return;
    const control = new Int32Array(this.#shared.control);
    const start = Atomics.load(control, CONTROL_TX_TURNS);
    const deadline = Date.now() + POLL_TIMEOUT_MS * 20;
    while (Atomics.load(control, CONTROL_TX_TURNS) - start < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  #sysctl(args: string[]): Promise<string> {
    const [command, fullArgs] = this.#netns ? ["ip", ["netns", "exec", this.#netns, "sysctl", ...args]] : ["sysctl", args];
    return new Promise((resolve, reject) => {
      execFile(command, fullArgs as string[], (error, stdout, stderr) => {
        if (error) reject(new TeamError("kernel", `sysctl ${args.join(" ")} failed`, (stderr || error.message).trim()));
        else resolve(stdout.trim());
      });
    });
  }
}

