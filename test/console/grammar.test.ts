// The console grammar on its own (no firmware): pattern compilation, prefix matching and ambiguity, value checks,
// "| json", errors naming the word, "?" help and tab completion.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileGrammar, Grammar, JSON_ONLY_AT_END, MAX_LINE_LENGTH, parsePortList, tokenize, type MatchResult } from "../../modules/console/grammar";
import { CONSOLE_GRAMMAR, SESSION_COMMANDS } from "../../modules/console/interpreter";
import { CONFIGURE_COMMANDS } from "../../modules/console/commands/configure";
import { EXEC_COMMANDS } from "../../modules/console/commands/exec";
import { SHOW_COMMANDS } from "../../modules/console/commands/show";
import type { CommandSpec } from "../../modules/console/types";

function spec(pattern: string, mode: CommandSpec["mode"] = "any", json = false): CommandSpec {
  return { pattern, help: `help for ${pattern}`, mode, json, run: () => {} };
}

const SPECS: CommandSpec[] = [
  spec("show interfaces [{brief|counters}] [<port>]", "any", true),
  spec("show trunks", "any", true),
  spec("show trunk distribution [<trunk>]", "any", true),
  spec("show mac-address [{<port>|<trunk>|<mac>}] [count]", "any", true),
  spec("show system", "any", true),
  spec("server-mac <mac> <trunk>", "config"),
  spec("trunk <ports> <trunk> [{trunk|lacp}]", "config"),
  spec("trunk <trunk> index-bits <int:bits:1-8>", "config"),
  spec("trunk-load-balance {src-mac|dst-mac|src-dst-mac}", "config"),
  spec("no trunk <ports>", "config"),
  spec("interface <port> name <text>", "config"),
  spec("interface <ports> {enable|disable}", "config"),
  spec("mac-move window <seconds:window:0-86400>", "config"),
  spec("hostname <word:name>", "config"),
  spec("vlan <vid>", "config"),
  spec("write memory", "any"),
  spec("exit", "exec"),
  spec("exit", "config"),
  spec("end", "config"),
];

const grammar = new Grammar(SPECS, { wordHelp: { show: "Show things" } });

function ok(line: string, mode: "exec" | "config" = "config") {
  const result = grammar.match(line, mode);
  if (result.kind !== "command") assert.fail(`"${line}": ${result.kind === "error" ? result.message : "empty"}`);
  return result;
}

function err(line: string, mode: "exec" | "config" = "config"): string {
  const result: MatchResult = grammar.match(line, mode);
  if (result.kind !== "error") assert.fail(`"${line}" should fail, got ${result.kind}`);
  assert.match(result.message, /^% /);
  return result.message;
}

function values(line: string, mode: "exec" | "config" = "config"): Record<string, unknown> {
  const result = ok(line, mode);
  return { pattern: result.spec.pattern, json: result.json, ...(result.args as unknown as { toJSON(): Record<string, unknown> }).toJSON() };
}

test("shortest unique prefixes: sh int br = show interfaces brief", () => {
  const v = values("sh int br");
  assert.equal(v.pattern, "show interfaces [{brief|counters}] [<port>]");
  assert.equal(v.brief, true);
  assert.equal(values("SHOW INT c 3").port, 3);
  assert.equal(values("show trunks").pattern, "show trunks");
  // "trunk" is a whole word (exact beats the longer "trunks")
  assert.equal(values("show trunk dist trk2").trunk, 1);
  assert.equal(values("sh trunks").pattern, "show trunks");
  assert.equal(values("trunk-l src-d").pattern, "trunk-load-balance {src-mac|dst-mac|src-dst-mac}");
});

test("ambiguous prefixes list their candidates", () => {
  assert.equal(err("s"), '% Ambiguous word 1 ("s"): server-mac, show');
  assert.equal(err("show tr"), '% Ambiguous word 2 ("tr"): trunk, trunks');
  assert.equal(err("trunk-load-balance src"), '% Ambiguous word 2 ("src"): src-dst-mac, src-mac');
  // in exec mode only show commands start with s
  assert.equal(ok("s sys", "exec").spec.pattern, "show system");
});

