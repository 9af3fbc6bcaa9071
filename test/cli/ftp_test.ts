import assert from "node:assert/strict";
import { join } from "node:path";
import { MemoryEndpoint } from "../../mod.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { ferry } from "./helpers.ts";

/** ferry's own server in this process, over a memory tree with pub/hello.txt. */
async function server() {
  const ep = new MemoryEndpoint();
  await ep.mkdir("pub", { parents: true });
  const w = await ep.write("pub/hello.txt");
  await ReadableStream.from([new TextEncoder().encode("hello world\n")]).pipeTo(w);
  const authorizer = new VirtualAuthorizer().addUser("bob", {
    password: "pw-5ecret",
    perm: "elradfmwMT",
  });
  const srv = await startFtpServer({ endpoint: ep, authorizer, port: 0, authFailedDelayMs: 0 });
  return { srv, ep, url: `ftp://bob@127.0.0.1:${srv.port}` };
}

const env = { FTP_PW: "pw-5ecret" };

Deno.test("ls, get, put, mirror and time-shift over FTP; a wrong password exits 1", async () => {
  const { srv, ep, url } = await server();
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-ftp-" });
  try {
    const ls = await ferry(["ls", "-l", `${url}/pub`, "--password-env", "FTP_PW"], { env });
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^-\s+12\s+\S+ \S+\s+hello\.txt$/m);

    const get = await ferry([
      "get",
      `${url}/pub/hello.txt`,
      join(dir, "got.txt"),
      "--password-env",
      "FTP_PW",
    ], {
      env,
    });
    assert.equal(get.code, 0, get.stderr);
    assert.equal(await Deno.readTextFile(join(dir, "got.txt")), "hello world\n");

    const put = await ferry([
      "put",
      join(dir, "got.txt"),
      `${url}/pub/up/`,
      "--password-env",
      "FTP_PW",
    ], { env });
    assert.equal(put.code, 1, "the directory does not exist yet");
    await ep.mkdir("pub/up");
    const put2 = await ferry([
      "put",
      join(dir, "got.txt"),
      `${url}/pub/up/`,
      "--password-env",
      "FTP_PW",
    ], { env });
    assert.equal(put2.code, 0, put2.stderr);
    assert.equal((await ep.stat("pub/up/got.txt")).size, 12);
    assert.deepEqual((await ep.list("pub/up")).map((s) => s.name), ["got.txt"]);

    const mirror = await ferry([
      "mirror",
      `${url}/pub`,
      join(dir, "m"),
      "--password-env",
      "FTP_PW",
      "--json",
    ], {
      env,
    });
    assert.equal(mirror.code, 0, mirror.stderr);
    assert.equal(JSON.parse(mirror.stdout).jobs[0].counts.filesTransferred, 2);
    assert.equal(await Deno.readTextFile(join(dir, "m/up/got.txt")), "hello world\n");

    const shift = await ferry(["time-shift", `${url}/pub`, "--password-env", "FTP_PW"], { env });
    assert.equal(shift.code, 0, shift.stderr);
    assert.match(shift.stdout, /^\+00:00/);

    const wrong = await ferry(["ls", `${url}/pub`, "--password-env", "FTP_PW", "--debug"], {
      env: { FTP_PW: "nope-wrong" },
    });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /530/);
    assert.ok(!wrong.stderr.includes("nope-wrong"), wrong.stderr);

    const missing = await ferry(["ls", `${url}/pub`, "--password-env", "FERRY_UNSET_VAR"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /FERRY_UNSET_VAR is not set/);
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netrc supplies credentials; a user without a password source needs a terminal", async () => {
  const { srv, url } = await server();
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-netrc-" });
  try {
    await Deno.writeTextFile(
      join(dir, "netrc"),
      "machine 127.0.0.1 login bob password pw-5ecret\n",
    );
    const r = await ferry(["ls", url.replace("bob@", "") + "/pub", "--netrc", join(dir, "netrc")]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hello\.txt/);
    const auto = await ferry(["ls", url.replace("bob@", "") + "/pub"], {
      env: { NETRC: join(dir, "netrc") },
    });
    assert.equal(auto.code, 0, auto.stderr);
    // A password in the URL is used, whatever ~/.netrc (absent here) holds (curl, lftp).
    const inUrl = await ferry(["ls", url.replace("bob@", "bob:pw-5ecret@") + "/pub"], {
      env: { NETRC: join(dir, "none") },
    });
    assert.equal(inUrl.code, 0, inUrl.stderr);
    assert.match(inUrl.stdout, /hello\.txt/);
    const prompt = await ferry(["ls", `${url}/pub`, "--user", "bob"]);
    assert.equal(prompt.code, 2);
    assert.match(prompt.stderr, /no terminal to ask for the password/);
  } finally {
    await srv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the demo runs end to end on ferry's own server", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-cli-demo-" });
  try {
    const r = await ferry(["demo", "--dir", dir, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, "ok");
    assert.deepEqual(report.jobs.map((j: { job: string }) => j.job), [
      "pull",
      "publish",
      "listing",
      "retire",
      "share",
    ]);
    assert.ok(report.totals.filesTransferred > 20);
    await Deno.stat(join(dir, "mirror/pub/releases/2.0/ferry.tar.gz"));
    await assert.rejects(Deno.stat(join(dir, "mirror/pub/docs/.draft.tmp")));
    await assert.rejects(Deno.stat(join(dir, "server/pub/old")));
    await Deno.stat(join(dir, "server/www/index.html"));
    await Deno.stat(join(dir, "peer/notes.md"));
    await Deno.stat(join(dir, "server/shared/todo.txt"));
    const listing = JSON.parse(await Deno.readTextFile(join(dir, "listing.json")));
    assert.ok(listing.totals.files >= 13);
    assert.ok(!r.stdout.includes(report.password ?? "\u0000"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
