// The team driver's transmit hash program, run on a small classic-BPF interpreter written here from the
// instruction set (include/uapi/linux/filter.h, bpf_common.h): the bucket the driver computes must be
// DA[5] & (N-1) for every DA[5] and every table size N = 2^M, M = 1..8.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeBpfProgram,
  destinationMacHashInstructions,
  destinationMacHashProgram,
  foldHashToBucket,
  type BpfInstruction,
} from "../../hosts/linux/team/bpf";

// Instruction classes and fields of classic BPF (bpf_common.h).
const CLASS_MASK = 0x07;
const LD = 0x00;
const ALU = 0x04;
const JMP = 0x05;
const RET = 0x06;
const SIZE_MASK = 0x18;
const SIZE_W = 0x00;
const SIZE_H = 0x08;
const SIZE_B = 0x10;
const MODE_MASK = 0xe0;
const MODE_ABS = 0x20;
const MODE_IMM = 0x00;
const OP_MASK = 0xf0;
const SOURCE_X = 0x08;
const ALU_ADD = 0x00;
const ALU_AND = 0x50;
const ALU_OR = 0x40;
const ALU_RSH = 0x70;
const ALU_LSH = 0x60;
const ALU_XOR = 0xa0;
const JMP_JA = 0x00;
const JMP_JEQ = 0x10;
const RET_K = 0x00;
const RET_A = 0x10;

class BpfFault extends Error {}

/** Runs a classic BPF program on a packet; returns the 32-bit result (0 on an out-of-bounds load, as the kernel). */
function runClassicBpf(program: readonly BpfInstruction[], packet: Uint8Array): number {
  let accumulator = 0;
  const indexRegister = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const { code, jumpTrue, jumpFalse, constant } = program[pc]!;
    switch (code & CLASS_MASK) {
      case LD: {
        const mode = code & MODE_MASK;
        if (mode === MODE_IMM) {
          accumulator = constant >>> 0;
          break;
        }
        if (mode !== MODE_ABS) throw new BpfFault(`unsupported load mode 0x${mode.toString(16)}`);
        const size = code & SIZE_MASK;
        const width = size === SIZE_B ? 1 : size === SIZE_H ? 2 : size === SIZE_W ? 4 : 0;
        if (constant + width > packet.length) return 0;
        accumulator = 0;
        for (let i = 0; i < width; i++) accumulator = ((accumulator << 8) | packet[constant + i]!) >>> 0; // network order
        break;
      }
      case ALU: {
        const operand = code & SOURCE_X ? indexRegister : constant >>> 0;
        switch (code & OP_MASK) {
          case ALU_ADD: accumulator = (accumulator + operand) >>> 0; break;
          case ALU_AND: accumulator = (accumulator & operand) >>> 0; break;
          case ALU_OR: accumulator = (accumulator | operand) >>> 0; break;
          case ALU_XOR: accumulator = (accumulator ^ operand) >>> 0; break;
          case ALU_LSH: accumulator = (accumulator << operand) >>> 0; break;
          case ALU_RSH: accumulator = accumulator >>> operand; break;
          default: throw new BpfFault(`unsupported ALU op 0x${code.toString(16)}`);
        }
        break;
      }
      case JMP:
        if ((code & OP_MASK) === JMP_JA) pc += constant;
        else if ((code & OP_MASK) === JMP_JEQ) pc += accumulator === constant >>> 0 ? jumpTrue : jumpFalse;
        else throw new BpfFault(`unsupported jump 0x${code.toString(16)}`);
        break;
      case RET:
        if ((code & 0x18) === RET_A) return accumulator >>> 0;
        if ((code & 0x18) === RET_K) return constant >>> 0;
        throw new BpfFault(`unsupported return 0x${code.toString(16)}`);
      default:
        throw new BpfFault(`unsupported class in 0x${code.toString(16)}`);
    }
  }
  throw new BpfFault("program fell off its end without a return");
}

function frameWithDestinationLastOctet(lastOctet: number): Uint8Array {
  const frame = new Uint8Array(60);
  frame.set([0x02, 0x00, 0x5e, 0x10, 0x20, lastOctet], 0); // DA
  frame.set([0x02, 0x00, 0x00, 0x00, 0x00, 0x01], 6); // SA
  frame.set([0x08, 0x00], 12);
  return frame;
}

