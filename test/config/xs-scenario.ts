// One scenario over the config modules (schema, store, password, CRC) that runs unchanged on Node and on XS (xsnap):
// plain ES2022, no Node APIs, storage passed in. It returns its observations as one JSON text; xs.test.ts compares the
// two engines' texts character for character.
import { Crc32 } from "../../modules/config/crc32";
import { hashPassword, sha256, toHex, verifyPassword } from "../../modules/config/password";
import { decodeConfig, encodeConfig, factoryConfig, validateConfig, type SwitchConfig } from "../../modules/config/schema";
import { ConfigStore, type KeyValueStorage, type SaveJob } from "../../modules/config/store";

function ascii(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function sample(n: number): SwitchConfig {
  const c = factoryConfig();
  c.hostname = `sw-${n}`;
  c.trunks.push({
    group: 1,
    members: [3, 2],
    mode: "hash",
    indexBits: 4,
    servers: ["02-00-5E-10-20-3" + n, "0200.5e10.2040"],
    vid: n,
    holdDownMs: 1000,
    interSwitchPort: null,
    interSwitchLearning: false,
  });
  for (let p = 0; p < 8 * n; p++) c.ports.push({ port: p, enabled: p % 2 === 0, name: `port ${p} ~ rack` });
  c.exemptMacs = ["00:11:22:33:44:5" + n];
  c.exemptVlans = [n, 100];
  return c;
}

function attempt(action: () => unknown): string {
  try {
    return JSON.stringify(action());
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

function run(job: SaveJob): string {
  for (let i = 0; i < 1000; i++) if (!job.step()) break;
  return `${job.slot}/${job.sequence}/${job.writes}/${job.bytesWritten}`;
}

export function configScenario(storage: KeyValueStorage): string {
  const out: string[] = [];
  const crc = new Crc32();
  out.push(crc.compute(ascii("123456789")).toString(16));
  out.push(toHex(sha256(ascii("abc"))), toHex(sha256(new Uint8Array(0))), toHex(sha256(ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))));
  const salt = new Uint8Array(16);
  for (let i = 0; i < salt.length; i++) salt[i] = i * 17;
  const hash = hashPassword("manager \u00e9", salt, 8);
  out.push(JSON.stringify(hash), String(verifyPassword("manager \u00e9", hash)), String(verifyPassword("manager e", hash)));

  out.push(JSON.stringify(validateConfig(sample(1))));
  const bad: Array<(c: Record<string, any>) => void> = [
    (c) => (c.trunks[0].members = [0, 40]),
    (c) => (c.trunks[0].servers = ["01:00:5e:00:00:01"]),
    (c) => (c.hostname = "caf\u00e9"),
    (c) => (c.ports[0].name = 'a "b"'),
    (c) => (c.links.pollIntervalMs = 0),
    (c) => (c.moves.threshold = 1.5),
    (c) => (c.exemptVlans = [1, 1]),
    (c) => (c.version = 2),
  ];
  for (const mutate of bad) {
    const c = JSON.parse(JSON.stringify(sample(2)));
    mutate(c);
    out.push(attempt(() => validateConfig(c)));
  }
  const bytes = encodeConfig(sample(3));
  out.push(String(bytes.length), crc.compute(bytes).toString(16), JSON.stringify(decodeConfig(bytes)));
  const garbled = bytes.slice();
  garbled[5] = 0xe9;
  out.push(attempt(() => decodeConfig(garbled)));
  out.push(attempt(() => decodeConfig(ascii('{"version":3}'))));

  const store = new ConfigStore({ storage, chunkBytes: 128 });
  out.push(JSON.stringify(store.load()));
  for (let n = 1; n <= 3; n++) out.push(run(store.beginSave(sample(n))));
  out.push(JSON.stringify(new ConfigStore({ storage, chunkBytes: 128 }).load()));
  const chunk = new Uint8Array(storage.get("onemac", "a.1") as ArrayBuffer);
  chunk[3] ^= 4;
  storage.set("onemac", "a.1", chunk.buffer);
  out.push(JSON.stringify(new ConfigStore({ storage }).load()));
  out.push(run(store.beginErase()));
  out.push(JSON.stringify(new ConfigStore({ storage }).load()), JSON.stringify(storage.keys("onemac")));
  return out.join("\n");
}
