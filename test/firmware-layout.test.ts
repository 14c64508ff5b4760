// CI has no Moddable SDK, so these guard what mcconfig and XS on the device would reject (docs/moddable-notes.md):
// every folder of firmware modules is mapped in manifest.json (its "*" covers one folder only), and modules import
// each other by extension-less relative paths to files, never folders, never Node built-ins.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { it } from "node:test";

const root = join(import.meta.dirname, "..");

function firmwareFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) firmwareFiles(path, out);
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

const files = [join(root, "main.ts"), ...firmwareFiles(join(root, "modules"))];

it("manifest.json maps every folder of firmware modules", () => {
  const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8"));
  const mapped = new Set(Object.keys(manifest.modules));
  for (const file of files) {
    const folder = relative(root, file).split("/").slice(0, -1).join("/");
    if (!folder) continue;
    assert.ok(mapped.has(`${folder}/*`), `manifest.json lacks "${folder}/*": "./${folder}/*"`);
  }
});

it("manifest.json preloads every firmware module (its code and constants live in flash, not in the XS heap)", () => {
  // mcconfig matches "*" preload patterns against JavaScript files only, so TypeScript modules are listed one by one.
  const manifest = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8"));
  const preloaded = new Set<string>(manifest.preload);
  for (const file of files) {
    const specifier = relative(root, file).replace(/\.ts$/, "");
    if (specifier === "main") continue;
    assert.ok(preloaded.has(specifier), `manifest.json "preload" lacks "${specifier}"`);
  }
});

it("firmware modules import files by extension-less relative paths, or Moddable modules", () => {
  const allowedBare = new Set(["timer", "time", "preference", "embedded:io/spi", "embedded:io/serial", "embedded:io/digital"]);
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/^\s*(?:import|export)[^"']*from\s+["']([^"']+)["']/gm)) {
      const specifier = match[1];
      const where = `${relative(root, file)} imports "${specifier}"`;
      if (!specifier.startsWith(".")) {
        assert.ok(allowedBare.has(specifier), `${where}: not a Moddable module the board provides`);
        continue;
      }
      assert.ok(!/\.(ts|js|mjs)$/.test(specifier), `${where}: XS resolves names without extensions`);
      const target = join(file, "..", specifier);
      assert.ok(statSync(target + ".ts", { throwIfNoEntry: false })?.isFile(), `${where}: must name a file (XS has no folder index imports)`);
    }
  }
});
