// The console's grammar: command patterns (CommandSpec.pattern) compiled once into small per-command automata, and a
// matcher that reads a typed line against all of them at once, word by word.
//
// Pattern syntax:  keyword  <port> <ports> <mac> <trunk> <vid> <int:MIN-MAX> <seconds:MIN-MAX> <word> <text>
//                  [optional part]  {one|of|these}   (alternatives may be sequences: {enable|name <text>})
// A placeholder may be named for CommandArgs: <int:bits:1-8>, <mac:src>, <word:name>.
//
// Matching: every keyword accepts its shortest unique prefix among the keywords possible at that position
// ("sh int br" = "show interfaces brief"); keywords are case-insensitive; a quoted word is never a keyword. A word
// that does not fit says which word and what was expected. A trailing "| json" is split off here and accepted only by
// specs with json: true. The work per line is bounded: at most MAX_LINE_LENGTH characters and MAX_WORDS words, and the
// set of live states never exceeds the number of compiled nodes.
//
// Plain ES2022 for XS: no module-level mutable state. compileGrammar() builds the tables once and freezes them all the
// way down, so a module can compile its command list at module level: the Moddable SDK preloads the firmware's modules
// and their frozen constants then live in flash, not in the XS heap (interpreter.ts does this; a Grammar instance only
// points at the shared tables). new Grammar(specs) still compiles a list of its own (tests, one-off grammars).
import type { CommandArgs, CommandSpec } from "./types";
import { formatMac, parseMac } from "../mac";

export const MAX_LINE_LENGTH = 240;
export const MAX_WORDS = 32;
/** Highest port number the syntax accepts (the chip's real ports are checked by the services). */
export const MAX_PORT_NUMBER = 31;
export const MAX_VID = 4095;
const MAX_WORD_LENGTH = 64;
const END = -1;

export type ConsoleMode = "exec" | "config";
type ParamKind = "port" | "ports" | "mac" | "trunk" | "vid" | "int" | "seconds" | "word" | "text";
const PARAM_KINDS: readonly string[] = Object.freeze(["port", "ports", "mac", "trunk", "vid", "int", "seconds", "word", "text"]);

interface GrammarNode {
  /** Lower-case keyword, or "" for a placeholder. */
  readonly keyword: string;
  readonly kind: ParamKind | undefined;
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Node indices (in the same command) that may follow; END when the command may stop here. */
  readonly next: readonly number[];
}

interface CompiledCommand {
  readonly spec: CommandSpec;
  readonly nodes: readonly GrammarNode[];
  readonly first: readonly number[];
}

interface Bound {
  readonly node: GrammarNode;
  readonly value: number | number[] | string;
  readonly prev: Bound | undefined;
}

interface State {
  readonly command: number;
  readonly node: number;
  readonly bound: Bound | undefined;
}

interface Token {
  readonly text: string;
  readonly quoted: boolean;
  /** Offsets in the line (quotes included). */
  readonly start: number;
  readonly end: number;
}

export type MatchResult =
  | { readonly kind: "empty" }
  | { readonly kind: "error"; readonly message: string }
  | { readonly kind: "command"; readonly spec: CommandSpec; readonly args: CommandArgs; readonly json: boolean };

// ---------------------------------------------------------------------------------------------------------------
// Pattern compiler

type Element =
  | { readonly type: "keyword"; readonly word: string }
  | { readonly type: "param"; readonly kind: ParamKind; readonly name: string; readonly min: number; readonly max: number }
  | { readonly type: "optional"; readonly body: Element[] }
  | { readonly type: "choice"; readonly alternatives: Element[][] };

function patternError(pattern: string, why: string): Error {
  return new Error(`command pattern "${pattern}": ${why}`);
}

function lexPattern(pattern: string): string[] {
  const parts: string[] = [];
  const re = /\s*(<[^>]*>|[[\]{}|]|[^\s[\]{}|<>]+)/y;
  let at = 0;
  for (let guard = 0; guard < 256; guard++) {
    if (/^\s*$/.test(pattern.slice(at))) return parts;
    re.lastIndex = at;
    const found = re.exec(pattern);
    if (!found) throw patternError(pattern, `cannot read it at offset ${at}`);
    parts.push(found[1]);
    at = re.lastIndex;
  }
  throw patternError(pattern, "too long");
}

