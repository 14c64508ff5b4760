// SHA-256 in plain TypeScript against the FIPS 180-2 examples and node:crypto; the salted iterated password hash,
// its verification, and what it refuses.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { DEFAULT_PASSWORD_ROUNDS, PasswordHasher, beginVerifyPassword, fromHex, hashPassword, sha256, toHex, utf8, verifyPassword } from "../../modules/config/password";
import { factoryConfig, validateConfig } from "../../modules/config/schema";

const bytes = (text: string) => Uint8Array.from(Buffer.from(text, "utf8"));

describe("sha256", () => {
  it("FIPS 180-2 appendix B examples", () => {
    assert.equal(toHex(sha256(bytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert.equal(toHex(sha256(bytes(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert.equal(
      toHex(sha256(bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("one million 'a' (FIPS 180-2 B.3)", () => {
    assert.equal(toHex(sha256(new Uint8Array(1_000_000).fill(0x61))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });

  it("agrees with node:crypto at every length around the padding boundaries", () => {
    for (let length = 0; length <= 200; length++) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      assert.equal(toHex(sha256(data)), createHash("sha256").update(data).digest("hex"), `length ${length}`);
    }
  });
});

describe("password hash", () => {
  const salt = fromHex("000102030405060708090a0b0c0d0e0f");

  it("is the documented iteration: SHA-256(salt||pw), then SHA-256(previous||salt||pw)", () => {
    const pw = "s3cret pässword";
    let digest = createHash("sha256").update(salt).update(Buffer.from(pw, "utf8")).digest();
    for (let i = 1; i < 5; i++) digest = createHash("sha256").update(digest).update(salt).update(Buffer.from(pw, "utf8")).digest();
    const hash = hashPassword(pw, salt, 5);
    assert.deepEqual(hash, { algorithm: "sha256-iterated", rounds: 5, salt: "000102030405060708090a0b0c0d0e0f", hash: digest.toString("hex") });
  });

  it("verifies the right password only; the schema accepts the hash", () => {
    const hash = hashPassword("manager", salt);
    assert.equal(hash.rounds, DEFAULT_PASSWORD_ROUNDS);
    assert.ok(verifyPassword("manager", hash));
    for (const wrong of ["Manager", "manager ", "", "manage"]) assert.ok(!verifyPassword(wrong, hash), wrong);
    assert.ok(!verifyPassword("manager", { ...hash, salt: "00" + hash.salt.slice(2, -2) + "00" }));
    assert.notEqual(hashPassword("manager", fromHex("ff")).hash, hash.hash, "another salt, another hash");
    const config = factoryConfig();
    config.password = hash;
    assert.deepEqual(validateConfig(config).password, hash);
  });

  it("a malformed hash never matches and never throws", () => {
    const good = hashPassword("x", salt, 2);
    const bad: unknown[] = [
      null,
      { ...good, algorithm: "md5" },
      { ...good, rounds: 0 },
      { ...good, rounds: 1e9 },
      { ...good, salt: "zz" },
      { ...good, salt: "" },
      { ...good, hash: "" },
      { ...good, hash: good.hash.slice(0, 62) },
    ];
    for (const hash of bad) assert.equal(verifyPassword("x", hash as never), false, JSON.stringify(hash));
  });

  it("runs a few rounds per step, so a console can spread it over timer ticks", () => {
    const hasher = new PasswordHasher("manager", salt, 10);
    let steps = 0;
    while (hasher.step(3)) steps++;
    assert.equal(steps + 1, 4, "10 rounds in steps of 3");
    assert.ok(hasher.done);
    assert.equal(hasher.hex(), hashPassword("manager", salt, 10).hash);
    const hash = hashPassword("manager", salt, 7);
    const check = beginVerifyPassword("manager", hash);
    assert.ok(check && check.step(1) && check.matches(hash.hash));
    assert.ok(!beginVerifyPassword("other", hash)?.matches(hash.hash));
    assert.equal(beginVerifyPassword("manager", { ...hash, rounds: -1 }), undefined);
  });

  it("refuses a bad salt or round count", () => {
    assert.throws(() => hashPassword("x", new Uint8Array(0)), /salt must be 1\.\.64 bytes/);
    assert.throws(() => hashPassword("x", new Uint8Array(65)), /salt must be 1\.\.64 bytes/);
    assert.throws(() => hashPassword("x", salt, 0), /rounds must be 1\.\.65536, not 0/);
    assert.throws(() => hashPassword("x", salt, 1.5), /rounds must be/);
  });

  it("UTF-8 like node's encoder, surrogate pairs included", () => {
    for (const text of ["", "abc", "é", "€", "😀 ok", "a\u0000b"]) assert.deepEqual(utf8(text), Uint8Array.from(Buffer.from(text, "utf8")), text);
    assert.deepEqual(utf8("\ud800"), Uint8Array.of(0xef, 0xbf, 0xbd));
  });
});
