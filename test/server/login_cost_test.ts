/**
 * Logins that tell nothing (issue 17): a wrong password for a configured user
 * and any password for a name nobody configured run the same verifier on a
 * secret of the same kind and cost, for every credential kind; proven by what
 * the verifier is given, not by timing (bench/login_timing.ts measures).
 */
import assert from "node:assert/strict";
import {
  type Authorizer,
  ChainAuthorizer,
  checkSecret,
  hashPassword,
  md5Password,
  secretCost,
  type StoredSecret,
  type UserAccount,
  VirtualAuthorizer,
} from "../../server.ts";
import { UserTable } from "../../plugins/uftp/mod.ts";
import { LoginCache } from "../../plugins/server/login_cache.ts";
import { Ctl } from "./client.ts";
import { testServer } from "./helpers.ts";

const ctx = { remoteAddress: "127.0.0.1", secure: false };

/** A verifier that records the cost of every secret it checks. */
function recorder() {
  const costs: string[] = [];
  const verify = (secret: StoredSecret, password: string) => {
    costs.push(secretCost(secret));
    return checkSecret(secret, password);
  };
  return { costs, verify };
}

/** The costs checked for a wrong password of `known`, then for an unknown name. */
async function bothPaths(auth: Authorizer, costs: string[], known: string) {
  costs.length = 0;
  assert.equal(await auth.authenticate(known, "wrong", ctx), undefined);
  const knownPath = costs.splice(0);
  assert.equal(await auth.authenticate("nobody-here", "wrong", ctx), undefined);
  return { knownPath, unknownPath: costs.splice(0) };
}

const KINDS: [string, () => Promise<{ password?: string; passwordHash?: string }>, string][] = [
  [
    "clear text (pyftpdlib style)",
    () => Promise.resolve({ password: "pw" }),
    "clear",
  ],
  ["FsTPy md5", () => Promise.resolve({ passwordHash: md5Password("pw") }), "md5"],
  [
    "scrypt ln=12 (ferry serve -u/-P)",
    async () => ({ passwordHash: await hashPassword("pw", { ln: 12, r: 8, p: 1 }) }),
    "scrypt ln=12 r=8 p=1",
  ],
  [
    "scrypt ln=10 r=4 p=2",
    async () => ({ passwordHash: await hashPassword("pw", { ln: 10, r: 4, p: 2 }) }),
    "scrypt ln=10 r=4 p=2",
  ],
];

for (const [name, make, cost] of KINDS) {
  Deno.test(`login cost: ${name}: an unknown name is checked like a known one`, async () => {
    const { costs, verify } = recorder();
    const auth = new VirtualAuthorizer({ verify }).addUser("bob", { ...await make(), perm: "elr" });
    const { knownPath, unknownPath } = await bothPaths(auth, costs, "bob");
    assert.deepEqual(knownPath, [cost]);
    assert.deepEqual(unknownPath, [cost]);
    assert.ok(await auth.authenticate("bob", "pw", ctx), "the right password still works");
  });
}

Deno.test("login cost: mixed users: the stand-in takes the most common cost", async () => {
  const { costs, verify } = recorder();
  const ln10 = { ln: 10, r: 8, p: 1 };
  const auth = new VirtualAuthorizer({ verify })
    .addUser("a", { passwordHash: await hashPassword("pw", ln10) })
    .addUser("b", { passwordHash: await hashPassword("pw", ln10) })
    .addUser("c", { passwordHash: md5Password("pw") });
  assert.deepEqual((await bothPaths(auth, costs, "a")).unknownPath, ["scrypt ln=10 r=8 p=1"]);
  auth.removeUser("a");
  auth.removeUser("b");
  assert.deepEqual((await bothPaths(auth, costs, "c")).unknownPath, ["md5"]);
});