function parseParam(pattern: string, part: string): Element {
  const fields = part.slice(1, -1).split(":");
  const kind = fields[0];
  if (PARAM_KINDS.indexOf(kind) < 0) throw patternError(pattern, `unknown placeholder ${part}`);
  let name = kind;
  let range = "";
  if (fields.length === 2) {
    if (/^\d/.test(fields[1])) range = fields[1];
    else name = fields[1];
  } else if (fields.length === 3) {
    name = fields[1];
    range = fields[2];
  } else if (fields.length > 3) throw patternError(pattern, `bad placeholder ${part}`);
  let min = 0;
  let max = 0;
  if (kind === "int" || kind === "seconds") {
    const bounds = /^(\d+)-(\d+)$/.exec(range);
    if (!bounds) throw patternError(pattern, `${part} needs a range MIN-MAX`);
    min = Number(bounds[1]);
    max = Number(bounds[2]);
    if (!(min <= max) || max > 4294967295) throw patternError(pattern, `bad range in ${part}`);
  } else if (range) throw patternError(pattern, `${part}: only int and seconds take a range`);
  return { type: "param", kind: kind as ParamKind, name, min, max };
}

function parseSequence(pattern: string, parts: string[], at: { index: number }, closers: string): Element[] {
  const sequence: Element[] = [];
  while (at.index < parts.length) {
    const part = parts[at.index];
    if (closers.indexOf(part) >= 0) return sequence;
    at.index++;
    if (part === "[") {
      const body = parseSequence(pattern, parts, at, "]");
      if (parts[at.index++] !== "]" || body.length === 0) throw patternError(pattern, "unbalanced or empty [ ]");
      sequence.push({ type: "optional", body });
    } else if (part === "{") {
      const alternatives: Element[][] = [];
      for (;;) {
        const alternative = parseSequence(pattern, parts, at, "|}");
        if (alternative.length === 0) throw patternError(pattern, "empty alternative in { }");
        alternatives.push(alternative);
        const closer = parts[at.index++];
        if (closer === "}") break;
        if (closer !== "|") throw patternError(pattern, "unbalanced { }");
      }
      sequence.push({ type: "choice", alternatives });
    } else if (part.charAt(0) === "<") {
      sequence.push(parseParam(pattern, part));
    } else if (part === "]" || part === "}" || part === "|") {
      throw patternError(pattern, `unexpected "${part}"`);
    } else {
      if (!/^[a-z][a-z0-9-]*$/.test(part)) throw patternError(pattern, `keyword "${part}" must be lower-case letters, digits and dashes`);
      sequence.push({ type: "keyword", word: part });
    }
  }
  return sequence;
}

function compileSpec(spec: CommandSpec): CompiledCommand {
  const pattern = spec.pattern;
  const parts = lexPattern(pattern);
  const at = { index: 0 };
  const elements = parseSequence(pattern, parts, at, "");
  if (at.index !== parts.length || elements.length === 0) throw patternError(pattern, "unbalanced brackets or empty");
  if (elements[0].type !== "keyword") throw patternError(pattern, "must start with a keyword");
  const nodes: GrammarNode[] = [];
  const build = (sequence: readonly Element[], follow: readonly number[]): number[] => {
    let next: readonly number[] = follow;
    for (let i = sequence.length - 1; i >= 0; i--) {
      const element = sequence[i];
      if (element.type === "keyword" || element.type === "param") {
        if (element.type === "param" && element.kind === "text" && (next.length !== 1 || next[0] !== END))
          throw patternError(pattern, "<text> must be the last word");
        nodes.push(
          Object.freeze({
            keyword: element.type === "keyword" ? element.word : "",
            kind: element.type === "param" ? element.kind : undefined,
            name: element.type === "param" ? element.name : element.word,
            min: element.type === "param" ? element.min : 0,
            max: element.type === "param" ? element.max : 0,
            next: Object.freeze(next.slice()),
          }),
        );
        next = [nodes.length - 1];
      } else if (element.type === "optional") {
        next = union(build(element.body, next), next);
      } else {
        let all: number[] = [];
        for (const alternative of element.alternatives) all = union(all, build(alternative, next));
        next = all;
      }
    }
    return next.slice();
  };
  const first = build(elements, [END]);
  return Object.freeze({ spec, nodes: Object.freeze(nodes), first: Object.freeze(first) });
}

