// The team driver's transmit hash as a classic BPF program (the kernel option `bpf_hash_func`).
// The patent's table index is the low M bits of the destination MAC; DA[5] is byte 5 of the Ethernet frame, so
//   ldb [5]        A = frame[5]                     BPF_LD | BPF_B | BPF_ABS  = 0x30
//   and #N-1       A = A & (N - 1)                  BPF_ALU | BPF_AND | BPF_K = 0x54
//   ret a          return A                         BPF_RET | BPF_A           = 0x16
// Instruction layout (struct sock_filter, include/uapi/linux/filter.h): code u16, jt u8, jf u8, k u32,
// little-endian, 8 bytes each (shared/facts/linux-teaming.md gives the same encodings).
// The driver folds the 32-bit result to a byte by XOR of its four bytes (team_mode_loadbalance.c,
// lb_get_skb_hash); our result is at most 255, so bytes 1..3 are zero and the fold is the identity.

export const BPF_LD_B_ABS = 0x30;
export const BPF_ALU_AND_K = 0x54;
export const BPF_RET_A = 0x16;
export const BPF_INSTRUCTION_BYTES = 8;
/** Offset of DA[5], the last octet of the destination MAC, in an Ethernet frame. */
export const DESTINATION_MAC_LAST_OCTET_OFFSET = 5;

export interface BpfInstruction {
  readonly code: number;
  readonly jumpTrue: number;
  readonly jumpFalse: number;
  readonly constant: number;
}

/** The three instructions for a table of 2^slotBits slots (slotBits 1..8). */
export function destinationMacHashInstructions(slotBits: number): BpfInstruction[] {
  if (!Number.isInteger(slotBits) || slotBits < 1 || slotBits > 8) {
    throw new RangeError(`slotBits must be an integer from 1 to 8 (the team driver's hash is one byte), got ${slotBits}`);
  }
  const slotMask = (1 << slotBits) - 1;
  return [
    { code: BPF_LD_B_ABS, jumpTrue: 0, jumpFalse: 0, constant: DESTINATION_MAC_LAST_OCTET_OFFSET },
    { code: BPF_ALU_AND_K, jumpTrue: 0, jumpFalse: 0, constant: slotMask },
    { code: BPF_RET_A, jumpTrue: 0, jumpFalse: 0, constant: 0 },
  ];
}

export function encodeBpfProgram(instructions: readonly BpfInstruction[]): Uint8Array {
  const bytes = Buffer.alloc(instructions.length * BPF_INSTRUCTION_BYTES);
  instructions.forEach((instruction, index) => {
    const offset = index * BPF_INSTRUCTION_BYTES;
    bytes.writeUInt16LE(instruction.code, offset);
    bytes.writeUInt8(instruction.jumpTrue, offset + 2);
    bytes.writeUInt8(instruction.jumpFalse, offset + 3);
    bytes.writeUInt32LE(instruction.constant >>> 0, offset + 4);
  });
  return new Uint8Array(bytes);
}

export function decodeBpfProgram(bytes: Uint8Array): BpfInstruction[] {
  if (bytes.length % BPF_INSTRUCTION_BYTES !== 0) throw new RangeError(`a BPF program is a multiple of 8 bytes, got ${bytes.length}`);
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const instructions: BpfInstruction[] = [];
  for (let offset = 0; offset < bytes.length; offset += BPF_INSTRUCTION_BYTES) {
    instructions.push({
      code: view.readUInt16LE(offset),
      jumpTrue: view.readUInt8(offset + 2),
      jumpFalse: view.readUInt8(offset + 3),
      constant: view.readUInt32LE(offset + 4),
    });
  }
  return instructions;
}

/** The `bpf_hash_func` option value for a table of 2^slotBits slots. */
export function destinationMacHashProgram(slotBits: number): Uint8Array {
  return encodeBpfProgram(destinationMacHashInstructions(slotBits));
}

/** The team driver's fold of the program's 32-bit result into the 8-bit bucket: XOR of the four bytes. */
export function foldHashToBucket(result: number): number {
  const value = result >>> 0;
  return (value ^ (value >>> 8) ^ (value >>> 16) ^ (value >>> 24)) & 0xff;
}
