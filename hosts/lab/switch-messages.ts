// What a lab switch process (hosts/lab/switch-process.ts) and its parent (hosts/lab/lab-switch.ts) say to each other
// over Node's IPC channel. The process's options travel as one JSON argument.
import type { FlowChange, SwitchStats } from "./types";

export interface SwitchProcessOptions {
  switchId: number;
  /** Interface of chip port 0..4 (in the process's namespace), or null: no cable on that port. */
  ports: (string | null)[];
  /** Wall-clock ms between two ticks of the firmware's main loop (link poll and due work; default 10, as main.ts). */
  tickMs?: number;
  /** Wall-clock ms between two reads of the port interfaces' carrier (default 5). */
  carrierPollMs?: number;
  /** Wall-clock ms between two SwitchStats messages (default 100). */
  statsMs?: number;
  /** Unicast (SA, DA) pairs tracked for FlowChange (default 4096; the oldest SA's pairs are dropped past it). */
  maxFlows?: number;
}

export type ToSwitch =
  /** Types `line` and Enter on the console; the answer is the output up to the next prompt. */
  | { type: "console"; id: number; line: string; timeoutMs: number }
  | { type: "stop" };

export type FromSwitch =
  /** The firmware booted and its console shows a prompt; `output` is what it printed since power-on. */
  | { type: "ready"; output: string }
  | { type: "console"; id: number; output: string }
  | { type: "console-error"; id: number; message: string }
  | { type: "stats"; stats: SwitchStats }
  | { type: "log"; line: string }
  | { type: "flow"; change: FlowChange }
  /** The process cannot go on (the reason); it exits next. */
  | { type: "fatal"; message: string };

/** A console prompt at the very end of the output: `name# ` or `name(config)# `. */
const PROMPT_AT_END = /(?:^|\n)[A-Za-z][A-Za-z0-9-]*(?:\([a-z-]+\))?# $/;

/** Whether the console's output ends with its prompt (the line typed has been answered). */
export function endsWithPrompt(output: string): boolean {
  return PROMPT_AT_END.test(output);
}
