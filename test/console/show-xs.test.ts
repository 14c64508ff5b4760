// The show commands unmodified on the XS engine (xsnap, XS 13.3) in lockstep with Node: one bundle of the firmware,
// the chip model and the show commands runs on both, and every command prints exactly the same text and JSON. (This
// is how the ASCII filter's first regex was caught: on XS /[^\x00-\x7f]/ matches every character.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Xsnap } from "../../hosts/xs/xsnap";
import { bundleScript } from "../../hosts/xs/bundle";

const LINES = [
  "show version", "show system", "show interfaces", "show interfaces brief", "show interfaces counters 4", "show trunks",
  "show trunk distribution", "show mac-address", "show mac-address 4 count", "show mac-move", "show logging",
  "show running-config", "show startup-config", "show errdisable", "test trunk load-balance 3c:07:54:00:00:13 00:1b:21:5e:00:01",
  "show trunk distribution trk2", "show interfaces 6", "clear counters", "show interfaces counters",
];

async function bundle(): Promise<string> {
  return bundleScript(fileURLToPath(new URL("./show-xs-entry.ts", import.meta.url)));
}

test("every show command prints the same text and JSON on XS as on Node", async () => {
  const script = await bundle();
  new Function(script)();
  const nodeShow = (globalThis as unknown as { show: (line: string) => string }).show;
  const xs = Xsnap.spawn({ name: "show-commands", computeLimit: 1e9, timeoutMs: 60_000 });
  try {
    await xs.evaluate(script);
    for (const base of LINES) {
      for (const line of [base, `${base} | json`]) {
        const reply = await xs.evaluate(`new TextEncoder().encode(globalThis.show(${JSON.stringify(line)})).buffer`);
        const onXs = new TextDecoder().decode(reply.reply);
        const onNode = nodeShow(line);
        assert.equal(onXs, onNode, line);
        assert.doesNotMatch(onXs, /INTERNAL/, line);
      }
    }
    // The scenario is not empty: the distribution has clients, the warning-free load, the down member.
    const distribution = JSON.parse(nodeShow("show trunk distribution | json"));
    assert.equal(distribution.trunks[0].clients, 49, "48 clients and the host that moved back to port 4");
    assert.equal(distribution.trunks[0].memberLoad[1].state, "down");
    assert.match(nodeShow("show errdisable"), /^\s*3\s+link-flap/m);
    assert.match(nodeShow("show mac-move"), /24:0a:c4:33:aa:01/);
  } finally {
    await xs.close();
  }
});