/** Freezes `value` and every object reachable through own enumerable properties (functions shallowly). Bounded. */
function deepFreeze<T>(value: T, depth = 0): T {
  if (depth > 16 || value === null || (typeof value !== "object" && typeof value !== "function")) return value;
  if (typeof value === "function") return Object.freeze(value);
  const values = Object.values(value as object);
  for (let i = 0; i < values.length; i++) deepFreeze(values[i], depth + 1);
  return Object.freeze(value);
}

/** A command list compiled once: every table, node and spec frozen. Build it at module level and share it. */
export interface CompiledGrammar {
  readonly commands: readonly CompiledCommand[];
}

/** Compiles `specs` (throws on a bad pattern) and freezes the result all the way down, the specs included. */
export function compileGrammar(specs: readonly CommandSpec[]): CompiledGrammar {
  const commands: CompiledCommand[] = [];
  for (let i = 0; i < specs.length; i++) commands.push(compileSpec(specs[i]));
  return deepFreeze({ commands });
}

function union(a: readonly number[], b: readonly number[]): number[] {
  const out = a.slice();
  for (const value of b) if (out.indexOf(value) < 0) out.push(value);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Words of a line

type Tokens = { readonly tokens: Token[]; readonly trailingSpace: boolean } | { readonly error: string };

/** Splits a line into words; "quoted strings" are one word. Refuses what a terminal should never send. */
export function tokenize(line: string): Tokens {
  if (typeof line !== "string") return { error: "% Not a line of text" };
  if (line.length > MAX_LINE_LENGTH) return { error: `% Line too long (${line.length} characters; at most ${MAX_LINE_LENGTH})` };
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    const code = line.charCodeAt(i);
    if (code === 0x20 || code === 0x09) {
      i++;
      continue;
    }
    if (tokens.length >= MAX_WORDS) return { error: `% Too many words (at most ${MAX_WORDS})` };
    const start = i;
    if (code === 0x22) {
      const close = line.indexOf('"', i + 1);
      if (close < 0) return { error: `% Unterminated quote at character ${start + 1}` };
      const bad = badCharacter(line, i + 1, close);
      if (bad) return { error: bad };
      const after = close + 1 < n ? line.charCodeAt(close + 1) : 0x20;
      if (after !== 0x20 && after !== 0x09) return { error: `% A closing quote must end a word (character ${close + 2})` };
      tokens.push({ text: line.slice(i + 1, close), quoted: true, start, end: close + 1 });
      i = close + 1;
      continue;
    }
    while (i < n) {
      const c = line.charCodeAt(i);
      if (c === 0x20 || c === 0x09) break;
      if (c === 0x22) return { error: `% A quote may only start a word (character ${i + 1})` };
      if (c < 0x20 || c > 0x7e) return { error: badCharacter(line, i, i + 1) };
      i++;
    }
    tokens.push({ text: line.slice(start, i), quoted: false, start, end: i });
  }
  const last = n > 0 ? line.charCodeAt(n - 1) : 0x20;
  return { tokens, trailingSpace: last === 0x20 || last === 0x09 };
}

function badCharacter(line: string, from: number, to: number): string {
  for (let i = from; i < to; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x09) continue;
    if (c < 0x20 || c > 0x7e) {
      const hex = c.toString(16);
      return `% Invalid character 0x${hex.length < 2 ? "0" : ""}${hex} at character ${i + 1}: only printable ASCII is accepted`;
    }
  }
  return "";
}

// ---------------------------------------------------------------------------------------------------------------
// Values

