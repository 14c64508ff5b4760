// Text formatting for the show commands, in one place: column tables, durations, percentages, trunk and port names,
// and the one way a command prints JSON. Plain functions, no state; they allocate only the strings they return.
import type { TrunkHash } from "../../chip/switch-chip";
import type { ConsoleIo } from "../types";

/** ProCurve's and Cisco's names for what the chip hashes trunk traffic on (`trunk-load-balance <method>`). */
export const LOAD_BALANCE_NAMES: Readonly<Record<TrunkHash, string>> = Object.freeze({
  sa: "src-mac",
  da: "dst-mac",
  "da+sa": "src-dst-mac",
});

/** `trk1` for chip group 0 (the console's names, PLAN decisions). */
export function trunkName(group: number): string {
  return `trk${group + 1}`;
}

/** Text `width` wide, left-aligned (longer text is kept whole: a table never hides data). */
export function padEnd(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** Text `width` wide, right-aligned (numbers). */
export function padStart(text: string, width: number): string {
  return text.length >= width ? text : " ".repeat(width - text.length) + text;
}

/**
 * Writes a table: a header line, a dashed rule, then the rows, each column as wide as its widest cell. `numeric[i]`
 * right-aligns column i. The last column is not padded (no trailing blanks). Rows may be empty: only the header.
 */
export function writeTable(io: ConsoleIo, headers: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[] = []): void {
  const widths: number[] = [];
  for (let c = 0; c < headers.length; c++) widths.push(headers[c].length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let c = 0; c < headers.length && c < row.length; c++) if (row[c].length > widths[c]) widths[c] = row[c].length;
  }
  io.write(tableLine(headers, widths, numeric) + "\n");
  let rule = "";
  for (let c = 0; c < widths.length; c++) rule += (c ? "  " : "") + "-".repeat(widths[c]);
  io.write(rule + "\n");
  for (let r = 0; r < rows.length; r++) io.write(tableLine(rows[r], widths, numeric) + "\n");
}

function tableLine(cells: readonly string[], widths: readonly number[], numeric: readonly boolean[]): string {
  let line = "";
  const last = widths.length - 1;
  for (let c = 0; c <= last; c++) {
    const cell = c < cells.length ? cells[c] : "";
    if (c) line += "  ";
    if (numeric[c]) line += padStart(cell, widths[c]);
    else line += c === last ? cell : padEnd(cell, widths[c]);
  }
  return line;
}

/** "3d 04:05:06" / "04:05:06.789" style uptime (days only when there are any). */
export function formatUptime(ms: number): string {
  const total = Math.max(0, Math.floor(ms));
  const days = Math.floor(total / 86_400_000);
  const hours = Math.floor(total / 3_600_000) % 24;
  const minutes = Math.floor(total / 60_000) % 60;
  const seconds = Math.floor(total / 1000) % 60;
  const millis = total % 1000;
  const clock = `${two(hours)}:${two(minutes)}:${two(seconds)}.${padStart(String(millis), 3).replace(/ /g, "0")}`;
  return days > 0 ? `${days}d ${clock}` : clock;
}

function two(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/** A duration for settings and timers: "250 ms", "10 s", "1.5 s", "5 min", "2 h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 1000) return `${trimNumber(ms)} ms`;
  if (ms < 120_000 || ms % 60_000 !== 0) return `${trimNumber(ms / 1000)} s`;
  if (ms < 7_200_000 || ms % 3_600_000 !== 0) return `${ms / 60_000} min`;
  return `${ms / 3_600_000} h`;
}

/** A time left or a time ago, rounded for people: "250 ms", "12.3 s", "4 min 59 s", "2 h 5 min". */
export function formatAge(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(Math.floor(value / 100) / 10).toFixed(1)} s`;
  const seconds = Math.floor(value / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.floor(seconds / 60) % 60} min`;
}

/** At most 3 decimals, no trailing zeros. */
export function trimNumber(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/** Board time (ms) as seconds with milliseconds, for log lines: "   12.345". */
export function formatTimestamp(ms: number): string {
  return padStart((Math.max(0, ms) / 1000).toFixed(3), 10);
}

/** part / whole in percent, one decimal (0 when `whole` is 0). */
export function percent(part: number, whole: number): number {
  return whole > 0 ? Math.round((part * 1000) / whole) / 10 : 0;
}

/** "37.5 %" */
export function formatPercent(value: number): string {
  return `${value.toFixed(1)} %`;
}

/** "0-2,4" from ascending ports. */
export function formatPortList(ports: readonly number[]): string {
  if (ports.length === 0) return "none";
  let text = "";
  for (let i = 0; i < ports.length; i++) {
    const start = ports[i];
    let end = start;
    while (i + 1 < ports.length && ports[i + 1] === end + 1) end = ports[++i];
    text += (text ? "," : "") + (end > start ? `${start}-${end}` : String(start));
  }
  return text;
}

/** Ports of a bitmap (bit i = port i), ascending. */
export function portsOfMask(mask: number): number[] {
  const ports: number[] = [];
  for (let port = 0; port < 32; port++) if ((mask >>> port) & 1) ports.push(port);
  return ports;
}

/** "1000/full", "100/half", "-" for a port without link. */
export function formatMode(link: boolean, speed: number, fullDuplex: boolean): string {
  return link ? `${speed}/${fullDuplex ? "full" : "half"}` : "-";
}

/**
 * Text for a console that sends ASCII only (modules/console/uart.ts turns anything else into "?"): the section sign
 * of the facts' references becomes "section ", any other non-ASCII character "?".
 */
export function ascii(text: string): string {
  // A positive class on purpose: on XS 13.3 (xsnap) the negated class /[^\x00-\x7f]/ matches every character.
  // Literals, not module constants: a preloaded module's objects are read-only and a /g regex writes lastIndex.
  if (!/[\u0080-\uffff]/.test(text)) return text;
  return text.replace(/\u00a7\s*/g, "section ").replace(/[\u0080-\uffff]/g, "?");
}

/** `| json`: the data as one JSON document on one line; non-ASCII characters as \u escapes, so nothing is lost. */
export function writeJson(io: ConsoleIo, data: unknown): void {
  let text = JSON.stringify(data);
  if (/[\u0080-\uffff]/.test(text)) text = text.replace(/[\u0080-\uffff]/g, (c) => "\\u" + padStart(c.charCodeAt(0).toString(16), 4).replace(/ /g, "0"));
  io.write(text + "\n");
}

/** Words joined into lines of at most `perLine` items, the first after `first`, the rest indented by `indent`. */
export function wrapItems(items: readonly string[], perLine: number, first: string, indent: string): string[] {
  const lines: string[] = [];
  let line = first;
  let onLine = 0;
  for (let i = 0; i < items.length; i++) {
    if (onLine === perLine) {
      lines.push(line);
      line = indent;
      onLine = 0;
    }
    line += (onLine ? " " : "") + items[i];
    onLine++;
  }
  lines.push(line);
  return lines;
}
