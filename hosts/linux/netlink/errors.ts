// Kernel errors as messages a user can act on: the errno's name, what it means, and what we were doing.
import { constants as osConstants } from "node:os";
import { TeamError } from "../team/errors";

const errnoNameByNumber = new Map<number, string>();
for (const [name, number] of Object.entries(osConstants.errno)) {
  // Several names share a number (EAGAIN/EWOULDBLOCK, EOPNOTSUPP/ENOTSUP): keep the first, the usual one.
  if (!errnoNameByNumber.has(number)) errnoNameByNumber.set(number, name);
}

/** Short meanings of the errnos netlink link and team requests actually return. */
const errnoMeanings: Record<string, string> = {
  EPERM: "operation not permitted (needs root or CAP_NET_ADMIN)",
  ENOENT: "no such object (for a generic netlink family: the kernel module is not loaded)",
  ESRCH: "no such process or object",
  EINTR: "interrupted",
  EIO: "input/output error",
  ENXIO: "no such device or address",
  EAGAIN: "resource temporarily unavailable (timed out waiting for the kernel)",
  ENOMEM: "out of memory",
  EACCES: "permission denied",
  EBUSY: "device or resource busy (an interface may have to be down first)",
  EEXIST: "already exists",
  ENODEV: "no such device (for a team mapping: the port is not in the team or not enabled)",
  EINVAL: "invalid argument",
  ERANGE: "value out of range",
  ENOSPC: "no space left",
  EOPNOTSUPP: "operation not supported by this device or kernel",
  EAFNOSUPPORT: "address family not supported",
  EPROTONOSUPPORT: "protocol not supported",
  EADDRNOTAVAIL: "address not available",
  ENOBUFS: "no buffer space available",
  EMSGSIZE: "message too long",
  ENOTSUP: "operation not supported",
  ELOOP: "would create a loop (a device cannot be its own master)",
  ENFILE: "too many open files in the system",
  EMFILE: "too many open files",
  EBADF: "bad file descriptor",
};

export function errnoName(errno: number): string {
  return errnoNameByNumber.get(Math.abs(errno)) ?? `errno ${Math.abs(errno)}`;
}

export function errnoMeaning(errno: number): string {
  return errnoMeanings[errnoName(errno)] ?? "see errno(3)";
}

/**
 * A request the kernel refused, or a system call that failed. `operation` says what we were doing in words
 * ("creating team device onemac0 (RTM_NEWLINK)"); `kernelMessage` is the kernel's extended-ack text, if any.
 */
export class NetlinkError extends TeamError {
  readonly errno: number;
  readonly errnoName: string;
  readonly operation: string;
  readonly kernelMessage: string | null;
  constructor(operation: string, errno: number, kernelMessage: string | null = null) {
    const name = errnoName(errno);
    const explanation = `${name}, ${errnoMeaning(errno)}` + (kernelMessage ? `; the kernel says: ${kernelMessage}` : "");
    super("kernel", `${operation} failed`, explanation);
    this.errno = Math.abs(errno);
    this.errnoName = name;
    this.operation = operation;
    this.kernelMessage = kernelMessage;
    this.name = "NetlinkError";
  }
}