/** The value of `text` for placeholder `node`, or undefined when it does not fit. */
function parseValue(node: GrammarNode, token: Token): number | number[] | string | undefined {
  const text = token.text;
  switch (node.kind) {
    case "port": {
      if (token.quoted || !/^\d{1,2}$/.test(text)) return undefined;
      const port = Number(text);
      return port <= MAX_PORT_NUMBER ? port : undefined;
    }
    case "ports":
      return token.quoted ? undefined : parsePortList(text);
    case "mac": {
      if (token.quoted || text.length > 17) return undefined;
      try {
        return parseMac(text);
      } catch {
        return undefined;
      }
    }
    case "trunk": {
      const found = token.quoted ? null : /^trk([12])$/i.exec(text);
      return found ? Number(found[1]) - 1 : undefined;
    }
    case "vid": {
      if (token.quoted || !/^\d{1,4}$/.test(text)) return undefined;
      const vid = Number(text);
      return vid <= MAX_VID ? vid : undefined;
    }
    case "int": {
      if (token.quoted || !/^\d{1,10}$/.test(text)) return undefined;
      const value = Number(text);
      return value >= node.min && value <= node.max ? value : undefined;
    }
    case "seconds": {
      const found = token.quoted ? null : /^(\d{1,7})(?:\.(\d{1,3}))?$/.exec(text);
      if (!found) return undefined;
      const fraction = found[2] ? Number((found[2] + "00").slice(0, 3)) : 0;
      const ms = Number(found[1]) * 1000 + fraction;
      return ms >= node.min * 1000 && ms <= node.max * 1000 ? ms : undefined;
    }
    case "word":
      return text.length >= 1 && text.length <= MAX_WORD_LENGTH ? text : undefined;
    default:
      return undefined;
  }
}

/** "0-1,3" -> [0, 1, 3]; undefined when malformed or out of 0..31. */
export function parsePortList(text: string): number[] | undefined {
  if (text.length > 64 || !/^\d{1,2}(-\d{1,2})?(,\d{1,2}(-\d{1,2})?)*$/.test(text)) return undefined;
  let mask = 0;
  const items = text.split(",");
  for (const item of items) {
    const dash = item.indexOf("-");
    const from = Number(dash < 0 ? item : item.slice(0, dash));
    const to = Number(dash < 0 ? item : item.slice(dash + 1));
    if (from > MAX_PORT_NUMBER || to > MAX_PORT_NUMBER || from > to) return undefined;
    for (let port = from; port <= to; port++) mask = (mask | (1 << port)) >>> 0;
  }
  const ports: number[] = [];
  for (let port = 0; port <= MAX_PORT_NUMBER; port++) if ((mask >>> port) & 1) ports.push(port);
  return ports;
}

/** How a placeholder shows in "?" help. */
function display(node: GrammarNode): string {
  switch (node.kind) {
    case "int":
    case "seconds":
      return `<${node.min}-${node.max}>`;
    case "word":
    case "text":
      return `<${node.name === node.kind ? node.kind : node.name}>`;
    default:
      return node.name === node.kind ? `<${node.kind}>` : `<${node.name}>`;
  }
}

function describe(node: GrammarNode): string {
  switch (node.kind) {
    case "port":
      return `a port number 0..${MAX_PORT_NUMBER}`;
    case "ports":
      return "a port list like 0-1 or 0,2";
    case "mac":
      return "a MAC address like aa:bb:cc:dd:ee:ff";
    case "trunk":
      return "trk1 or trk2";
    case "vid":
      return `a VLAN ID 0..${MAX_VID}`;
    case "int":
      return `a number from ${node.min} to ${node.max}`;
    case "seconds":
      return `seconds from ${node.min} to ${node.max} (up to 3 decimals)`;
    case "word":
      return "one word";
    case "text":
      return 'the rest of the line, or a "quoted string"';
    default:
      return node.keyword;
  }
}

/** What an error says was expected for a placeholder. */
function expectation(node: GrammarNode): string {
  switch (node.kind) {
    case "trunk":
    case "int":
    case "seconds":
      return describe(node);
    default:
      return `${display(node)} (${describe(node)})`;
  }
}

function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Matched values

class MatchedArgs implements CommandArgs {
  readonly #bound: Bound | undefined;
  constructor(bound: Bound | undefined) {
    this.#bound = bound;
  }

  #find(name: string, kind: ParamKind): number | number[] | string {
    for (let b = this.#bound; b; b = b.prev)
      if (b.node.kind && b.node.name === name && (b.node.kind === kind || (kind === "int" && b.node.kind === "seconds"))) return b.value;
    throw new Error(`the command has no ${kind} value named "${name}"`);
  }

