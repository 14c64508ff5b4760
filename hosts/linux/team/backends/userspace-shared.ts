// Memory shared between the userspace backend's main thread and its worker threads. The main thread writes
// the table, member fds and flags; each counter has exactly one writer thread.

export const MAX_MEMBERS = 64;
export const MAX_SLOTS = 256;
export const POLL_TIMEOUT_MS = 100;

/** Int32 control words. */
export const CONTROL_STOP_ALL = 0;
/** Incremented by the TX worker on every loop turn: the main thread waits for it to move before closing a fd. */
export const CONTROL_TX_TURNS = 1;
/** Member index on which broadcasts and multicasts are delivered, -1 for none, ALL_MEMBERS for every member. */
export const CONTROL_BROADCAST_MEMBER = 2;
export const CONTROL_WORDS = 4;
export const ALL_MEMBERS = 0x7fffffff;

/** Float64 counters per member. */
export const COUNTER_TX_FRAMES = 0;
export const COUNTER_TX_BYTES = 1;
export const COUNTER_RX_FRAMES = 2;
export const COUNTER_RX_BYTES = 3;
export const COUNTER_RX_DROPPED = 4;
export const COUNTERS_PER_MEMBER = 5;

export interface SharedBuffers {
  readonly control: SharedArrayBuffer;
  /** Int32 per slot: member index or -1. */
  readonly slotMember: SharedArrayBuffer;
  /** Int32 per member index: its AF_PACKET fd or -1. */
  readonly memberFd: SharedArrayBuffer;
  /** Int32 per member index: 1 asks its RX worker to stop. */
  readonly memberStop: SharedArrayBuffer;
  /** Int32 per member index: 1 when enabled. */
  readonly memberEnabled: SharedArrayBuffer;
  readonly memberCounters: SharedArrayBuffer;
  readonly slotTxBytes: SharedArrayBuffer;
  /** Float64: [frames sent by the OS that no member could take]. */
  readonly txDropped: SharedArrayBuffer;
}

export function allocateSharedBuffers(): SharedBuffers {
  const buffers: SharedBuffers = {
    control: new SharedArrayBuffer(CONTROL_WORDS * 4),
    slotMember: new SharedArrayBuffer(MAX_SLOTS * 4),
    memberFd: new SharedArrayBuffer(MAX_MEMBERS * 4),
    memberStop: new SharedArrayBuffer(MAX_MEMBERS * 4),
    memberEnabled: new SharedArrayBuffer(MAX_MEMBERS * 4),
    memberCounters: new SharedArrayBuffer(MAX_MEMBERS * COUNTERS_PER_MEMBER * 8),
    slotTxBytes: new SharedArrayBuffer(MAX_SLOTS * 8),
    txDropped: new SharedArrayBuffer(8),
  };
  new Int32Array(buffers.slotMember).fill(-1);
  new Int32Array(buffers.memberFd).fill(-1);
  new Int32Array(buffers.control)[CONTROL_BROADCAST_MEMBER] = -1;
  return buffers;
}

export type WorkerTask =
  | { readonly role: "tx"; readonly tapFd: number; readonly slotBits: number; readonly shared: SharedBuffers }
  | {
      readonly role: "rx";
      readonly tapFd: number;
      readonly memberIndex: number;
      readonly memberFd: number;
      readonly teamMac: readonly number[];
      readonly shared: SharedBuffers;
    };
