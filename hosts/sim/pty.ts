// A pseudo-terminal for the simulated board's console (`npm start -- --pty`): picocom, screen or the `onemac console`
// client open its path as they would a USB serial port. Made with libc through koffi (already a dependency), no
// native module of our own: posix_openpt, grantpt, unlockpt, ptsname for the pair, cfmakeraw + tcsetattr so the
// line discipline passes bytes untouched (no echo, no CR/LF translation, no signals).
//
// The master end is read and written through a Node tty stream (libuv polls it: the event loop never blocks). The
// host keeps the slave end open itself, so the master never reads EIO while no program has the port open; bytes the
// board sends while nobody listens pile up in the kernel's buffer and are dropped past MAX_UNREAD_BYTES, as a UART
// with nothing connected loses them.
import fs from "node:fs";
import tty from "node:tty";
import koffi from "koffi";

/** Bytes waiting for the master's writer before newer board output is dropped. */
export const MAX_UNREAD_BYTES = 16 * 1024;
/** Room for glibc's struct termios (60 bytes on Linux; opaque here). */
const TERMIOS_BYTES = 128;
const O_RDWR = 0o2;
const O_NOCTTY = 0o400;
const TCSANOW = 0;

interface Libc {
  posixOpenpt: (flags: number) => number;
  grantpt: (fd: number) => number;
  unlockpt: (fd: number) => number;
  ptsname: (fd: number) => string | null;
  tcgetattr: (fd: number, termios: Buffer) => number;
  tcsetattr: (fd: number, action: number, termios: Buffer) => number;
  cfmakeraw: (termios: Buffer) => void;
}

let libc: Libc | undefined;

function loadLibc(): Libc {
  if (libc) return libc;
  if (process.platform !== "linux") throw new Error(`--pty needs Linux (this is ${process.platform})`);
  const lib = koffi.load("libc.so.6");
  libc = {
    posixOpenpt: lib.func("int posix_openpt(int flags)"),
    grantpt: lib.func("int grantpt(int fd)"),
    unlockpt: lib.func("int unlockpt(int fd)"),
    ptsname: lib.func("const char *ptsname(int fd)"),
    tcgetattr: lib.func("int tcgetattr(int fd, void *termios)"),
    tcsetattr: lib.func("int tcsetattr(int fd, int action, void *termios)"),
    cfmakeraw: lib.func("void cfmakeraw(void *termios)"),
  };
  return libc;
}

export class Pty {
  /** The slave's path (/dev/pts/N): what a terminal program opens. */
  readonly path: string;
  readonly #masterFd: number;
  readonly #slaveFd: number;
  readonly #stream: tty.ReadStream;
  #closed = false;
  /** Board output dropped because nobody read the port. */
  droppedBytes = 0;

  private constructor(path: string, masterFd: number, slaveFd: number) {
    this.path = path;
    this.#masterFd = masterFd;
    this.#slaveFd = slaveFd;
    this.#stream = new tty.ReadStream(masterFd);
    // The master's input never sees EOF while the host holds the slave; errors (EIO at close) end it quietly.
    this.#stream.on("error", () => {});
  }

  /** Opens a new pseudo-terminal pair, the slave in raw mode. */
  static open(): Pty {
    const c = loadLibc();
    const master = c.posixOpenpt(O_RDWR | O_NOCTTY);
    if (master < 0) throw new Error("posix_openpt failed: no pseudo-terminal available");
    let slave = -1;
    try {
      if (c.grantpt(master) !== 0 || c.unlockpt(master) !== 0) throw new Error("grantpt/unlockpt failed on the new pseudo-terminal");
      const path = c.ptsname(master);
      if (!path) throw new Error("ptsname failed on the new pseudo-terminal");
      slave = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
      const termios = Buffer.alloc(TERMIOS_BYTES);
      if (c.tcgetattr(slave, termios) !== 0) throw new Error(`tcgetattr failed on ${path}`);
      c.cfmakeraw(termios);
      if (c.tcsetattr(slave, TCSANOW, termios) !== 0) throw new Error(`tcsetattr failed on ${path}`);
      return new Pty(path, master, slave);
    } catch (error) {
      if (slave >= 0) fs.closeSync(slave);
      fs.closeSync(master);
      throw error;
    }
  }

  /** Bytes a program wrote to the port (keystrokes). */
  onData(listener: (bytes: Uint8Array) => void): void {
    this.#stream.on("data", (chunk: Buffer | string) => listener(typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk));
  }

  /** Bytes for the program on the port (what the board transmits). Dropped past MAX_UNREAD_BYTES unread. */
  write(bytes: Uint8Array): void {
    if (this.#closed) return;
    if (this.#stream.writableLength > MAX_UNREAD_BYTES) {
      this.droppedBytes += bytes.length;
      return;
    }
    this.#stream.write(bytes);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream.destroy();
    try {
      fs.closeSync(this.#slaveFd);
    } catch {
      // already closed
    }
  }
}
