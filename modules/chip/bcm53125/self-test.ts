// Checks of the BCM53125's named assumptions (./assumptions.ts) on the silicon at hand, for a console to run.
// Each check reports a verdict about one named assumption: "holds", "fails" or "inconclusive", with the evidence.
// The checks change the address table only for their own duration and put everything back.
//
//   search-advance   SEARCH_ADVANCES_AFTER_RESULT_1: adds a few static entries in the locally administered range,
//                    dumps the table, and checks every one was seen exactly once (no pair skipped or repeated).
//   static-relearn   STATIC_ENTRY_MAY_BE_RELEARNED: needs a host that is sending. Its MAC, learned on port P, gets a
//                    static entry pointing at another port Q; after a wait, the entry either moved back to P (the
//                    assumption holds: static entries are re-learned) or stayed on Q (it fails: they are not, and a
//                    trunk may keep learning on its switch-to-switch port). P's receive counters must have moved,
//                    or the result is inconclusive. While it runs, frames to that host go out of port Q.
//   cfp ...          the CFP's UNCERTAIN facts (U1..U16): `cfp`, a Bcm53125CfpSelfTest (./cfp-self-test.ts).

import type { Scheduler } from "../../clock";
import { InvalidArgumentError, OnemacError } from "../../errors";
import { formatMac, isMac, isMulticastMac, parseMac } from "../../mac";
import type { ArlEntry, ChipInfo, PortCounters, SwitchChip } from "../switch-chip";
import { newArlEntry, newPortCounters } from "../switch-chip";
import { SEARCH_ADVANCES_AFTER_RESULT_1, STATIC_ENTRY_MAY_BE_RELEARNED, type NamedAssumption } from "./assumptions";
import { Bcm53125CfpSelfTest } from "./cfp-self-test";
import { Bcm53125 } from "./driver";

export type Verdict = "holds" | "fails" | "inconclusive";

export interface SelfTestResult {
  check: string;
  assumption: NamedAssumption;
  verdict: Verdict;
  /** What was observed, in words a user can act on. */
  evidence: string;
}

export interface StaticRelearnRequest {
  /** MAC of a host that is sending now, learned dynamically on some port. */
  mac: number | string;
  /** Port the test entry points at (default: the lowest front-panel port other than the host's). */
  port?: number;
  /** How long to wait for the host's frames (default 5000 ms, 100..60000). */
  waitMs?: number;
  vid?: number;
}

export type SelfTestState =
  | { state: "idle"; last?: SelfTestResult }
  | { state: "running"; check: string; endsInMs: number };

/** MACs the search check installs: locally administered, "onemac" in the OUI bytes. */
const PROBE_MAC_BASE = 0x026f6e000000;
const PROBE_ENTRIES = 6;

function rxFrames(c: PortCounters): number {
  return c.rxUnicast + c.rxMulticast + c.rxBroadcast;
}

export class Bcm53125SelfTest {
  readonly #chip: SwitchChip;
  readonly #info: ChipInfo;
  readonly #scheduler: Scheduler;
  readonly #log: (line: string) => void;
  readonly #entry: ArlEntry = newArlEntry();
  #running: { check: string; endsAt: number; timer: unknown; mac: number; vid: number } | undefined;
  #last: SelfTestResult | undefined;
  /** The CFP checks (absent on a chip driver without raw CFP access). One runs at a time, with the checks here. */
  readonly cfp: Bcm53125CfpSelfTest | undefined;

