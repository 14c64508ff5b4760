// Starts one of the lab's TypeScript programs (hosts/lab/*.ts) as a Node child, inside a network namespace with
// `ip netns exec` (which execs node in place, so the child's pid is node's and an IPC channel's fd passes through), or
// in this process's namespace when `netns` is null. `--import tsx` resolves from the repository root.
import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");

export function spawnLabScript(netns: string | null, script: string, args: readonly string[], stdio: StdioOptions): ChildProcess {
  const command = [process.execPath, "--import", "tsx", join(HERE, script), ...args];
  const [file, ...rest] = netns ? ["ip", "netns", "exec", netns, ...command] : command;
  return spawn(file, rest, { cwd: ROOT, stdio });
}
