// iproute2 as a library: every call names its namespace (null = the caller's) and fails with a TeamError
// carrying ip's own message.
import { execFile } from "node:child_process";
import { TeamError } from "./errors";

export function runIp(args: readonly string[], netns: string | null = null): Promise<string> {
  const fullArgs = netns ? ["-n", netns, ...args] : [...args];
  return new Promise((resolve, reject) => {
    execFile("ip", fullArgs, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const message = (stderr || error.message).trim();
        reject(new TeamError("kernel", `ip ${fullArgs.join(" ")} failed`, message));
      } else resolve(stdout);
    });
  });
}

/** tc (iproute2's traffic control) in the named namespace; fails with a TeamError carrying tc's message. */
export function runTc(args: readonly string[], netns: string | null = null): Promise<string> {
  const fullArgs = netns ? ["-n", netns, ...args] : [...args];
  return new Promise((resolve, reject) => {
    execFile("tc", fullArgs, (error, stdout, stderr) => {
      if (error) reject(new TeamError("kernel", `tc ${fullArgs.join(" ")} failed`, (stderr || error.message).trim()));
      else resolve(stdout);
    });
  });
}

/**
 * Several ip commands in one process (`ip -batch -`): stops at the first failing line and says which.
 * Each line is an argument list, as for runIp.
 */
export function runIpBatch(lines: readonly (readonly string[])[], netns: string | null = null): Promise<void> {
  if (lines.length === 0) return Promise.resolve();
  const args = [...(netns ? ["-n", netns] : []), "-batch", "-"];
  return new Promise((resolve, reject) => {
    const child = execFile("ip", args, (error, _stdout, stderr) => {
      if (error) reject(new TeamError("kernel", `ip ${lines.map((line) => line.join(" ")).join("; ")} failed`, (stderr || error.message).trim()));
      else resolve();
    });
    child.stdin!.end(lines.map((line) => line.join(" ")).join("\n") + "\n");
  });
}

export interface InterfaceState {
  readonly ifname: string;
  readonly ifindex: number;
  readonly mac: string;
  readonly adminUp: boolean;
  readonly mtu: number;
  /** Addresses with scope global, as "address/prefix". */
  readonly addresses: readonly string[];
}

interface IpJsonAddress {
  ifindex: number;
  ifname: string;
  address?: string;
  mtu: number;
  flags?: string[];
  addr_info?: { local: string; prefixlen: number; scope?: string; family?: string }[];
}

export async function readInterface(ifname: string, netns: string | null): Promise<InterfaceState> {
  const output = await runIp(["-json", "address", "show", "dev", ifname], netns);
  const [entry] = JSON.parse(output) as IpJsonAddress[];
  if (!entry) throw new TeamError("kernel", `interface ${ifname} not found`);
  return {
    ifname: entry.ifname,
    ifindex: entry.ifindex,
    mac: (entry.address ?? "").toLowerCase(),
    adminUp: (entry.flags ?? []).includes("UP"),
    mtu: entry.mtu,
    addresses: (entry.addr_info ?? []).filter((info) => (info.scope ?? "global") === "global").map((info) => `${info.local}/${info.prefixlen}`),
  };
}

export async function interfaceExists(ifname: string, netns: string | null): Promise<boolean> {
  try {
    await runIp(["link", "show", "dev", ifname], netns);
    return true;
  } catch {
    return false;
  }
}

export async function setLinkUp(ifname: string, up: boolean, netns: string | null): Promise<void> {
  await runIp(["link", "set", "dev", ifname, up ? "up" : "down"], netns);
}

/** Sets the MAC; the interface is taken down for the change (many drivers refuse it while up) and left down. */
export async function setMac(ifname: string, mac: string, netns: string | null): Promise<void> {
  await runIp(["link", "set", "dev", ifname, "down"], netns);
  await runIp(["link", "set", "dev", ifname, "address", mac], netns);
}

export async function setMtu(ifname: string, mtu: number, netns: string | null): Promise<void> {
  await runIp(["link", "set", "dev", ifname, "mtu", String(mtu)], netns);
}

export async function addAddress(ifname: string, cidr: string, netns: string | null): Promise<void> {
  await runIp(["address", "add", cidr, "dev", ifname], netns);
}

export async function removeAddress(ifname: string, cidr: string, netns: string | null): Promise<void> {
  await runIp(["address", "del", cidr, "dev", ifname], netns);
}

/** Puts an interface back as it was recorded: MAC, MTU, addresses, then up/down. Best effort, every step tried. */
export async function restoreInterface(saved: InterfaceState, netns: string | null): Promise<string[]> {
  const failures: string[] = [];
  const attempt = async (step: () => Promise<void>): Promise<void> => {
    try {
      await step();
    } catch (error) {
      failures.push((error as Error).message);
    }
  };
  let now: InterfaceState;
  try {
    now = await readInterface(saved.ifname, netns);
  } catch {
    return failures; // unplugged: nothing to put back
  }
  const device = ["dev", saved.ifname];
  const lines: string[][] = [];
  if (now.mac !== saved.mac) lines.push(["link", "set", ...device, "down"], ["link", "set", ...device, "address", saved.mac]);
  if (now.mtu !== saved.mtu) lines.push(["link", "set", ...device, "mtu", String(saved.mtu)]);
  for (const cidr of saved.addresses) if (!now.addresses.includes(cidr)) lines.push(["address", "add", cidr, ...device]);
  lines.push(["link", "set", ...device, saved.adminUp ? "up" : "down"]);
  await attempt(() => runIpBatch(lines, netns));
  if (failures.length) {
    // One line failed: try each on its own so everything that can be put back is.
    failures.length = 0;
    for (const line of lines) await attempt(() => runIp(line, netns).then(() => {}));
  }
  return failures;
}

/** The controller's addressing of the team device through iproute2. */
export class IpAddressing {
  readonly #netns: string | null;
  constructor(netns: string | null = null) {
    this.#netns = netns;
  }
  add(ifname: string, cidr: string): Promise<void> {
    return addAddress(ifname, cidr, this.#netns);
  }
  remove(ifname: string, cidr: string): Promise<void> {
    return removeAddress(ifname, cidr, this.#netns);
  }
}
