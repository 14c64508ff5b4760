// Read loops of the userspace backend, one per worker thread, blocking in poll(2) only when a non-blocking
// read finds nothing. A system call costs far more than the FFI crossing here, so both loops batch:
// TX: up to TX_BATCH_FRAMES frames are read from the TAP (one read each), each classified by its slot
//     DA[5] & (N - 1), then every member gets its share in one sendmmsg(2).
// RX: one recvmmsg(2) takes up to RX_BATCH_FRAMES frames from a member; each frame goes to the TAP if it is
//     addressed to the team MAC, or is a broadcast/multicast and this member is the designated one.
import { parentPort, workerData } from "node:worker_threads";
import { EAGAIN, EINTR, ENETDOWN, readFd, waitReadable, writeFd } from "../sys";
import { FramePool, MessageVector } from "../message-vector";
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
  MAX_MEMBERS,
  POLL_TIMEOUT_MS,
  type WorkerTask,
} from "./userspace-shared";

const FRAME_BUFFER_BYTES = 65536;
const ETHERNET_HEADER_BYTES = 14;
/** Frames taken per wakeup; a batch also ends as soon as the queue is empty, so a lone frame is not delayed. */
const TX_BATCH_FRAMES = 32;
const RX_BATCH_FRAMES = 32;

function runTx(task: Extract<WorkerTask, { role: "tx" }>): void {
  const control = new Int32Array(task.shared.control);
  const slotMember = new Int32Array(task.shared.slotMember);
  const memberFd = new Int32Array(task.shared.memberFd);
  const counters = new Float64Array(task.shared.memberCounters);
  const slotTxBytes = new Float64Array(task.shared.slotTxBytes);
  const txDropped = new Float64Array(task.shared.txDropped);
  const pool = new FramePool(TX_BATCH_FRAMES, FRAME_BUFFER_BYTES);
  const pollBuffer = Buffer.alloc(8);
  const slotMask = (1 << task.slotBits) - 1;
  // Per member, made on its first frame: the messages of this batch, and each message's slot and length.
  const memberMessages: (MessageVector | null)[] = new Array<MessageVector | null>(MAX_MEMBERS).fill(null);
  const queuedCount = new Int32Array(MAX_MEMBERS);
  const queuedFd = new Int32Array(MAX_MEMBERS);
  const queuedSlot = new Int32Array(MAX_MEMBERS * TX_BATCH_FRAMES);
  const queuedLength = new Int32Array(MAX_MEMBERS * TX_BATCH_FRAMES);
  const membersInBatch = new Int32Array(MAX_MEMBERS);
  while (Atomics.load(control, CONTROL_STOP_ALL) === 0) {
    // A member's fd read after this increment is used (or dropped) before the next one, so once the main thread
    // has unhooked an fd and seen two more turns, nothing sends through it any more.
    Atomics.add(control, CONTROL_TX_TURNS, 1);
    let framesRead = 0;
    let memberCount = 0;
    while (framesRead < TX_BATCH_FRAMES) {
      const frame = pool.frames[framesRead]!;
      const length = readFd(task.tapFd, frame, FRAME_BUFFER_BYTES);
      if (length < 0) {
        if (length === -EAGAIN) break;
        if (length === -EINTR) continue;
        throw new Error(`reading the TAP device failed with errno ${-length}`);
      }
      if (length < ETHERNET_HEADER_BYTES) continue;
      const slot = frame[5]! & slotMask;
      const member = Atomics.load(slotMember, slot);
      const fd = member >= 0 ? Atomics.load(memberFd, member) : -1;
      if (fd < 0) {
        txDropped[0]! += 1;
        continue;
      }
      const messages = (memberMessages[member] ??= new MessageVector(TX_BATCH_FRAMES));
      const entry = queuedCount[member]!;
      if (entry === 0) {
        membersInBatch[memberCount++] = member;
        queuedFd[member] = fd;
      }
      messages.point(entry, pool, framesRead, length);
      queuedSlot[member * TX_BATCH_FRAMES + entry] = slot;
      queuedLength[member * TX_BATCH_FRAMES + entry] = length;
      queuedCount[member] = entry + 1;
      framesRead++;
    }
    if (framesRead === 0) {
      waitReadable(pollBuffer, task.tapFd, POLL_TIMEOUT_MS);
      continue;
    }
    for (let position = 0; position < memberCount; position++) {
      const member = membersInBatch[position]!;
      const count = queuedCount[member]!;
      queuedCount[member] = 0;
      const messages = memberMessages[member]!;
      const base = member * COUNTERS_PER_MEMBER;
      let next = 0;
      while (next < count) {
        const sent = messages.sendTo(queuedFd[member]!, next, count - next);
        if (sent <= 0) {
          // The first message of the rest was refused (queue full, link down): drop it, carry on with the others.
          txDropped[0]! += 1;
          next++;
          continue;
        }
        for (let entry = next; entry < next + sent; entry++) {
          const length = queuedLength[member * TX_BATCH_FRAMES + entry]!;
          counters[base + COUNTER_TX_FRAMES]! += 1;
          counters[base + COUNTER_TX_BYTES]! += length;
          slotTxBytes[queuedSlot[member * TX_BATCH_FRAMES + entry]!]! += length;
        }
        next += sent;
      }
    }
  }
}