test("unknown, invalid and incomplete say which word and what was expected", () => {
  assert.equal(err("foo"), '% Unknown command "foo"');
  assert.equal(err("trunk 0-1 trk9"), '% Invalid input at word 3 ("trk9"): expected trk1 or trk2');
  assert.equal(err("trunk"), "% Incomplete command: expected <ports> (a port list like 0-1 or 0,2) or trk1 or trk2");
  assert.equal(err("no trunk"), "% Incomplete command: expected <ports> (a port list like 0-1 or 0,2)");
  assert.equal(err("trunk trk1 index-bits 9"), '% Invalid input at word 4 ("9"): expected a number from 1 to 8');
  assert.equal(err("show interfaces brief 3 4"), '% Invalid input at word 5 ("4"): expected the end of the command');
  assert.match(err("show interfaces brief x"), /^% Invalid input at word 4 \("x"\): expected <port> \(a port number 0\.\.31\) or the end of the command$/);
  assert.match(err("trunk 0-1 trk1 bogus"), /word 4 \("bogus"\): expected lacp, trunk or the end of the command/);
});

test("config commands in exec mode and exec commands in config mode are named", () => {
  assert.equal(err("trunk 0-1 trk1", "exec"), '% "trunk" is a configuration command: enter "configure" first');
  assert.equal(err("tru 0-1 trk1", "exec"), '% "tru" is a configuration command: enter "configure" first');
  assert.equal(err("trunk-l src-mac", "exec"), '% "trunk-load-balance" is a configuration command: enter "configure" first');
  assert.equal(err("hostname x", "exec"), '% "hostname" is a configuration command: enter "configure" first');
  assert.equal(ok("write mem", "config").spec.pattern, "write memory");
  assert.equal(ok("exit", "exec").spec.mode, "exec");
  assert.equal(ok("exit", "config").spec.mode, "config");
});

test("port, port list, trunk, MAC, VID, int and seconds values", () => {
  assert.deepEqual(values("no trunk 3,0-1,1").ports, [0, 1, 3]);
  assert.deepEqual(parsePortList("0-31")?.length, 32);
  for (const bad of ["", "1-", "-1", "3-1", "32", "0,,1", "1 ", "a", "1,2,", "0x1", "+1", "100", "1-2-3", "01-3x"])
    assert.equal(parsePortList(bad), undefined, bad);
  assert.match(err("no trunk 3-1"), /word 3 \("3-1"\): expected <ports>/);
  assert.match(err("no trunk 40"), /word 3 \("40"\)/);
  assert.equal(values("server-mac 00:1B:21:0a:0b:0c trk1").mac, "00:1b:21:0a:0b:0c");
  assert.equal(values("server-mac 001b.210a.0b0c trk2").mac, "00:1b:21:0a:0b:0c");
  assert.equal(values("server-mac 00-1b-21-0a-0b-0c trk2").trunk, 1);
  for (const bad of ["00:1b:21:0a:0b", "00:1b:21:0a:0b:0c:0d", "00:1b:21-0a:0b:0c", "zz:1b:21:0a:0b:0c", "001b210a0b0c", '"00:1b:21:0a:0b:0c"'])
    assert.match(err(`server-mac ${bad} trk1`), /^% Invalid input at word 2 .*expected <mac> \(a MAC address like aa:bb:cc:dd:ee:ff\)$/, bad);
  assert.equal(values("vlan 4095").vid, 4095);
  assert.match(err("vlan 4096"), /expected <vid> \(a VLAN ID 0\.\.4095\)/);
  assert.match(err("vlan 99999999999999999999999"), /word 2/);
  assert.equal(values("trunk trk1 index-bits 08").bits, 8);
  for (const bad of ["0", "-1", "+3", "3.0", "1e0", "0x3", "99999999999999999999", "3x"]) assert.match(err(`trunk trk1 index-bits ${bad}`), /word 4/, bad);
  assert.equal(values("mac-move window 1.5").window, 1500);
  assert.equal(values("mac-move window 0.001").window, 1);
  assert.equal(values("mac-move window 86400").window, 86_400_000);
  for (const bad of ["86400.001", "1.2345", ".5", "5.", "1e3", "-1"]) assert.match(err(`mac-move window ${bad}`), /word 3.*seconds from 0 to 86400/, bad);
});