test("the program's bytes are the facts' encodings: ldb [5]; and #N-1; ret a", () => {
  for (let slotBits = 1; slotBits <= 8; slotBits++) {
    const mask = (1 << slotBits) - 1;
    const expected = Buffer.from(`300000000500000054000000${mask.toString(16).padStart(2, "0")}0000001600000000000000`, "hex");
    assert.equal(Buffer.from(destinationMacHashProgram(slotBits)).toString("hex"), expected.toString("hex"), `M = ${slotBits}`);
    assert.deepEqual(decodeBpfProgram(destinationMacHashProgram(slotBits)), destinationMacHashInstructions(slotBits));
  }
});

test("bucket == DA[5] & (N-1) for all 256 values of DA[5] and every M = 1..8", () => {
  let checked = 0;
  for (let slotBits = 1; slotBits <= 8; slotBits++) {
    const program = decodeBpfProgram(destinationMacHashProgram(slotBits));
    const slotCount = 1 << slotBits;
    for (let lastOctet = 0; lastOctet < 256; lastOctet++) {
      const result = runClassicBpf(program, frameWithDestinationLastOctet(lastOctet));
      const bucket = foldHashToBucket(result);
      assert.equal(bucket, lastOctet & (slotCount - 1), `M = ${slotBits}, DA[5] = ${lastOctet}`);
      checked++;
    }
  }
  assert.equal(checked, 8 * 256);
});

test("the driver's XOR-of-bytes fold is the identity on this program's results (all below 256)", () => {
  // Every value the program can return is DA[5] & mask <= 255: bytes 1..3 are zero, and x ^ 0 ^ 0 ^ 0 = x.
  for (let result = 0; result < 256; result++) assert.equal(foldHashToBucket(result), result);
  // The fold is not the identity in general: a program returning a wider value would be folded.
  assert.equal(foldHashToBucket(0x0100), 0x01);
  assert.equal(foldHashToBucket(0x12345678), 0x12 ^ 0x34 ^ 0x56 ^ 0x78);
});

test("only DA[5] matters: other bytes of the frame do not move the bucket", () => {
  const program = decodeBpfProgram(destinationMacHashProgram(4));
  const frame = frameWithDestinationLastOctet(0x37);
  const expected = foldHashToBucket(runClassicBpf(program, frame));
  for (const offset of [0, 4, 6, 11, 12, 13, 20]) {
    const changed = Uint8Array.from(frame);
    changed[offset] = changed[offset]! ^ 0xff;
    assert.equal(foldHashToBucket(runClassicBpf(program, changed)), expected, `byte ${offset} changed`);
  }
  assert.equal(expected, 0x37 & 15);
});

test("slotBits outside 1..8 is refused (the driver's hash is one byte)", () => {
  assert.throws(() => destinationMacHashProgram(0), RangeError);
  assert.throws(() => destinationMacHashProgram(9), RangeError);
  assert.throws(() => destinationMacHashProgram(2.5), RangeError);
});

test("the interpreter itself: loads in network order, jumps, and returns constants", () => {
  const packet = Uint8Array.of(0x12, 0x34, 0x56, 0x78);
  assert.equal(runClassicBpf([{ code: LD | SIZE_H | MODE_ABS, jumpTrue: 0, jumpFalse: 0, constant: 1 }, { code: RET | RET_A, jumpTrue: 0, jumpFalse: 0, constant: 0 }], packet), 0x3456);
  assert.equal(runClassicBpf([{ code: LD | SIZE_W | MODE_ABS, jumpTrue: 0, jumpFalse: 0, constant: 0 }, { code: RET | RET_A, jumpTrue: 0, jumpFalse: 0, constant: 0 }], packet), 0x12345678);
  assert.equal(runClassicBpf([{ code: LD | SIZE_B | MODE_ABS, jumpTrue: 0, jumpFalse: 0, constant: 9 }, { code: RET | RET_A, jumpTrue: 0, jumpFalse: 0, constant: 0 }], packet), 0, "out of bounds load returns 0");
  const branch = [
    { code: LD | SIZE_B | MODE_ABS, jumpTrue: 0, jumpFalse: 0, constant: 0 },
    { code: JMP | JMP_JEQ, jumpTrue: 0, jumpFalse: 1, constant: 0x12 },
    { code: RET | RET_K, jumpTrue: 0, jumpFalse: 0, constant: 7 },
    { code: RET | RET_K, jumpTrue: 0, jumpFalse: 0, constant: 9 },
  ];
  assert.equal(runClassicBpf(branch, packet), 7);
  assert.equal(runClassicBpf(branch, Uint8Array.of(0)), 9);
});
