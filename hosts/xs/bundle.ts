// Bundles hosts/xs/entry.ts and the firmware modules it reaches into one ES2022 IIFE script for xsnap's `e`
// (evaluate) command: xsnap cannot resolve bare module specifiers, so Moddable's modules the firmware may import are
// aliased to host stand-ins here. The platform is "neutral": a Node API reaching the bundle fails the build.

import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Moddable module specifiers -> the xsnap host's stand-ins. */
export const MODDABLE_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  timer: here("./timer.ts"),
  preference: here("./preference.ts"),
});

let cached: Promise<string> | undefined;

/** The bundle's source text (built once per process). */
export function bundleFirmware(): Promise<string> {
  cached ??= buildBundle().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

async function buildBundle(): Promise<string> {
  return bundleScript(here("./entry.ts"));
}

/**
 * Any entry file as one ES2022 IIFE script for xsnap, with the same Moddable aliases and rules as the firmware
 * bundle (tests that evaluate a module of their own on XS use it).
 */
export async function bundleScript(entryPath: string): Promise<string> {
  const result = await build({
    entryPoints: [entryPath],
    bundle: true,
    write: false,
    format: "iife",
    platform: "neutral",
    target: "es2022",
    // XS 13.3 is ES2022; names kept so errors and stack traces read as in the sources.
    minify: false,
    keepNames: false,
    legalComments: "none",
    alias: { ...MODDABLE_ALIASES },
    logLevel: "silent",
    // `node:*` or other unresolvable imports fail the build instead of reaching XS.
    external: [],
  });
  if (result.errors.length > 0) throw new Error(`xsnap bundle failed: ${result.errors.map((e) => e.text).join("; ")}`);
  const output = result.outputFiles[0];
  if (!output) throw new Error("xsnap bundle produced no output");
  return output.text;
}