Deno.test("login cost: a plugin authorizer in front: both paths ask it, then the same check", async () => {
  const { costs, verify } = recorder();
  const asked: string[] = [];
  const plugin: Authorizer = {
    authenticate(user: string): Promise<UserAccount | undefined> {
      asked.push(user);
      return Promise.resolve(undefined);
    },
  };
  const virtual = new VirtualAuthorizer({ verify }).addUser("bob", { password: "pw" });
  const chain = new ChainAuthorizer([plugin, virtual]);
  const { knownPath, unknownPath } = await bothPaths(chain, costs, "bob");
  assert.deepEqual(asked, ["bob", "nobody-here"]);
  assert.deepEqual(knownPath, unknownPath);
});

Deno.test("login cost: through the server, both failures get the same reply after the same delay setting", async () => {
  const { costs, verify } = recorder();
  const auth = new VirtualAuthorizer({ verify }).addUser("bob", { password: "pw" });
  await using t = await testServer({ authorizer: auth, authFailedDelayMs: 1 });
  await using c = await Ctl.connect(t.port);
  const known = await c.login("bob", "wrong");
  const unknown = await c.login("nobody-here", "wrong");
  assert.deepEqual([known.code, known.text], [unknown.code, unknown.text]);
  assert.deepEqual(costs, ["clear", "clear"]);
});

Deno.test("login cost: the UFTP auth service checks unknown names like known ones", async () => {
  const { costs, verify } = recorder();
  const users = new UserTable({
    demouser: { passwordHash: await hashPassword("pw", { ln: 11, r: 8, p: 1 }) },
    tokenonly: { tokens: ["t0123456789"] },
  }, { verify });
  const basic = (user: string) => `Basic ${btoa(`${user}:wrong`)}`;
  for (const user of ["demouser", "nobody-here", "tokenonly"]) {
    assert.ok("error" in (await users.identify(basic(user)))!);
  }
  assert.deepEqual(costs, Array(3).fill("scrypt ln=11 r=8 p=1"));
});

Deno.test("login cache: a repeated scrypt login skips the hash; wrong passwords never do; changed credentials miss", async () => {
  const { costs, verify } = recorder();
  const ln = { ln: 10, r: 8, p: 1 };
  const auth = new VirtualAuthorizer({ verify }).addUser("bob", {
    passwordHash: await hashPassword("pw", ln),
  });
  assert.ok(await auth.authenticate("bob", "pw", ctx));
  assert.ok(await auth.authenticate("bob", "pw", ctx));
  assert.deepEqual(costs.splice(0), ["scrypt ln=10 r=8 p=1"], "the second login is cached");
  assert.equal(await auth.authenticate("bob", "wrong", ctx), undefined);
  assert.equal(await auth.authenticate("bob", "wrong", ctx), undefined);
  assert.equal(costs.splice(0).length, 2, "a wrong password is verified every time");
  auth.removeUser("bob");
  auth.addUser("bob", { passwordHash: await hashPassword("new", ln) });
  assert.equal(await auth.authenticate("bob", "pw", ctx), undefined, "the old password is gone");
  assert.ok(await auth.authenticate("bob", "new", ctx));
  assert.equal(costs.splice(0).length, 2);
});

Deno.test("login cache: bounded, least recently used first; size 0 turns it off", () => {
  const cache = new LoginCache(2);
  const s = {};
  cache.remember("a", "1", s);
  cache.remember("b", "2", s);
  assert.ok(cache.verified("a", "1", s)); // a is now the most recent
  cache.remember("c", "3", s);
  assert.equal(cache.count, 2);
  assert.ok(!cache.verified("b", "2", s));
  assert.ok(cache.verified("a", "1", s));
  assert.ok(!cache.verified("a", "1", {}), "another secret object misses");
  cache.forget("a");
  assert.ok(!cache.verified("a", "1", s));
  const off = new LoginCache(0);
  off.remember("a", "1", s);
  assert.ok(!off.verified("a", "1", s));
});
