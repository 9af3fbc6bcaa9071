/**
 * Uploads over uftp:// keep their mtime for every name, on the REAL UFTPD and
 * on ferry's own. The UFTPD splits MFMT's and MFF's argument at spaces
 * (Session.py: `mtime, target = params.split(" ", 2)`), so a spaced name was
 * refused `500 Error processing command 'MFMT': too many values to unpack
 * (expected 2)`: it kept the upload time, and every later `ferry mirror` sent
 * it again (with a warning each run). ferry's own UFTPD accepted such names,
 * which hid the fault; it now refuses them as the real one does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "../cli/helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startRealUftpd } from "../peers/uftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { UftpEndpoint } from "../../plugins/uftp/mod.ts";
import { startTestSite } from "./_site.ts";

/** Files of the source tree, by path. */
const FILES: Record<string, string> = {
  "plain.txt": "plain\n",
  "sp ace.txt": "a space\n",
  "a b/c d.txt": "spaced dir, spaced name\n",
  "a b/plain.txt": "spaced dir, plain name\n",
  " lead.txt": "leading\n",
  "tail /x y.txt ": "trailing at both levels\n",
  "二 重.txt": "unicode and a space\n",
};

/** The source files' mtime. */
const WHEN = new Date("2024-03-04T05:06:07Z");

async function writeFiles(dir: string): Promise<void> {
  for (const [path, text] of Object.entries(FILES)) {
    await Deno.mkdir(join(dir, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
    await Deno.utime(join(dir, path), WHEN, WHEN);
  }
}

/** Every path below `dir` (directories with a trailing /). */
async function allNames(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(dir, prefix))) {
    const rel = `${prefix}${e.name}`;
    if (e.isDirectory) out.push(`${rel}/`, ...await allNames(dir, `${rel}/`));
    else out.push(rel);
  }
  return out.sort();
}

interface Site {
  url: string;
  served: string;
  ca: string;
  user: string;
  password: string;
}

/** `ferry mirror` up twice: the second run sends nothing, no run warns, every mtime is kept. */
async function mirrorTwice(site: Site): Promise<void> {
  const tmp = await Deno.makeTempDir({ prefix: "ferry-uftp-mtime-" });
  try {
    const src = join(tmp, "src");
    await writeFiles(src);
    await Deno.writeTextFile(join(tmp, "ca.pem"), site.ca);
    const args = [
      "mirror",
      "--json",
      src,
      `${site.url}/tree`,
      "--user",
      site.user,
      "--password-env",
      "PW",
      "--ca",
      join(tmp, "ca.pem"),
    ];
    const sent: number[] = [];
    for (let run = 1; run <= 2; run++) {
      const r = await ferry(args, { env: { PW: site.password } });
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /mtime|MFMT/i, `run ${run} warned`);
      const report = JSON.parse(r.stdout);
      sent.push(report.totals.filesTransferred);
    }
    assert.deepEqual(sent, [Object.keys(FILES).length, 0], "the second run sends nothing");
    const tree = join(site.served, "tree");
    for (const path of Object.keys(FILES)) {
      const st = await Deno.stat(join(tree, path));
      assert.equal(st.mtime?.toISOString(), WHEN.toISOString(), path);
      assert.equal(await Deno.readTextFile(join(tree, path)), FILES[path], path);
    }
    const dirs = ["a b/", "tail /"];
    assert.deepEqual(await allNames(tree), [...Object.keys(FILES), ...dirs].sort(), "no temp left");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/**
 * The endpoint's own calls on spaced names: setMtime and chmod of a file
 * that is there, and a rename with its time onto a name it cannot take (a
 * directory): it fails, the file stays where it was, no temporary name stays.
 */
async function endpointCalls(site: Site): Promise<void> {
  const dir = join(site.served, "api");
  await Deno.mkdir(join(dir, "d i r/sub dir"), { recursive: true });
  await Deno.writeTextFile(join(dir, "d i r/f g.txt"), "x");
  await Deno.writeTextFile(join(dir, "d i r/.f g.txt.ferry.part"), "part");
  await chownForVsftpd(dir);
  const ep = await UftpEndpoint.open(site.url, {
    tls: { ca: site.ca },
    credentials: { user: site.user, password: site.password },
  });
  try {
    await ep.setMtime("api/d i r/f g.txt", WHEN);
    await ep.chmod("api/d i r/f g.txt", 0o640);
    const st = await Deno.stat(join(dir, "d i r/f g.txt"));
    assert.equal(st.mtime?.toISOString(), WHEN.toISOString());
    assert.equal(st.mode! & 0o777, 0o640);
    await assert.rejects(
      ep.renameWithMtime("api/d i r/.f g.txt.ferry.part", "api/d i r/sub dir", WHEN),
    );
    assert.deepEqual(await allNames(dir), [
      "d i r/",
      "d i r/.f g.txt.ferry.part",
      "d i r/f g.txt",
      "d i r/sub dir/",
    ]);
    assert.equal(await Deno.readTextFile(join(dir, "d i r/.f g.txt.ferry.part")), "part");
  } finally {
    await ep.close();
  }
}

peerTest("uftp mtimes of spaced names: the real UFTPD", ["uftpd", "openssl"], async () => {
  await using site = await startRealUftpd({ maxConnections: 64 });
  const s = { ...site, url: site.dataUrl, served: join(site.root, "data") };
  await mirrorTwice(s);
  await endpointCalls(s);
});

peerTest("uftp mtimes of spaced names: ferry's own UFTPD", ["openssl"], async () => {
  await using site = await startTestSite();
  const s = {
    url: `${site.uftpUrl}/data`,
    served: join(site.root, "data"),
    ca: site.ca,
    user: "demouser",
    password: "test123",
  };
  await mirrorTwice(s);
  await endpointCalls(s);
});
