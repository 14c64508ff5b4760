// Read loops of the userspace backend, one per worker thread, blocking in poll(2) only when a
// non-blocking read finds nothing (so a busy link costs one read per frame and nothing else).
// TX: frame from the TAP -> slot = DA[5] & (N - 1) -> member's AF_PACKET socket.
// RX: frame from a member -> the TAP, if addressed to the team MAC, or a broadcast/multicast on the designated member.
import { parentPort, workerData } from "node:worker_threads";
import { EAGAIN, EINTR, readFd, waitReadable, writeFd } from "../sys";
import {
  ALL_MEMBERS,
  CONTROL_BROADCAST_MEMBER,
  CONTROL_STOP_ALL,
  CONTROL_TX_TURNS,
  COUNTER_RX_BYTES,
  COUNTER_RX_DROPPED,
  COUNTER_RX_FRAMES,
  COUNTER_TX_BYTES,
  COUNTER_TX_FRAMES,
  COUNTERS_PER_MEMBER,
  POLL_TIMEOUT_MS,
  type WorkerTask,
} from "./userspace-shared";

const FRAME_BUFFER_BYTES = 65536;
const ETHERNET_HEADER_BYTES = 14;

function runTx(task: Extract<WorkerTask, { role: "tx" }>): void {
  const control = new Int32Array(task.shared.control);
  const slotMember = new Int32Array(task.shared.slotMember);
  const memberFd = new Int32Array(task.shared.memberFd);
  const counters = new Float64Array(task.shared.memberCounters);
  const slotTxBytes = new Float64Array(task.shared.slotTxBytes);
  const txDropped = new Float64Array(task.shared.txDropped);
  const frame = Buffer.alloc(FRAME_BUFFER_BYTES);
  const pollBuffer = Buffer.alloc(8);
  const slotMask = (1 << task.slotBits) - 1;
  while (Atomics.load(control, CONTROL_STOP_ALL) === 0) {
    Atomics.add(control, CONTROL_TX_TURNS, 1);
    const length = readFd(task.tapFd, frame, FRAME_BUFFER_BYTES);
    if (length < 0) {
      if (length === -EAGAIN) waitReadable(pollBuffer, task.tapFd, POLL_TIMEOUT_MS);
      else if (length !== -EINTR) throw new Error(`reading the TAP device failed with errno ${-length}`);
      continue;
    }
    if (length < ETHERNET_HEADER_BYTES) continue;
    const slot = frame[5]! & slotMask;
    const member = Atomics.load(slotMember, slot);
    const fd = member >= 0 ? Atomics.load(memberFd, member) : -1;
    if (fd < 0 || writeFd(fd, frame, length) !== length) {
      txDropped[0]! += 1;
      continue;
    }
    const base = member * COUNTERS_PER_MEMBER;
    counters[base + COUNTER_TX_FRAMES]! += 1;
    counters[base + COUNTER_TX_BYTES]! += length;
    slotTxBytes[slot]! += length;
  }
}

function runRx(task: Extract<WorkerTask, { role: "rx" }>): void {
  const control = new Int32Array(task.shared.control);
  const memberStop = new Int32Array(task.shared.memberStop);
  const counters = new Float64Array(task.shared.memberCounters);
  const frame = Buffer.alloc(FRAME_BUFFER_BYTES);
  const pollBuffer = Buffer.alloc(8);
  const [mac0, mac1, mac2, mac3, mac4, mac5] = task.teamMac as [number, number, number, number, number, number];
  const base = task.memberIndex * COUNTERS_PER_MEMBER;
  while (Atomics.load(control, CONTROL_STOP_ALL) === 0 && Atomics.load(memberStop, task.memberIndex) === 0) {
    const length = readFd(task.memberFd, frame, FRAME_BUFFER_BYTES);
    if (length < 0) {
      if (length === -EAGAIN) waitReadable(pollBuffer, task.memberFd, POLL_TIMEOUT_MS);
      else if (length !== -EINTR) throw new Error(`reading member socket failed with errno ${-length}`);
      continue;
    }
    if (length < ETHERNET_HEADER_BYTES) continue;
    let deliver: boolean;
    if ((frame[0]! & 1) === 1) {
      const broadcastMember = Atomics.load(control, CONTROL_BROADCAST_MEMBER);
      deliver = broadcastMember === task.memberIndex || broadcastMember === ALL_MEMBERS;
    } else deliver = frame[0] === mac0 && frame[1] === mac1 && frame[2] === mac2 && frame[3] === mac3 && frame[4] === mac4 && frame[5] === mac5;
    if (!deliver || writeFd(task.tapFd, frame, length) !== length) {
      counters[base + COUNTER_RX_DROPPED]! += 1;
      continue;
    }
    counters[base + COUNTER_RX_FRAMES]! += 1;
    counters[base + COUNTER_RX_BYTES]! += length;
  }
}

const task = workerData as WorkerTask;
parentPort?.postMessage("ready");
if (task.role === "tx") runTx(task);
else runRx(task);
parentPort?.postMessage("stopped");
