// Which backend runs: "auto" takes the kernel team driver where it is present, else the userspace backend.
// "bonding" runs only when the configuration asks for it: it is a degraded mode, not the patent's table
// (docs/linux-bonding-degraded.md), and `status` says so.
import type { TeamBackend } from "./backend";
import type { TeamConfig } from "./config";
import { TeamError } from "./errors";
import { UserspaceBackend } from "./backends/userspace";

export interface BackendDecision {
  readonly backend: TeamBackend;
  /** Why this one (shown by `status` and logged at start). */
  readonly reason: string;
}

async function kernelTeam(): Promise<{ backend: TeamBackend | null; unavailable: string }> {
  try {
    const module = await import("./backends/kernel-team");
    const unavailable = await module.kernelTeamProbe.unavailableReason();
    if (unavailable === null) return { backend: new module.KernelTeamBackend(), unavailable: "" };
    return { backend: null, unavailable };
  } catch (error) {
    return { backend: null, unavailable: `the team backend could not be loaded: ${(error as Error).message}` };
  }
}

export async function chooseBackend(config: TeamConfig): Promise<BackendDecision> {
  switch (config.backend) {
    case "team": {
      const { backend, unavailable } = await kernelTeam();
      if (!backend) throw new TeamError("backend-unavailable", `backend "team" was asked for: ${unavailable}`);
      return { backend, reason: "configured: kernel team driver" };
    }
    case "userspace": {
      const unavailable = UserspaceBackend.unavailableReason();
      if (unavailable) throw new TeamError("backend-unavailable", `backend "userspace" was asked for: ${unavailable}`);
      return { backend: new UserspaceBackend(), reason: "configured: userspace (TAP + AF_PACKET)" };
    }
    case "bonding": {
      const { BondingBackend } = await import("./backends/bonding");
      const unavailable = BondingBackend.unavailableReason();
      if (unavailable) throw new TeamError("backend-unavailable", `backend "bonding" was asked for: ${unavailable}`);
      return { backend: new BondingBackend(), reason: "configured: bonding balance-xor/layer2 (degraded mode, see docs/linux-bonding-degraded.md)" };
    }
    case "auto": {
      const { backend, unavailable } = await kernelTeam();
      if (backend) return { backend, reason: "auto: kernel team driver present" };
      const userspaceUnavailable = UserspaceBackend.unavailableReason();
      if (userspaceUnavailable) throw new TeamError("backend-unavailable", `no backend can run: ${unavailable}; ${userspaceUnavailable}`);
      return { backend: new UserspaceBackend(), reason: `auto: userspace, because ${unavailable}` };
    }
  }
}
