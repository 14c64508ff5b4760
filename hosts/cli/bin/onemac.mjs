#!/usr/bin/env node
// The `onemac` executable (package.json "bin"): registers the tsx loader, then runs the command line in
// ../onemac.ts with this process's arguments (`npx onemac console <serial-device> [command...]` in a checkout).
let registerTypeScript;
try {
  ({ register: registerTypeScript } = await import("tsx/esm/api"));
} catch (error) {
  process.stderr.write(`onemac: cannot load tsx (${error.message}); run \`npm install\` in the onemac checkout this command comes from\n`);
  process.exit(1);
}
registerTypeScript();
const { main } = await import("../onemac.ts");
process.exitCode = await main(process.argv.slice(2));
