/**
 * `ls`, `get`, `put` and `time-shift` take every URL the registry knows, with
 * the same auth, TLS and logging flags as `mirror`: uftp:// (ferry's UFTPD and
 * auth service), file://, plain paths, memory:// and a plugin's own scheme.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startTestSite } from "../uftp/_site.ts";
import { startRealUftpd } from "../peers/uftpd.ts";

const PLUGIN_ENTRY = new URL("../../plugin.ts", import.meta.url).href;

peerTest(
  "ls, get and put of a uftp:// URL, with --user/--password-env/--ca",
  ["openssl"],
  async () => {
    await using site = await startTestSite();
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(join(dir, "ca.pem"), site.ca);
      await Deno.writeTextFile(join(dir, "up.txt"), "uploaded over uftp\n");
      await Deno.writeTextFile(join(site.root, "data", "there.txt"), "already there\n");
      const env = { UFTP_PW: "test123" };
      const auth = ["--user", "demouser", "--password-env", "UFTP_PW", "--ca", join(dir, "ca.pem")];
      const url = `${site.uftpUrl}/data`;
      // Logging flags before the command, auth flags after it.
      const put = await ferry(["-q", "put", join(dir, "up.txt"), `${url}/`, ...auth], { env });
      assert.equal(put.code, 0, put.stderr);
      assert.equal(
        await Deno.readTextFile(join(site.root, "data", "up.txt")),
        "uploaded over uftp\n",
      );
      const ls = await ferry(["ls", "-l", url, ...auth, "-v"], { env });
      assert.equal(ls.code, 0, ls.stderr);
      assert.match(ls.stdout, /there\.txt/);
      assert.match(ls.stdout, /up\.txt/);
      assert.doesNotMatch(ls.stdout + ls.stderr, /test123/);
      const get = await ferry(["get", `${url}/there.txt`, join(dir, "got.txt"), ...auth], { env });
      assert.equal(get.code, 0, get.stderr);
      assert.equal(await Deno.readTextFile(join(dir, "got.txt")), "already there\n");
      // A wrong password is an auth failure, not "invalid FTP URL".
      const wrong = await ferry(["ls", url, ...auth], { env: { UFTP_PW: "nope" } });
      assert.notEqual(wrong.code, 0);
      assert.doesNotMatch(wrong.stderr, /invalid FTP URL/);
      // The job commands (a one-job workflow) take the same URL and flags.
      const walk = await ferry(["walk", url, ...auth, "--json"], { env });
      assert.equal(walk.code, 0, walk.stderr);
      assert.match(walk.stdout, /there\.txt/);
      const shift = await ferry(["time-shift", url, ...auth], { env });
      assert.equal(shift.code, 2, shift.stderr);
      assert.match(shift.stderr, /time shifts are an FTP matter/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test("ls, get and put of file:// URLs, plain paths and memory://", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "remote"));
    await Deno.writeTextFile(join(dir, "a.txt"), "AAA");
    const put = await ferry([
      "put",
      join(dir, "a.txt"),
      `${pathToFileURL(join(dir, "remote")).href}/`,
    ]);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "remote", "a.txt")), "AAA");
    const ls = await ferry(["ls", "remote", "--json"], { cwd: dir });
    assert.equal(ls.code, 0, ls.stderr);
    assert.deepEqual(JSON.parse(ls.stdout).map((e: { name: string }) => e.name), ["a.txt"]);
    const get = await ferry(["get", "remote/a.txt", "b.txt"], { cwd: dir });
    assert.equal(get.code, 0, get.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "b.txt")), "AAA");
    const mem = await ferry(["ls", "memory://scratch"]);
    assert.equal(mem.code, 0, mem.stderr);
    assert.equal(mem.stdout, "");
    const raw = await ferry(["ls", "--raw", "memory://scratch"]);
    assert.equal(raw.code, 2);
    assert.match(raw.stderr, /--raw: memory:\/\/scratch is not an FTP URL/);
    const unknown = await ferry(["ls", "nosuch://x/y"]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /nosuch/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a plugin's scheme is reachable from ls, get and put", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // `demo://any/PATH` is the local directory PATH, opened by the plugin.
    await Deno.writeTextFile(
      join(dir, "demo_scheme.ts"),
      `import { definePlugin, openEndpoint } from ${JSON.stringify(PLUGIN_ENTRY)};
export default definePlugin({
  name: "demo-scheme",
  endpointSchemes: [{
    scheme: "demo",
    open: (url, options) => openEndpoint(url.pathname, { create: options.create }),
  }],
});
`,
    );
    await Deno.mkdir(join(dir, "store"));
    await Deno.writeTextFile(join(dir, "x.txt"), "via plugin");
    const plugin = ["--plugin", join(dir, "demo_scheme.ts")];
    const store = `demo://any${join(dir, "store")}`;
    const put = await ferry(["put", join(dir, "x.txt"), `${store}/`, ...plugin]);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "store", "x.txt")), "via plugin");
    const ls = await ferry([...plugin, "ls", store]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.equal(ls.stdout.trim(), "x.txt");
    const get = await ferry(["get", `${store}/x.txt`, join(dir, "y.txt"), ...plugin]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "y.txt")), "via plugin");
    const walk = await ferry(["walk", store, "--json", ...plugin]);
    assert.equal(walk.code, 0, walk.stderr);
    assert.match(walk.stdout, /x\.txt/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("put to another scheme checks the stored size before the rename: a short write fails, nothing under the name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // `short://any/PATH` is the local directory PATH, whose writes lose their last byte.
    await Deno.writeTextFile(
      join(dir, "short_scheme.ts"),
      `import { definePlugin, openEndpoint } from ${JSON.stringify(PLUGIN_ENTRY)};
function shortWrites(inner) {
  return new Proxy(inner, {
    get(target, key) {
      if (key !== "write") {
        const value = target[key];
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (path, options) => {
        const writer = (await target.write(path, options)).getWriter();
        let held;
        return new WritableStream({
          async write(chunk) {
            if (held) await writer.write(held);
            const copy = new Uint8Array(chunk);
            held = copy.slice(-1);
            if (copy.length > 1) await writer.write(copy.slice(0, -1));
          },
          close: () => writer.close(),
          abort: (reason) => writer.abort(reason),
        });
      };
    },
  });
}
export default definePlugin({
  name: "short-scheme",
  endpointSchemes: [{
    scheme: "short",
    open: async (url, options) => shortWrites(await openEndpoint(url.pathname, { create: options.create })),
  }],
});
`,
    );
    await Deno.mkdir(join(dir, "store"));
    await Deno.writeTextFile(join(dir, "x.txt"), "twelve bytes");
    const plugin = ["--plugin", join(dir, "short_scheme.ts")];
    const put = await ferry([
      "put",
      join(dir, "x.txt"),
      `short://any${join(dir, "store")}/`,
      ...plugin,
    ]);
    assert.equal(put.code, 1, put.stderr);
    assert.match(put.stderr, /the target reports 11 bytes, the source has 12/);
    assert.deepEqual([...Deno.readDirSync(join(dir, "store"))], [], "no file, no partial");
    // --no-atomic writes the name itself, unchecked, as asked.
    const direct = await ferry([
      "put",
      "--no-atomic",
      join(dir, "x.txt"),
      `short://any${join(dir, "store")}/`,
      ...plugin,
    ]);
    assert.equal(direct.code, 0, direct.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "store", "x.txt")), "twelve byte");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("put --no-atomic to another scheme that refuses the time: the bytes are there, a warning, exit 0", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // `undated://any/PATH` is the local directory PATH, whose setMtime is refused.
    await Deno.writeTextFile(
      join(dir, "undated_scheme.ts"),
      `import { definePlugin, openEndpoint } from ${JSON.stringify(PLUGIN_ENTRY)};
function refusesTimes(inner) {
  return new Proxy(inner, {
    get(target, key) {
      if (key === "setMtime") return () => Promise.reject(new Error("550 MFMT: permission denied"));
      const value = target[key];
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
export default definePlugin({
  name: "undated-scheme",
  endpointSchemes: [{
    scheme: "undated",
    open: async (url, options) => refusesTimes(await openEndpoint(url.pathname, { create: options.create })),
  }],
});
`,
    );
    await Deno.mkdir(join(dir, "store"));
    await Deno.writeTextFile(join(dir, "x.txt"), "the bytes");
    const put = await ferry([
      "put",
      "--no-atomic",
      join(dir, "x.txt"),
      `undated://any${join(dir, "store")}/`,
      "--plugin",
      join(dir, "undated_scheme.ts"),
    ]);
    assert.equal(put.code, 0, put.stderr);
    assert.match(put.stderr, /cannot set mtime of x\.txt: 550 MFMT: permission denied/);
    assert.equal(await Deno.readTextFile(join(dir, "store", "x.txt")), "the bytes");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("get from another scheme checks the size its stat told before the rename: a short read fails, nothing under the name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // `short://any/PATH` is the local directory PATH, whose reads lose their last byte.
    await Deno.writeTextFile(
      join(dir, "short_scheme.ts"),
      `import { definePlugin, openEndpoint } from ${JSON.stringify(PLUGIN_ENTRY)};
function shortReads(inner) {
  return new Proxy(inner, {
    get(target, key) {
      if (key !== "read") {
        const value = target[key];
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (path, options) => {
        const bytes = new Uint8Array(await new Response(await target.read(path, options)).arrayBuffer());
        return ReadableStream.from([bytes.slice(0, -1)]);
      };
    },
  });
}
export default definePlugin({
  name: "short-scheme",
  endpointSchemes: [{
    scheme: "short",
    open: async (url, options) => shortReads(await openEndpoint(url.pathname, { create: options.create })),
  }],
});
`,
    );
    await Deno.mkdir(join(dir, "store"));
    await Deno.writeTextFile(join(dir, "store", "x.txt"), "twelve bytes");
    const got = join(dir, "got.txt");
    const get = await ferry([
      "get",
      `short://any${join(dir, "store")}/x.txt`,
      got,
      "--plugin",
      join(dir, "short_scheme.ts"),
    ]);
    assert.equal(get.code, 1, get.stderr);
    assert.match(get.stderr, /the target reports 11 bytes, the source has 12/);
    assert.equal(await Deno.stat(got).catch(() => undefined), undefined, "nothing under the name");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

peerTest("put, ls and get of the real UFTPD's uftp:// URL", ["uftpd", "openssl"], async () => {
  await using site = await startRealUftpd();
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "ca.pem"), site.ca);
    await Deno.writeTextFile(join(dir, "real.txt"), "to the real UFTPD\n");
    const env = { UFTP_PW: site.password };
    const auth = ["--user", site.user, "--password-env", "UFTP_PW", "--ca", join(dir, "ca.pem")];
    const put = await ferry(["put", join(dir, "real.txt"), `${site.dataUrl}/`, ...auth], { env });
    assert.equal(put.code, 0, put.stderr);
    const ls = await ferry(["ls", site.dataUrl, ...auth], { env });
    assert.equal(ls.code, 0, ls.stderr);
    assert.equal(ls.stdout.trim(), "real.txt");
    const get = await ferry(["get", `${site.dataUrl}/real.txt`, join(dir, "back.txt"), ...auth], {
      env,
    });
    assert.equal(get.code, 0, get.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "back.txt")), "to the real UFTPD\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