test("<text> takes the rest of the line or one quoted string; <word> takes one word", () => {
  assert.equal(values("interface 3 name uplink to  core").text, "uplink to  core");
  assert.equal(values('interface 3 name "to core | json"').text, "to core | json");
  assert.equal(values('interface 3 name ""').text, "");
  assert.equal(values("hostname lab-1").name, "lab-1");
  assert.match(err("hostname a b"), /word 3 \("b"\): expected the end of the command/);
  assert.equal(err("interface 3 name"), '% Incomplete command: expected <text> (the rest of the line, or a "quoted string")');
  assert.equal(values("interface 0-2 dis").disable, true);
});

test('"| json" only at the end of a command that takes it', () => {
  const result = ok("show trunks | json");
  assert.equal(result.json, true);
  assert.equal(ok("sh int br 2 | j").json, true);
  assert.equal(ok("show trunks").json, false);
  for (const bad of ["write memory | json", "| json", "show trunks | json x", "show | json trunks", "show trunks | yaml", "show trunks |json", "show trunks | json | json", "show trunks |"])
    assert.equal(grammar.match(bad, "config").kind === "error" ? (grammar.match(bad, "config") as { message: string }).message : "", JSON_ONLY_AT_END, bad);
  assert.equal(values('interface 1 name "a | json"').text, "a | json");
});

test("tokenizer refuses control characters, stray quotes, overlong lines and too many words", () => {
  assert.match(err("show\u0007 trunks"), /Invalid character 0x07 at character 5/);
  assert.match(err("show trunks\u00e9"), /Invalid character 0xe9/);
  assert.match(err('interface 1 name "abc'), /Unterminated quote/);
  assert.match(err('interface 1 name ab"c"'), /A quote may only start a word/);
  assert.match(err('interface 1 name "ab"c'), /A closing quote must end a word/);
  assert.match(err("x".repeat(MAX_LINE_LENGTH + 1)), /Line too long \(241 characters; at most 240\)/);
  assert.match(err("a ".repeat(33)), /Too many words \(at most 32\)/);
  assert.equal(grammar.match("   ", "config").kind, "empty");
  assert.equal(grammar.match("! a comment", "config").kind, "empty");
  assert.equal(grammar.match("\tshow\ttrunks\t", "config").kind, "command");
  const split = tokenize('a "b c" d');
  assert.ok(!("error" in split));
  if (!("error" in split)) assert.deepEqual(split.tokens.map((t) => t.text), ["a", "b c", "d"]);
});

test("help lists the next words with their help, <cr> when complete, | json for show", () => {
  const top = grammar.help("", "exec");
  assert.match(top, /^ {2}exit +help for exit$/m);
  assert.match(top, /^ {2}show +Show things$/m);
  assert.doesNotMatch(top, /trunk/);
  const show = grammar.helpEntries("show ", "config");
  assert.ok(Array.isArray(show));
  if (Array.isArray(show)) assert.deepEqual(show.map((e) => e.word), ["interfaces", "mac-address", "system", "trunk", "trunks"]);
  const interfaces = grammar.helpEntries("show interfaces ", "config");
  if (!Array.isArray(interfaces)) assert.fail(interfaces);
  assert.deepEqual(interfaces.map((e) => e.word), ["brief", "counters", "<port>", "<cr>", "| json"]);
  const partial = grammar.helpEntries("show t", "config");
  if (!Array.isArray(partial)) assert.fail(partial);
  assert.deepEqual(partial.map((e) => e.word), ["trunk", "trunks"]);
  const trunk = grammar.helpEntries("trunk ", "config");
  if (!Array.isArray(trunk)) assert.fail(trunk);
  assert.deepEqual(trunk.map((e) => e.word), ["<ports>", "<trunk>"]);
  const bits = grammar.helpEntries("trunk trk1 index-bits ", "config");
  if (!Array.isArray(bits)) assert.fail(bits);
  assert.deepEqual(bits, [{ word: "<1-8>", help: "a number from 1 to 8" }]);
  assert.equal(grammar.help("trunk trk9 ", "config"), '% Invalid input at word 2 ("trk9"): expected <ports> (a port list like 0-1 or 0,2) or trk1 or trk2');
  assert.deepEqual(grammar.helpEntries("show trunks | ", "config"), [{ word: "json", help: "Print the same data as one JSON document" }]);
  assert.equal(grammar.help("write memory | ", "config"), JSON_ONLY_AT_END);
  assert.equal(grammar.help("zz", "config"), '% Unknown command "zz"');
});

