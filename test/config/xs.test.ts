// The config modules run unmodified on the XS engine: one scenario (xs-scenario.ts) on xsnap and on Node gives the
// same observations, character for character (validation errors, encodings, CRCs, hashes, store slots and messages).
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, it } from "node:test";
import { bundleScript } from "../../hosts/xs/bundle";
import { Xsnap } from "../../hosts/xs/xsnap";
import XsPreference, { clearPreferences } from "../../hosts/xs/preference";
import { configScenario } from "./xs-scenario";

let worker: Xsnap | undefined;
after(async () => {
  await worker?.close();
});

it("the config scenario prints the same on XS as on Node", async () => {
  const script = await bundleScript(fileURLToPath(new URL("./xs-entry.ts", import.meta.url)));
  worker = Xsnap.spawn({ name: "config" });
  await worker.evaluate(script);
  const { reply } = await worker.evaluate("globalThis.configResult");
  const onXs = Buffer.from(reply).toString("latin1");
  clearPreferences();
  const onNode = configScenario(XsPreference);
  assert.equal(onXs, onNode);
  assert.match(onNode, /slot a is torn \(CRC mismatch\); using slot b \(seq 2\)/);
  assert.match(onNode, /InvalidArgumentError: trunks\[0\]\.members\[1\]: port 40 is not 0\.\.31/);
});
