// Exec commands that act on the configuration as a whole: save, erase, reload, confirm an auto-revert. They work in
// configuration mode too (as on ProCurve). Saving and erasing write flash a step per scheduler tick, so the command
// holds the prompt (io.hold) until the configuration manager reports.
import type { CommandArgs, CommandSpec, ConsoleContext, ConsoleIo } from "../types";
import { OnemacError } from "../../errors";

function errorText(error: unknown): string {
  return error instanceof OnemacError ? error.message : `Internal error: ${error instanceof Error ? error.message : String(error)}`;
}

function writeMemory(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo): void {
  const config = ctx.firmware.config;
  const pending = config.revertPending;
  const release = io.hold();
  try {
    config.save((error, report) => {
      if (error || !report) io.write(`% ${error ? errorText(error) : "the save reported nothing"}\n`);
      else {
        io.write(`[OK] saved to slot ${report.slot}, sequence ${report.sequence}, ${report.bytes} bytes\n`);
        if (pending) io.write('note: a revert is still pending; confirm with "configure confirm" or the running config reverts (the saved one stays)\n');
      }
      release();
    });
  } catch (error) {
    release();
    throw error;
  }
}

function eraseStartup(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo): void {
  const release = io.hold();
  try {
    ctx.firmware.config.erase((error) => {
      if (error) io.write(`% ${errorText(error)}\n`);
      else io.write("[OK] startup config erased; the next boot runs factory defaults\n");
      release();
    });
  } catch (error) {
    release();
    throw error;
  }
}

function reload(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo): void {
  const config = ctx.firmware.config;
  if (config.busy) throw new OnemacError("invalid-argument", "a save or erase is running; reload when it has finished");
  if (config.unsaved) io.write('Warning: the running config has unsaved changes: unsaved changes will be lost ("write memory" keeps them)\n');
  io.readSecret("Proceed with reload? [y/N] ", (answer) => {
    if (/^\s*y(es)?\s*$/i.test(answer)) {
      // The prompt never comes back: whatever is typed from now on waits in the session and dies with it, instead of
      // reaching a firmware that is about to restart (main.ts restarts a moment later, after the UART has drained).
      const release = io.hold();
      io.write("Reloading...\n");
      try {
        ctx.reload();
      } catch (error) {
        release();
        throw error;
      }
    } else io.write("Reload cancelled\n");
  });
}

function confirm(_args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo): void {
  if (ctx.firmware.config.confirm()) io.write("[OK] changes confirmed; the revert timer is off\n");
  else io.write("% No revert is pending: nothing to confirm\n");
}

function any(pattern: string, help: string, run: (args: CommandArgs, ctx: ConsoleContext, io: ConsoleIo) => void): CommandSpec {
  return Object.freeze({ pattern, help, mode: "any" as const, run });
}

export const EXEC_COMMANDS: readonly CommandSpec[] = Object.freeze([
  any("write memory", "Save the running config as the startup config", writeMemory),
  any("copy running-config startup-config", "Same as write memory", writeMemory),
  any("erase startup-config", "Erase the startup config: the next boot runs factory defaults", eraseStartup),
  any("reload", "Restart the switch (asks first)", reload),
  any("configure confirm", "Keep the changes made since \"configure revert timer\"", confirm),
]);