  has(keyword: string): boolean {
    for (let b = this.#bound; b; b = b.prev) if (b.node.keyword === keyword) return true;
    return false;
  }

  given(name: string): boolean {
    for (let b = this.#bound; b; b = b.prev) if (b.node.kind && b.node.name === name) return true;
    return false;
  }

  port(name = "port"): number {
    return this.#find(name, "port") as number;
  }

  ports(name = "ports"): number[] {
    return (this.#find(name, "ports") as number[]).slice();
  }

  mac(name = "mac"): number {
    return this.#find(name, "mac") as number;
  }

  trunk(name = "trunk"): number {
    return this.#find(name, "trunk") as number;
  }

  int(name: string): number {
    return this.#find(name, "int") as number;
  }

  vid(name = "vid"): number {
    return this.#find(name, "vid") as number;
  }

  text(name = "text"): string {
    return this.#find(name, "text") as string;
  }

  word(name = "word"): string {
    return this.#find(name, "word") as string;
  }

  /** Every value, for tests and debugging ("mac" values formatted). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let b = this.#bound; b; b = b.prev) {
      if (!b.node.kind) {
        if (!(b.node.keyword in out)) out[b.node.keyword] = true;
      }
      else out[b.node.name] = b.node.kind === "mac" ? formatMac(b.value as number) : b.value;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The matcher

interface Walk {
  /** Live states after the words read. */
  states: State[];
  /** States that took the rest of the line as <text>. */
  rest: State[];
  error?: string;
}

export interface GrammarOptions {
  /** Help for keywords shared by several commands ("no", "show", "trunk"), shown by "?". */
  wordHelp?: Readonly<Record<string, string>>;
}

const EMPTY_WORD_HELP: Readonly<Record<string, string>> = Object.freeze({});

function isCompiled(value: CompiledGrammar | readonly CommandSpec[]): value is CompiledGrammar {
  return !Array.isArray(value);
}

export interface HelpEntry {
  word: string;
  help: string;
}

export class Grammar {
  readonly #commands: readonly CompiledCommand[];
  readonly #wordHelp: Readonly<Record<string, string>>;

  /** `compiled` from compileGrammar() is shared, not copied; a list of specs is compiled for this instance. */
  constructor(compiled: CompiledGrammar | readonly CommandSpec[], options: GrammarOptions = {}) {
    this.#commands = isCompiled(compiled) ? compiled.commands : compileGrammar(compiled).commands;
    this.#wordHelp = options.wordHelp ?? EMPTY_WORD_HELP;
  }

  get specs(): CommandSpec[] {
    return this.#commands.map((command) => command.spec);
  }

  #allowed(mode: ConsoleMode | "all"): (spec: CommandSpec) => boolean {
    return (spec) => mode === "all" || spec.mode === "any" || spec.mode === mode;
  }

  #start(filter: (spec: CommandSpec) => boolean): State[] {
    const states: State[] = [];
    const commands = this.#commands;
    for (let c = 0; c < commands.length; c++) {
      if (!filter(commands[c].spec)) continue;
      for (const node of commands[c].first) states.push({ command: c, node, bound: undefined });
    }
    return states;
  }

  #node(state: State): GrammarNode | undefined {
    return state.node === END ? undefined : this.#commands[state.command].nodes[state.node];
  }