  constructor(options: { chip: SwitchChip; info: ChipInfo; scheduler: Scheduler; log?: (line: string) => void }) {
    this.#chip = options.chip;
    this.#info = options.info;
    this.#scheduler = options.scheduler;
    this.#log = options.log ?? (() => {});
    const chip = options.chip;
    this.cfp =
      chip instanceof Bcm53125
        ? new Bcm53125CfpSelfTest({ chip, cfp: chip.cfp, info: options.info, scheduler: options.scheduler, log: this.#log, otherBusy: () => this.#running?.check })
        : undefined;
  }

  status(): SelfTestState {
    if (this.#running) return { state: "running", check: this.#running.check, endsInMs: Math.max(0, this.#running.endsAt - this.#scheduler.now()) };
    return this.#last ? { state: "idle", last: this.#last } : { state: "idle" };
  }

  #finish(result: SelfTestResult): SelfTestResult {
    this.#last = result;
    this.#log(`self-test ${result.check}: ${result.assumption.name} ${result.verdict.toUpperCase()}: ${result.evidence}`);
    return result;
  }

  #busy(): void {
    const running = this.#running?.check ?? this.cfp?.running;
    if (running) throw new OnemacError("chip-error", `self-test ${running} is still running`);
  }

  /** SEARCH_ADVANCES_AFTER_RESULT_1, synchronously. */
  searchAdvance(): SelfTestResult {
    this.#busy();
    const assumption = SEARCH_ADVANCES_AFTER_RESULT_1;
    const chip = this.#chip;
    const added: number[] = [];
    try {
      for (let i = 0; i < PROBE_ENTRIES; i++) {
        const mac = PROBE_MAC_BASE + i * 0x010101;
        if (chip.arlLookup(mac, 0, this.#entry)) continue; // already there (an earlier run interrupted): leave it
        try {
          chip.arlAdd({ mac, vid: 0, port: this.#info.userPorts[0], isStatic: true, age: false });
          added.push(mac);
        } catch (error) {
          if (!(error instanceof OnemacError) || error.code !== "arl-bucket-full") throw error;
        }
      }
      if (added.length < 2)
        return this.#finish({ check: "search-advance", assumption, verdict: "inconclusive", evidence: "could not add test entries (their buckets are full)" });
      const seen = new Array<number>(added.length).fill(0);
      let total = 0;
      chip.arlDump((entry) => {
        total++;
        const index = added.indexOf(entry.mac);
        if (index >= 0) seen[index]++;
      });
      const missing = added.filter((_, i) => seen[i] === 0).length;
      const repeated = added.filter((_, i) => seen[i] > 1).length;
      const verdict: Verdict = missing === 0 && repeated === 0 ? "holds" : "fails";
      return this.#finish({
        check: "search-advance",
        assumption,
        verdict,
        evidence: `${added.length} test entries: ${added.length - missing} seen, ${missing} missing, ${repeated} seen twice or more; ${total} entries in the dump`,
      });
    } finally {
      for (let i = 0; i < added.length; i++) chip.arlDelete(added[i], 0);
    }
  }

  /**
   * Starts STATIC_ENTRY_MAY_BE_RELEARNED; the result arrives after `waitMs` (status(), the log, and `done`).
   * Validates everything before it touches the chip.
   */
  startStaticRelearn(request: StaticRelearnRequest, done?: (result: SelfTestResult) => void): SelfTestState {
    this.#busy();
    const mac = typeof request.mac === "string" ? parseMac(request.mac) : request.mac;
    if (!isMac(mac) || isMulticastMac(mac)) throw new InvalidArgumentError(`${String(request.mac)} is not a unicast MAC`);
    const vid = request.vid ?? 0;
    const waitMs = request.waitMs ?? 5000;
    if (!Number.isFinite(waitMs) || waitMs < 100 || waitMs > 60000) throw new InvalidArgumentError(`waitMs must be 100..60000, not ${waitMs}`);
    const chip = this.#chip;
    const found = chip.arlLookup(mac, vid, this.#entry);
    if (!found || this.#entry.isStatic)
      throw new InvalidArgumentError(`${formatMac(mac)} is not a learned (dynamic) address: pick a host that is sending now`);
    const hostPort = this.#entry.port;
    if (((chip.getLearningDisabled() >>> hostPort) & 1) === 1)
      throw new InvalidArgumentError(`port ${hostPort}, where ${formatMac(mac)} is, does not learn (a trunk member?): pick a host on a plain port`);
    const ports = this.#info.userPorts;
    let testPort = request.port ?? -1;
    if (request.port === undefined) for (let i = 0; i < ports.length && testPort < 0; i++) if (ports[i] !== hostPort) testPort = ports[i];
    if (ports.indexOf(testPort) < 0 || testPort === hostPort)
      throw new InvalidArgumentError(`port ${testPort} must be a front-panel port other than ${hostPort}`);

    const before = rxFrames(chip.readPortCounters(hostPort, newPortCounters()));
    chip.arlAdd({ mac, vid, port: testPort, isStatic: true, age: false });
    const startedAt = this.#scheduler.now();
    this.#log(`self-test static-relearn: ${formatMac(mac)} pinned to port ${testPort} for ${waitMs} ms (it was learned on port ${hostPort})`);
    const timer = this.#scheduler.repeat(() => {
      if (this.#scheduler.now() - startedAt < waitMs) return;
      this.#scheduler.clear(timer);
      this.#running = undefined;
      const result = this.#concludeRelearn(mac, vid, hostPort, testPort, before);
      if (done) done(result);
    }, Math.min(waitMs, 100));
    this.#running = { check: "static-relearn", endsAt: startedAt + waitMs, timer, mac, vid };
    return this.status();
  }

  #concludeRelearn(mac: number, vid: number, hostPort: number, testPort: number, rxBefore: number): SelfTestResult {
    const chip = this.#chip;
    const assumption = STATIC_ENTRY_MAY_BE_RELEARNED;
    const received = rxFrames(chip.readPortCounters(hostPort, newPortCounters())) - rxBefore;
    const found = chip.arlLookup(mac, vid, this.#entry);
    const port = this.#entry.port;
    const isStatic = this.#entry.isStatic;
    // Put things back: without the test entry the host is learned again where it is.
    if (found) chip.arlDelete(mac, vid);
    const where = found ? `${isStatic ? "static" : "dynamic"} on port ${port}` : "gone";
    if (received === 0)
      return this.#finish({ check: "static-relearn", assumption, verdict: "inconclusive", evidence: `no frame arrived on port ${hostPort} during the wait; the entry is ${where}` });
    if (found && port === hostPort)
      return this.#finish({ check: "static-relearn", assumption, verdict: "holds", evidence: `after ${received} frames on port ${hostPort} the entry is ${where}: static entries are re-learned; keep learning off on switch-to-switch ports` });
    if (found && port === testPort && isStatic)
      return this.#finish({ check: "static-relearn", assumption, verdict: "fails", evidence: `after ${received} frames on port ${hostPort} the entry is still static on port ${testPort}: static entries are not re-learned; a trunk may keep learning on its switch-to-switch port` });
    return this.#finish({ check: "static-relearn", assumption, verdict: "inconclusive", evidence: `after ${received} frames on port ${hostPort} the entry is ${where}` });
  }

  /** Stops a running check and removes its test entry (the host is then learned again where it is). */
  cancel(): boolean {
    const running = this.#running;
    if (!running) return false;
    this.#scheduler.clear(running.timer);
    this.#running = undefined;
    this.#chip.arlDelete(running.mac, running.vid);
    this.#log(`self-test ${running.check}: cancelled`);
    return true;
  }
}
