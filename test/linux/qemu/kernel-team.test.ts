// The kernel team backend against the real team driver: this machine's kernel has no team module, so the test
// boots Debian's kernel under qemu-system-x86_64 (TCG) with a busybox initramfs, shares this machine's root
// read-only over 9p so the same node and repository run inside, loads team + team_mode_loadbalance, and runs
// in-vm.ts against veth members. setup.sh (called here) installs qemu-system-x86, busybox-static and cpio with
// apt-get and unpacks linux-image-*-amd64 into build/qemu/ once. Each check printed inside becomes a subtest.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const SETUP_TIMEOUT_MS = 15 * 60_000; // the first run downloads qemu and a kernel package
const VM_TIMEOUT_MS = 6 * 60_000; // boot + test + power-off; about a minute on a loaded 2-core machine
const EXPECTED_CHECKS = 22;

interface SetupResult {
  kernel: string;
  initramfs: string;
  release: string;
  qemu: string;
}

interface Check {
  name: string;
  ok: boolean;
  detail: unknown;
}

function runVm(setup: SetupResult): Promise<{ output: string; exitCode: number | null; seconds: number }> {
  const started = Date.now();
  const args = [
    "-machine", "q35",
    "-accel", "tcg,thread=multi,tb-size=1024",
    "-cpu", "max",
    "-m", "1536",
    "-smp", "2",
    "-nographic",
    "-no-reboot",
    "-nic", "none",
    "-kernel", setup.kernel,
    "-initrd", setup.initramfs,
    "-append", "console=ttyS0 quiet panic=-1",
    "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
  ];
  return new Promise((resolve, reject) => {
    const vm = spawn(setup.qemu, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    vm.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("latin1")));
    vm.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("latin1")));
    const timer = setTimeout(() => {
      vm.kill("SIGKILL");
      reject(new Error(`the VM did not power off within ${VM_TIMEOUT_MS / 1000} s; its output:\n${output.slice(-4000)}`));
    }, VM_TIMEOUT_MS);
    vm.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    vm.on("close", (exitCode) => {
      clearTimeout(timer);
      resolve({ output, exitCode, seconds: (Date.now() - started) / 1000 });
    });
  });
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const skipReason = process.platform !== "linux" || process.arch !== "x64" ? "needs Linux on x86_64" : !isRoot ? "needs root (apt-get, 9p share of /)" : false;

test("kernel team backend inside QEMU with Debian's kernel", { skip: skipReason, timeout: SETUP_TIMEOUT_MS + VM_TIMEOUT_MS }, async (t) => {
  const { stdout } = await promisify(execFile)("bash", [join(here, "setup.sh")], { timeout: SETUP_TIMEOUT_MS, maxBuffer: 16 << 20 });
  const setup = JSON.parse(stdout.trim().split("\n").pop()!) as SetupResult;
  const run = await runVm(setup);
  const checks: Check[] = [];
  let exitStatus: number | null = null;
  for (const line of run.output.split(/\r?\n/)) {
    const checkAt = line.indexOf("ONEMAC-CHECK ");
    if (checkAt >= 0) checks.push(JSON.parse(line.slice(checkAt + "ONEMAC-CHECK ".length)) as Check);
    const exit = /ONEMAC-EXIT (\d+)/.exec(line);
    if (exit) exitStatus = Number(exit[1]);
  }
  t.diagnostic(`kernel ${setup.release}; VM boot + test + power-off took ${run.seconds.toFixed(1)} s`);
  for (const check of checks) {
    await t.test(check.name, () => {
      assert.ok(check.ok, `${check.name}: ${JSON.stringify(check.detail)}`);
    });
  }
  assert.equal(exitStatus, 0, `the in-VM test exited with ${exitStatus}; VM output:\n${run.output.slice(-4000)}`);
  assert.equal(checks.length, EXPECTED_CHECKS, `expected ${EXPECTED_CHECKS} checks from the VM, got ${checks.length}`);
});
