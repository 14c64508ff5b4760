#!/usr/bin/env node
// The `onemac-team` executable (package.json "bin"): registers the tsx loader, then runs the command line in
// ../cli.ts with this process's arguments. `npm install -g .` in a checkout (after `npm install`) puts it on
// PATH; the systemd unit runs it.
let registerTypeScript;
try {
  ({ register: registerTypeScript } = await import("tsx/esm/api"));
} catch (error) {
  process.stderr.write(
    `onemac-team: cannot load tsx (${error.message}); run \`npm install\` in the onemac checkout this command comes from\n`,
  );
  process.exit(1);
}
registerTypeScript();
const { main } = await import("../cli.ts");
process.exit(await main(process.argv.slice(2)));
