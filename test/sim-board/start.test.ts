// `npm start` is the user's first contact: it must boot main.ts on the simulated board and show the boot log.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { it } from "node:test";

it("npm start boots main.ts on the simulated board and logs chip, ports and link changes", () => {
  const out = execFileSync(process.execPath, ["--import", "tsx", "hosts/sim/start.ts"], { encoding: "utf8", timeout: 60_000 });
  assert.match(out, /chip: BCM53125 id 0x53125/);
  assert.match(out, /port 0: up 1000\/full/);
  assert.match(out, /port 2: down/);
  assert.match(out, /port 3: up 100\/full/);
  assert.match(out, /boot: ready in/);
  assert.match(out, /\] port 3: down/);
  assert.match(out, /\] port 3: up 1000\/full/);
});