test("completion offers the keywords that fit the partial word", () => {
  assert.deepEqual(grammar.complete("sh", "config"), ["show"]);
  assert.deepEqual(grammar.complete("show tr", "config"), ["trunk", "trunks"]);
  assert.deepEqual(grammar.complete("show interfaces ", "config"), ["brief", "counters"]);
  assert.deepEqual(grammar.complete("t", "config"), ["trunk", "trunk-load-balance"]);
  assert.deepEqual(grammar.complete("t", "exec"), []);
  assert.deepEqual(grammar.complete("trunk 0-1 trk1 l", "config"), ["lacp"]);
  assert.deepEqual(grammar.complete("show trunks | j", "config"), ["json"]);
  assert.deepEqual(grammar.complete("bogus x", "config"), []);
  assert.deepEqual(grammar.complete("show\u0001", "config"), []);
});

test("bad patterns are refused when the grammar is built", () => {
  for (const pattern of ["", "<port>", "show [x", "show {a|}", "show <nope>", "show <int>", "show <text> x", "Show", "show <port:1-3>", "show ]"])
    assert.throws(() => new Grammar([spec(pattern)]), /command pattern/, pattern);
});

test("args getters throw for values the line did not carry; given() tells", () => {
  const args = ok("show interfaces brief").args;
  assert.equal(args.given("port"), false);
  assert.throws(() => args.port());
  assert.equal(args.has("brief"), true);
  assert.equal(args.has("counters"), false);
});

test("the console's grammar is compiled once at module level and frozen all the way down (preloaded into flash)", () => {
  // Every object reachable from CONSOLE_GRAMMAR: own property values, not through functions (those are frozen
  // themselves). An unfrozen one would be copied into the XS heap on the device.
  const seen = new Set<unknown>();
  const stack: unknown[] = [CONSOLE_GRAMMAR];
  let objects = 0;
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || (typeof value !== "object" && typeof value !== "function") || seen.has(value)) continue;
    seen.add(value);
    objects++;
    assert.ok(Object.isFrozen(value), `not frozen: ${typeof value === "function" ? `function ${value.name}` : JSON.stringify(value)?.slice(0, 120)}`);
    if (typeof value === "function") continue;
    for (const key of Reflect.ownKeys(value as object)) stack.push((Object.getOwnPropertyDescriptor(value, key) as PropertyDescriptor).value);
  }
  assert.ok(objects > 500, `${objects} objects`);
  // Every command list is in it, the session commands included; an interpreter compiles nothing of its own.
  const patterns = CONSOLE_GRAMMAR.commands.map((command) => command.spec.pattern);
  for (const list of [SHOW_COMMANDS, CONFIGURE_COMMANDS, EXEC_COMMANDS, SESSION_COMMANDS])
    for (const command of list) assert.ok(patterns.includes(command.pattern), command.pattern);
  const shared = new Grammar(CONSOLE_GRAMMAR);
  assert.equal(shared.match("show trunks", "exec").kind, "command");
  assert.equal(compileGrammar(SPECS).commands.length, SPECS.length);
  assert.ok(Object.isFrozen(SPECS[0]), "compileGrammar freezes the specs it compiles");
});
