// A running `onemac-team up` answers `status` and `down` over a Unix socket, one JSON request per connection.
import { mkdirSync } from "node:fs";
import { readdir, unlink } from "node:fs/promises";
import { createConnection, createServer, type Server } from "node:net";
import { TeamError } from "./errors";

/** /run/onemac-team (systemd's RuntimeDirectory), or $ONEMAC_RUNTIME_DIRECTORY. */
export function runtimeDirectory(): string {
  return process.env.ONEMAC_RUNTIME_DIRECTORY ?? "/run/onemac-team";
}

export function controlSocketPath(teamName: string): string {
  return `${runtimeDirectory()}/${teamName}.sock`;
}

/**
 * Names of the teams running now: those whose control socket in the runtime directory accepts a connection (a
 * socket left behind by a team that died is skipped). Sorted.
 */
export async function runningTeams(timeoutMs = 2_000): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(runtimeDirectory());
  } catch {
    return [];
  }
  const names = entries.filter((entry) => entry.endsWith(".sock")).map((entry) => entry.slice(0, -".sock".length));
  const alive = await Promise.all(names.map((name) => accepts(controlSocketPath(name), timeoutMs)));
  return names.filter((_, index) => alive[index]).sort();
}

function accepts(path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const connection = createConnection(path);
    const timer = setTimeout(() => finish(false), timeoutMs);
    function finish(result: boolean): void {
      clearTimeout(timer);
      connection.destroy();
      resolve(result);
    }
    connection.once("connect", () => finish(true));
    connection.once("error", () => finish(false));
  });
}

export type ControlRequest = { readonly command: "status" } | { readonly command: "down" };
export type ControlReply = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string };

export async function serveControl(teamName: string, handle: (request: ControlRequest) => Promise<unknown>): Promise<Server> {
  mkdirSync(runtimeDirectory(), { recursive: true, mode: 0o750 });
  const path = controlSocketPath(teamName);
  await unlink(path).catch(() => {});
  const server = createServer((connection) => {
    let text = "";
    connection.setEncoding("utf8");
    // A client that only checks the team is running (runningTeams) hangs up at once; that is not an error here.
    connection.on("error", () => {});
    connection.on("data", (chunk: string) => {
      text += chunk;
      if (!text.includes("\n")) return;
      let reply: Promise<ControlReply>;
      try {
        const request = JSON.parse(text.slice(0, text.indexOf("\n"))) as { command?: unknown };
        if (request.command !== "status" && request.command !== "down") throw new Error(`unknown command ${JSON.stringify(request.command)}`);
        reply = handle({ command: request.command }).then(
          (result): ControlReply => ({ ok: true, result }),
          (error: unknown): ControlReply => ({ ok: false, error: (error as Error).message }),
        );
      } catch (error) {
        reply = Promise.resolve({ ok: false, error: (error as Error).message });
      }
      void reply.then((value) => connection.end(JSON.stringify(value) + "\n"));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  return server;
}

export function requestControl(teamName: string, request: ControlRequest, timeoutMs = 10_000): Promise<unknown> {
  const path = controlSocketPath(teamName);
  return new Promise((resolve, reject) => {
    const connection = createConnection(path);
    let text = "";
    const timer = setTimeout(() => {
      connection.destroy();
      reject(new TeamError("not-running", `team ${teamName} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    connection.setEncoding("utf8");
    connection.on("connect", () => connection.write(JSON.stringify(request) + "\n"));
    connection.on("data", (chunk: string) => (text += chunk));
    connection.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") reject(new TeamError("not-running", `team ${teamName} is not up (no ${path})`));
      else reject(error);
    });
    connection.on("end", () => {
      clearTimeout(timer);
      try {
        const reply = JSON.parse(text) as ControlReply;
        if (reply.ok) resolve(reply.result);
        else reject(new TeamError("apply-failed", reply.error));
      } catch {
        reject(new TeamError("not-running", `team ${teamName} sent an unreadable reply`));
      }
    });
  });
}