function runRx(task: Extract<WorkerTask, { role: "rx" }>): void {
  const control = new Int32Array(task.shared.control);
  const memberStop = new Int32Array(task.shared.memberStop);
  const counters = new Float64Array(task.shared.memberCounters);
  const pool = new FramePool(RX_BATCH_FRAMES, FRAME_BUFFER_BYTES);
  const messages = new MessageVector(RX_BATCH_FRAMES);
  for (let entry = 0; entry < RX_BATCH_FRAMES; entry++) messages.point(entry, pool, entry, FRAME_BUFFER_BYTES);
  const pollBuffer = Buffer.alloc(8);
  const [mac0, mac1, mac2, mac3, mac4, mac5] = task.teamMac as [number, number, number, number, number, number];
  const base = task.memberIndex * COUNTERS_PER_MEMBER;
  while (Atomics.load(control, CONTROL_STOP_ALL) === 0 && Atomics.load(memberStop, task.memberIndex) === 0) {
    const received = messages.receiveFrom(task.memberFd, RX_BATCH_FRAMES);
    if (received < 0) {
      if (received === -EAGAIN) waitReadable(pollBuffer, task.memberFd, POLL_TIMEOUT_MS);
      // ENETDOWN: the member was taken down since the last read; reported once, then the socket carries on.
      else if (received !== -EINTR && received !== -ENETDOWN) throw new Error(`reading member socket failed with errno ${-received}`);
      continue;
    }
    const broadcastMember = Atomics.load(control, CONTROL_BROADCAST_MEMBER);
    const deliversBroadcasts = broadcastMember === task.memberIndex || broadcastMember === ALL_MEMBERS;
    for (let entry = 0; entry < received; entry++) {
      const frame = pool.frames[entry]!;
      const length = messages.receivedLength(entry);
      let deliver: boolean;
      if (length < ETHERNET_HEADER_BYTES || messages.truncated(entry)) deliver = false;
      else if ((frame[0]! & 1) === 1) deliver = deliversBroadcasts;
      else deliver = frame[0] === mac0 && frame[1] === mac1 && frame[2] === mac2 && frame[3] === mac3 && frame[4] === mac4 && frame[5] === mac5;
      if (!deliver || writeFd(task.tapFd, frame, length) !== length) {
        counters[base + COUNTER_RX_DROPPED]! += 1;
        continue;
      }
      counters[base + COUNTER_RX_FRAMES]! += 1;
      counters[base + COUNTER_RX_BYTES]! += length;
    }
  }
}

const task = workerData as WorkerTask;
parentPort?.postMessage("ready");
if (task.role === "tx") runTx(task);
else runRx(task);
parentPort?.postMessage("stopped");
