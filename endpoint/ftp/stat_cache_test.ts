import assert from "node:assert/strict";
import { parentPath, StatCache } from "./stat_cache.ts";
import type { Stat } from "../types.ts";

const file = (name: string, size = 1): Stat => ({ name, type: "file", size, precision: 60_000 });

Deno.test("stat cache: parentPath", () => {
  assert.equal(parentPath("/a/b"), "/a");
  assert.equal(parentPath("/a"), "/");
  assert.equal(parentPath("/"), "/");
  assert.equal(parentPath("/a/b/"), "/a");
  assert.equal(parentPath("a/b"), "a");
  assert.equal(parentPath("a"), "");
});

Deno.test("stat cache: listings answer stats and misses", () => {
  const cache = new StatCache();
  cache.setListing("/pub", [file("a"), file("b", 2)]);
  assert.deepEqual(cache.lookup("/pub/b"), { stat: file("b", 2) });
  assert.equal(cache.lookup("/pub/zzz"), "missing");
  assert.equal(cache.lookup("/other/x"), undefined);
  assert.equal(cache.getListing("/pub")?.length, 2);
  cache.setListing("/", [{ name: "pub", type: "dir", size: 0, precision: 60_000 }]);
  assert.deepEqual(cache.lookup("/pub"), {
    stat: { name: "pub", type: "dir", size: 0, precision: 60_000 },
  });
  assert.equal(cache.lookup("/nope"), "missing");
});

Deno.test("stat cache: invalidate drops the entry; its parent's listing answers for the others", () => {
  const cache = new StatCache();
  cache.setListing("/pub", [file("a"), file("b")]);
  cache.setListing("/pub/sub", [file("deep")]);
  cache.invalidate("/pub/a");
  cache.invalidate("/pub/.c.part"); // a file written since the listing
  assert.equal(cache.lookup("/pub/a"), undefined, "not the listed stat: it changed");
  assert.equal(cache.lookup("/pub/.c.part"), undefined, "not 'missing': it may exist now");
  assert.equal(cache.getListing("/pub"), undefined, "no longer a whole listing");
  assert.deepEqual(cache.lookup("/pub/b"), { stat: file("b") });
  assert.equal(cache.lookup("/pub/d"), "missing", "the other names still answered");
  cache.invalidate("/pub", { recursive: true });
  assert.equal(cache.lookup("/pub/b"), undefined);
  assert.equal(cache.lookup("/pub/sub/deep"), undefined);
  assert.equal(cache.getListing("/pub/sub"), undefined);
});

Deno.test("stat cache: grows for big listings, expires by age, enable/disable/clear", () => {
  let now = 0;
  const cache = new StatCache({ size: 10, maxAge: 1000, now: () => now });
  const many = Array.from({ length: 100 }, (_, i) => file(`f${i}`));
  cache.setListing("/big", many);
  assert.equal(cache.size, Math.ceil(1.1 * 101));
  assert.deepEqual(cache.lookup("/big/f0"), { stat: file("f0") });
  now = 1001;
  assert.equal(cache.lookup("/big/f1"), undefined);
  assert.equal(cache.getListing("/big"), undefined);
  cache.setStat("/x", file("x"));
  cache.disable();
  assert.equal(cache.enabled, false);
  assert.equal(cache.lookup("/x"), undefined);
  cache.setStat("/y", file("y"));
  cache.enable();
  assert.equal(cache.lookup("/y"), undefined, "stores while disabled are ignored");
  assert.equal(cache.lookup("/x"), undefined, "enabling starts empty");
  cache.setStat("/z", file("z"));
  cache.clear();
  assert.equal(cache.lookup("/z"), undefined);
  cache.resize(3);
  assert.equal(cache.size, 3);
});

Deno.test("stat cache: a listing asked for before a change keeps nothing it changed", () => {
  const cache = new StatCache();
  const before = cache.begin();
  cache.invalidate("/pub/.a.part"); // another session's upload ended meanwhile
  cache.setListing("/pub", [file("b")], before);
  assert.equal(cache.lookup("/pub/.a.part"), undefined, "never 'missing' from the old listing");
  assert.deepEqual(cache.lookup("/pub/b"), { stat: file("b") }, "unchanged names still answer");
  assert.equal(cache.getListing("/pub"), undefined, "no whole listing any more");
  const after = cache.begin();
  cache.setListing("/pub", [file(".a.part"), file("b")], after);
  assert.deepEqual(cache.lookup("/pub/.a.part"), { stat: file(".a.part") });
  assert.equal(cache.getListing("/pub")?.length, 2);
});

