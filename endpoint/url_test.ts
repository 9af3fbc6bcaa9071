import assert from "node:assert/strict";
import { builtinSchemeTable, type EndpointOpener, isEndpointUrl, openEndpoint } from "./url.ts";
import { LocalEndpoint } from "./local.ts";
import { MemoryEndpoint } from "./memory.ts";
import { InvalidPathError, UnknownSchemeError } from "./errors.ts";

Deno.test("url: plain paths and file URLs open local endpoints", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const a = await openEndpoint(dir);
    assert.ok(a instanceof LocalEndpoint);
    assert.equal(a.root, dir);
    const b = await openEndpoint("sub", { cwd: dir, create: true });
    assert.equal((b as LocalEndpoint).root, `${dir}/sub`);
    assert.equal((await b.stat("")).type, "dir");
    const c = await openEndpoint(`file://${dir}/sub`);
    assert.equal((c as LocalEndpoint).root, `${dir}/sub`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("url: memory URLs share named stores", async () => {
  const a = await openEndpoint("memory://url-test", { precision: 1000 });
  assert.ok(a instanceof MemoryEndpoint);
  assert.equal(a.capabilities().precision, 1000);
  await a.mkdir("x");
  const b = await openEndpoint("memory://url-test/x");
  assert.equal((b as MemoryEndpoint).base, "x");
  assert.equal(a.url, "memory://url-test");
});

Deno.test("url: schemes come from the table given, nothing global", async () => {
  assert.equal(isEndpointUrl("ftp://h/x"), true);
  assert.equal(isEndpointUrl("C:\\data"), false);
  assert.equal(isEndpointUrl("./x"), false);
  await assert.rejects(openEndpoint("nosuch://x"), UnknownSchemeError);
  assert.deepEqual(builtinSchemeTable.names(), ["file", "ftp", "ftpes", "ftps", "memory"]);
  let seen: URL | undefined;
  const mine: EndpointOpener = {
    scheme: "test-scheme",
    open: (url) => {
      seen = url;
      return Promise.resolve(new MemoryEndpoint());
    },
  };
  const table = {
    get: (s: string) => s === mine.scheme ? mine : builtinSchemeTable.get(s),
    names: () => [...builtinSchemeTable.names(), mine.scheme],
  };
  await openEndpoint("TEST-SCHEME://host/a/b", {}, table);
  assert.equal(seen?.pathname, "/a/b");
  // Opening with a table registered nothing anywhere.
  await assert.rejects(openEndpoint("test-scheme://host/a/b"), UnknownSchemeError);
});

Deno.test("url: a built-in scheme's URL with a bare '#' or '?' is refused, not cut", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const url of [`file://${dir}/backup#2`, `file://${dir}/a?b`, "memory://m/x#", "ftp://h/p#q"]
    ) {
      await assert.rejects(openEndpoint(url), (e: Error) => {
        assert.ok(e instanceof InvalidPathError, `${url}: ${e}`);
        assert.match(e.message, /%23/);
        return true;
      }, url);
    }
    // A password in the URL is not repeated in the message.
    await assert.rejects(openEndpoint("ftp://u:s3cret@h/p?x"), (e: Error) => {
      assert.doesNotMatch(e.message, /s3cret/);
      return true;
    });
    // Escaped, the name is the one meant.
    await Deno.mkdir(`${dir}/backup#2`);
    const ok = await openEndpoint(`file://${dir}/backup%232`);
    assert.equal((ok as LocalEndpoint).root, `${dir}/backup#2`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