  #keywords(states: readonly State[]): string[] {
    const words: string[] = [];
    for (const state of states) {
      const node = this.#node(state);
      if (node && node.keyword && words.indexOf(node.keyword) < 0) words.push(node.keyword);
    }
    return words.sort();
  }

  /** Reads `tokens` from the start states; stops at the first word that fits nothing. */
  #walk(tokens: readonly Token[], line: string, filter: (spec: CommandSpec) => boolean): Walk {
    let states = this.#start(filter);
    const rest: State[] = [];
    for (let t = 0; t < tokens.length; t++) {
      const token = tokens[t];
      // A <text> placeholder takes the rest of the line from here.
      for (const state of states) {
        const node = this.#node(state);
        if (node && node.kind === "text") {
          const last = tokens[tokens.length - 1];
          const value = token.quoted && t === tokens.length - 1 ? token.text : line.slice(token.start, last.end);
          rest.push({ command: state.command, node: END, bound: { node, value, prev: state.bound } });
        }
      }
      const keywords = this.#keywords(states);
      let resolved = "";
      let candidates: string[] = [];
      if (!token.quoted) {
        const lower = token.text.toLowerCase();
        if (keywords.indexOf(lower) >= 0) resolved = lower;
        else {
          candidates = keywords.filter((word) => word.startsWith(lower));
          if (candidates.length === 1) resolved = candidates[0];
        }
      }
      const next: State[] = [];
      const seen: number[] = [];
      const add = (command: number, nodes: readonly number[], bound: Bound | undefined) => {
        for (const node of nodes) {
          const key = command * 4096 + node + 1;
          if (seen.indexOf(key) >= 0) continue;
          seen.push(key);
          next.push({ command, node, bound });
        }
      };
      if (resolved) {
        for (const state of states) {
          const node = this.#node(state);
          if (node && node.keyword === resolved) add(state.command, node.next, { node, value: resolved, prev: state.bound });
        }
      } else {
        for (const state of states) {
          const node = this.#node(state);
          if (!node || !node.kind || node.kind === "text") continue;
          const value = parseValue(node, token);
          if (value !== undefined) add(state.command, node.next, { node, value, prev: state.bound });
        }
      }
      if (next.length === 0) {
        if (rest.length > 0) return { states: [], rest };
        const word = `word ${t + 1} ("${token.text}")`;
        if (candidates.length > 1) return { states, rest, error: `% Ambiguous ${word}: ${candidates.join(", ")}` };
        if (t === 0) return { states, rest, error: `% Unknown command "${token.text}"` };
        return { states, rest, error: `% Invalid input at ${word}: expected ${this.#expected(states)}` };
      }
      states = next;
    }
    return { states, rest };
  }

  #expected(states: readonly State[]): string {
    const items = this.#keywords(states);
    let end = false;
    for (const state of states) {
      const node = this.#node(state);
      if (!node) end = true;
      else if (node.kind) {
        const text = expectation(node);
        if (items.indexOf(text) < 0) items.push(text);
      }
    }
    if (end) items.push("the end of the command");
    return joinOr(items);
  }

  /** Matches a whole line in `mode`. Never throws. */
  match(line: string, mode: ConsoleMode): MatchResult {
    const split = tokenize(line);
    if ("error" in split) return { kind: "error", message: split.error };
    let tokens = split.tokens;
    if (tokens.length === 0 || (!tokens[0].quoted && tokens[0].text.charAt(0) === "!")) return { kind: "empty" };
    let json = false;
    for (let i = 0; i < tokens.length; i++) {
      if (tokens[i].quoted || tokens[i].text.charAt(0) !== "|") continue;
      const word = tokens[i + 1];
      const ok = tokens[i].text === "|" && i === tokens.length - 2 && i > 0 && !word.quoted && "json".startsWith(word.text.toLowerCase());
      if (!ok) return { kind: "error", message: JSON_ONLY_AT_END };
      json = true;
      tokens = tokens.slice(0, i);
      break;
    }
    const walk = this.#walk(tokens, line, this.#allowed(mode));
    if (walk.error) {
      const other = this.#otherMode(tokens, mode);
      return { kind: "error", message: other || walk.error };
    }
    let done: State | undefined;
    for (const state of walk.states) if (state.node === END && (!done || state.command < done.command)) done = state;
    if (!done) for (const state of walk.rest) if (!done || state.command < done.command) done = state;
    if (!done) {
      const other = this.#otherMode(tokens, mode);
      return { kind: "error", message: other || `% Incomplete command: expected ${this.#expected(walk.states)}` };
    }
    const spec = this.#commands[done.command].spec;
    if (json && !spec.json) return { kind: "error", message: JSON_ONLY_AT_END };
    return { kind: "command", spec, args: new MatchedArgs(done.bound), json };
  }

  /** When the line's first word only starts commands of the other mode, says so. */
  #otherMode(tokens: readonly Token[], mode: ConsoleMode): string {
    if (tokens.length === 0 || tokens[0].quoted) return "";
    const first = tokens[0].text.toLowerCase();
    const all = this.#keywords(this.#start(this.#allowed("all")));
    const candidates = all.indexOf(first) >= 0 ? [first] : all.filter((w) => w.startsWith(first));
    if (candidates.length === 0) return "";
    const here = this.#keywords(this.#start(this.#allowed(mode)));
    for (const candidate of candidates) if (here.indexOf(candidate) >= 0) return "";
    const word = candidates.length === 1 ? candidates[0] : tokens[0].text;
    return mode === "exec"
      ? `% "${word}" is a configuration command: enter "configure" first`
      : `% "${word}" is an exec command: leave configuration mode with "end" first`;
  }

  /** What may follow `line` ("?" typed after it): one entry per possible word, "<cr>" when the line is complete. */
  helpEntries(line: string, mode: ConsoleMode): HelpEntry[] | string {
    const split = tokenize(line);
    if ("error" in split) return split.error;
    let tokens = split.tokens;
    const partial = !split.trailingSpace && tokens.length > 0 && !tokens[tokens.length - 1].quoted ? tokens[tokens.length - 1].text : undefined;
    if (partial !== undefined) tokens = tokens.slice(0, -1);
    const pipe = tokens.findIndex((token) => !token.quoted && token.text === "|");
    if (pipe >= 0) {
      if (pipe !== tokens.length - 1 || (partial !== undefined && !"json".startsWith(partial.toLowerCase()))) return JSON_ONLY_AT_END;
      tokens = tokens.slice(0, pipe);
      const walk = this.#walk(tokens, line, this.#allowed(mode));
      const json = !walk.error && walk.states.some((s) => s.node === END && this.#commands[s.command].spec.json);
      return json ? [{ word: "json", help: "Print the same data as one JSON document" }] : JSON_ONLY_AT_END;
    }
    const walk = this.#walk(tokens, line, this.#allowed(mode));
    if (walk.error) return walk.error;
    const entries: HelpEntry[] = [];
    const states = walk.states;
    const lower = partial === undefined ? "" : partial.toLowerCase();
    for (const word of this.#keywords(states)) {
      if (!word.startsWith(lower)) continue;
      entries.push({ word, help: this.#keywordHelp(states, word) });
    }
    if (partial === undefined || entries.length === 0) {
      const probe: Token | undefined = partial === undefined ? undefined : { text: partial, quoted: false, start: 0, end: partial.length };
      for (const state of states) {
        const node = this.#node(state);
        if (!node || !node.kind) continue;
        if (probe && node.kind !== "text" && parseValue(node, probe) === undefined) continue;
        const word = display(node);
        if (!entries.some((entry) => entry.word === word)) entries.push({ word, help: describe(node) });
      }
    }
    if (partial === undefined) {
      const complete = states.filter((s) => s.node === END);
      if (complete.length > 0 || walk.rest.length > 0) entries.push({ word: "<cr>", help: "" });
      if (complete.some((s) => this.#commands[s.command].spec.json)) entries.push({ word: "| json", help: "Print the same data as one JSON document" });
    }
    if (entries.length === 0) {
      if (tokens.length === 0 && partial !== undefined) return `% Unknown command "${partial}"`;
      return `% Invalid input at word ${tokens.length + 1} ("${partial ?? ""}"): expected ${this.#expected(states)}`;
    }
    return entries;
  }

  #keywordHelp(states: readonly State[], word: string): string {
    const specs: CommandSpec[] = [];
    for (const state of states) {
      const node = this.#node(state);
      const spec = this.#commands[state.command].spec;
      if (node && node.keyword === word && specs.indexOf(spec) < 0) specs.push(spec);
    }
    for (const spec of specs) {
      const own = spec.words ? spec.words[word] : undefined;
      if (own) return own;
    }
    if (specs.length === 1) return specs[0].help;
    const shared = this.#wordHelp[word];
    return shared ?? specs[0].help;
  }

  /** "?" help as text lines (two columns), or the error line. */
  help(line: string, mode: ConsoleMode): string {
    const entries = this.helpEntries(line, mode);
    if (typeof entries === "string") return entries;
    let width = 0;
    for (const entry of entries) width = Math.max(width, entry.word.length);
    return entries.map((entry) => (entry.help ? `  ${entry.word.padEnd(width)}  ${entry.help}` : `  ${entry.word}`)).join("\n");
  }

  /** Keywords that complete the last (partial) word of `line`; empty when none fit. */
  complete(line: string, mode: ConsoleMode): string[] {
    const split = tokenize(line);
    if ("error" in split) return [];
    let tokens = split.tokens;
    let partial = "";
    if (!split.trailingSpace && tokens.length > 0) {
      const last = tokens[tokens.length - 1];
      if (last.quoted) return [];
      partial = last.text.toLowerCase();
      tokens = tokens.slice(0, -1);
    }
    if (tokens.some((token) => !token.quoted && token.text.charAt(0) === "|")) return "json".startsWith(partial) ? ["json"] : [];
    const walk = this.#walk(tokens, line, this.#allowed(mode));
    if (walk.error) return [];
    return this.#keywords(walk.states).filter((word) => word.startsWith(partial));
  }
}

export const JSON_ONLY_AT_END = '% "| json" is only accepted at the end of a show command';