Deno.test("stat cache: which changes overtake a listing", () => {
  const cache = new StatCache();
  const overtaken = (change: () => void, dir = "/pub/sub") => {
    const ticket = cache.begin();
    change();
    const what = cache.overtaken(dir, ticket);
    return what === "all" ? what : [...what].sort();
  };
  assert.deepEqual(overtaken(() => {}), []);
  assert.equal(overtaken(() => cache.invalidate("/pub/sub")), "all", "the directory itself");
  assert.deepEqual(overtaken(() => cache.invalidate("/pub/sub/x")), ["x"], "an entry");
  assert.deepEqual(overtaken(() => cache.invalidate("/pub/sub/x/y")), [], "below an entry");
  assert.deepEqual(overtaken(() => cache.invalidate("/pub/other")), [], "a sibling");
  assert.equal(overtaken(() => cache.invalidate("/pub", { recursive: true })), "all", "a parent");
  assert.equal(overtaken(() => cache.invalidate("/", { recursive: true })), "all", "the root");
  assert.deepEqual(overtaken(() => cache.invalidate("/pu", { recursive: true })), [], "a prefix");
  assert.equal(overtaken(() => cache.clear()), "all", "a clear (time shift)");
  assert.equal(overtaken(() => cache.disable()), "all", "disabling");
  cache.enable();
  // An older change does not keep a later listing out.
  cache.invalidate("/pub/sub/x");
  const ticket = cache.begin();
  cache.setListing("/pub/sub", [file("x")], ticket);
  assert.deepEqual(cache.lookup("/pub/sub/x"), { stat: file("x") });
  assert.equal(cache.getListing("/pub/sub")?.length, 1);
});

Deno.test("stat cache: a stat learnt with a ticket is kept unless a change overtook it", () => {
  const cache = new StatCache();
  cache.setListing("/pub", [file("a")]);
  cache.invalidate("/pub/.b.part");
  const ticket = cache.begin();
  cache.setStat("/pub/.b.part", file(".b.part"), ticket);
  assert.deepEqual(cache.lookup("/pub/.b.part"), { stat: file(".b.part") });
  const late = cache.begin();
  cache.invalidate("/pub/.b.part"); // written again while its size was asked for
  cache.setStat("/pub/.b.part", file(".b.part"), late);
  assert.equal(cache.lookup("/pub/.b.part"), undefined);
  const above = cache.begin();
  cache.invalidate("/pub", { recursive: true });
  cache.setStat("/pub/a", file("a"), above);
  assert.equal(cache.lookup("/pub/a"), undefined, "the directory moved meanwhile");
});

Deno.test("stat cache: the change records stay bounded; older tickets are then refused", () => {
  const cache = new StatCache();
  const old = cache.begin();
  for (let i = 0; i < 5000; i++) cache.invalidate(`/many/f${i}`);
  assert.equal(cache.overtaken("/elsewhere", old), "all", "forgotten records: refuse, never guess");
  const fresh = cache.begin();
  assert.deepEqual(cache.overtaken("/elsewhere", fresh), new Set());
  cache.setListing("/elsewhere", [file("e")], fresh);
  assert.deepEqual(cache.lookup("/elsewhere/e"), { stat: file("e") });
});

Deno.test("stat cache: a listing's entries answer from the listing; the newer word wins", () => {
  const cache = new StatCache();
  // A stat stored alone, then a listing that shows the entry otherwise: the listing's.
  cache.setStat("/pub/a", file("a", 1));
  cache.setListing("/pub", [file("a", 2), file("b", 3)]);
  assert.deepEqual(cache.lookup("/pub/a"), { stat: file("a", 2) });
  assert.equal(cache.lookup("/pub/c"), "missing");
  // A stat stored after the listing: that one.
  cache.setStat("/pub/b", file("b", 4));
  assert.deepEqual(cache.lookup("/pub/b"), { stat: file("b", 4) });
  // A name listed twice: the last, as when each entry was stored alone.
  cache.setListing("/dup", [file("x", 1), file("x", 2)]);
  assert.deepEqual(cache.lookup("/dup/x"), { stat: file("x", 2) });
  // An entry invalidated, then listed again: the new listing answers.
  cache.invalidate("/pub/a");
  assert.equal(cache.lookup("/pub/a"), undefined);
  cache.setListing("/pub", [file("a", 5)]);
  assert.deepEqual(cache.lookup("/pub/a"), { stat: file("a", 5) });
});

Deno.test("stat cache: stats stored alone in many directories still give way to a listing", () => {
  const cache = new StatCache({ size: 100_000 });
  for (let i = 0; i < 5000; i++) cache.setStat(`/d${i}/f`, file("f", 1));
  cache.setListing("/d7", [file("f", 2)]);
  assert.deepEqual(cache.lookup("/d7/f"), { stat: file("f", 2) });
  cache.clear();
  cache.setStat("/e/f", file("f", 1));
  cache.setListing("/e", [file("f", 3)]);
  assert.deepEqual(cache.lookup("/e/f"), { stat: file("f", 3) });
  // A listing stored under a trailing slash still answers its entries' lookups.
  cache.setListing("/g/", [file("h", 4)]);
  assert.deepEqual(cache.lookup("/g/h"), { stat: file("h", 4) });
});

Deno.test("stat cache: a listing counts as its entries against the size", () => {
  const cache = new StatCache({ size: 20 });
  const five = (p: string) => Array.from({ length: 5 }, (_, i) => file(`${p}${i}`));
  cache.setListing("/a", five("a")); // 6
  cache.setListing("/b", five("b")); // 12
  cache.setListing("/c", five("c")); // 18
  cache.setListing("/d", five("d")); // 24 > 20: the oldest listing goes
  assert.equal(cache.getListing("/a"), undefined);
  assert.equal(cache.lookup("/a/a0"), undefined);
  assert.deepEqual(cache.lookup("/d/d0"), { stat: file("d0") });
  assert.equal(cache.getListing("/b")?.length, 5);
});
