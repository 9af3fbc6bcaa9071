/**
 * Directories named with white space or a glob character (`sp ace`, `a[1]`,
 * `b*`) beside ordinary ones and beside the names their glob or first word
 * matches (`a1`, `bar`, `sp`), over uftp:// on the REAL UFTPD and on ferry's
 * own: `ferry mirror` down, `ls`, `walk`, `mirror --delete` up into such
 * names, and `FtpHost.rmtree`/`chdir`. Every result must be exactly the
 * source tree (names and bytes).
 *
 * The UFTPD reads LIST's argument as one literal path (no `ls` argument line,
 * no glob). The CLI's steps use MLSD and passed before; `FtpHost.rmtree`
 * lists with LIST, and a spaced name was listed from inside: under the UFTP
 * dialect `pwd()` was always `/` and `cwd("/")` was `CWD .`, so the session
 * stayed in `rm/sp ace/deep dir` and the next DELE went to
 * `.../rm/sp ace/deep dir/rm/sp ace/deep dir/x.bin` (both UFTPDs, 550/500).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "../cli/helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startRealUftpd } from "../peers/uftpd.ts";
import { chownForVsftpd } from "../peers/vsftpd_user.ts";
import { UftpEndpoint } from "../../plugins/uftp/mod.ts";
import { routeLogs } from "../../util/log.ts";
import { startTestSite } from "./_site.ts";

/** The source tree: path -> bytes ("" + trailing / for a directory). */
const TREE: Record<string, string> = {
  "top.txt": "top\n",
  "plain/": "",
  "plain/p.txt": "plain\n",
  "sp ace/": "",
  "sp ace/in.txt": "inside the spaced one\n",
  "sp ace/deep dir/": "",
  "sp ace/deep dir/x.bin": "x".repeat(3000),
  "sp/": "",
  "sp/not.txt": "the first word of sp ace\n",
  "a[1]/": "",
  "a[1]/f.txt": "bracketed\n",
  "a1/": "",
  "a1/g.txt": "what a[1] matches as a glob\n",
  "b*/": "",
  "b*/star.txt": "star\n",
  "bar/": "",
  "bar/bar.txt": "bar\n",
  "tail /": "",
  "tail /t.txt": "trailing\n",
  " lead.txt": "leading\n",
  " lead/": "",
  " lead/tail .txt ": "both\n",
};

async function writeTree(dir: string, tree: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(tree)) {
    if (path.endsWith("/")) await Deno.mkdir(join(dir, path), { recursive: true });
    else {
      await Deno.mkdir(join(dir, path, ".."), { recursive: true });
      await Deno.writeTextFile(join(dir, path), text);
    }
  }
}

async function readTree(dir: string, prefix = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(join(dir, prefix))) {
    const rel = `${prefix}${e.name}`;
    if (e.isDirectory) {
      out[`${rel}/`] = "";
      Object.assign(out, await readTree(dir, `${rel}/`));
    } else out[rel] = await Deno.readTextFile(join(dir, rel));
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a < b ? -1 : 1));
}

function sorted(tree: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).sort(([a], [b]) => a < b ? -1 : 1));
}

/** The steps against one server: `served` is the local path of the URL `url`. */
async function odd(url: string, served: string, auth: string[], env: Record<string, string>) {
  const tmp = await Deno.makeTempDir({ prefix: "ferry-uftp-odd-" });
  const run = async (args: string[]) => {
    const r = await ferry([...args, ...auth], { env });
    assert.equal(r.code, 0, `${args.join(" ")}\n${r.stderr}`);
    return r;
  };
  try {
    const to = join(tmp, "down");
    await run(["mirror", "-P", "2", `${url}/tree`, to]);
    assert.deepEqual(await readTree(to), sorted(TREE), "mirror down");
    {
      for (
        const [dir, names] of [
          ["sp%20ace", ["deep dir", "in.txt"]],
          ["a%5B1%5D", ["f.txt"]],
          ["b%2A", ["star.txt"]],
        ] as const
      ) {
        const ls = await run(["ls", `${url}/tree/${dir}`]);
        assert.deepEqual(ls.stdout.trim().split("\n").sort(), [...names], `ls ${dir}`);
      }
    }
    const walk = await run(["walk", "-f", "ndjson", `${url}/tree`]);
    const walked = walk.stdout.trim().split("\n").map((l) => JSON.parse(l) as { path: string })
      .map((e) => e.path.replace(/^\/?(tree\/)?/, "")).sort();
    const expected = Object.keys(TREE).map((p) => p.replace(/\/$/, "")).sort();
    assert.deepEqual(walked.filter((p) => p !== "" && p !== "tree"), expected, walk.stdout);

    // Up, with --delete: "sp ace/deep dir" (with contents) goes, new files go into the odd names.
    const up: Record<string, string> = { ...TREE };
    delete up["sp ace/deep dir/"];
    delete up["sp ace/deep dir/x.bin"];
    delete up["a1/g.txt"];
    Object.assign(up, {
      "sp ace/new one.txt": "new, spaced\n",
      "a[1]/new.txt": "new, bracketed\n",
      "a[1]/in [2]/": "",
      "a[1]/in [2]/z.txt": "deeper\n",
      "sp ace/b*/": "",
      "sp ace/b*/s.txt": "a star in a space\n",
    });
    const from = join(tmp, "up");
    await writeTree(from, up);
    await run(["mirror", "--delete", "-P", "2", from, `${url}/tree`]);
    assert.deepEqual(await readTree(join(served, "tree")), sorted(up), "mirror up");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

/**
 * `FtpHost.rmtree` lists with LIST (links shown as links), a spaced or
 * bracketed directory from inside: afterwards the session must be where it
 * was, so a write of `tree/after.txt` lands there and a listing of `tree`
 * is `tree`'s.
 */
async function rmtreeThenWrite(ep: UftpEndpoint, served: string) {
  const host = ep.inner.host;
  await writeTree(join(served, "rm"), TREE);
  await chownForVsftpd(join(served, "rm")).catch(() => undefined);
  const sent: string[] = [];
  routeLogs({
    enabled: (c, level) => level === "debug" && c.includes("control"),
    write: (r) => r.rawMessage === "> {line}" && sent.push(String(r.properties.line)),
  });
  try {
    await host.rmtree("/rm/sp ace/deep dir");
  } finally {
    routeLogs(undefined);
  }
  // LIST takes the spaced path as it is: no CWD into it and back.
  assert.ok(sent.includes("LIST rm/sp ace/deep dir"), sent.join("\n"));
  assert.deepEqual(sent.filter((l) => /^(CWD|CDUP|PWD)/.test(l)), [], sent.join("\n"));
  const removed = ["sp ace/deep dir", "a[1]", "sp ace", "b*", "tail "];
  for (const dir of removed) {
    await host.rmtree(`/rm/${dir}`).catch((e) => {
      if (dir !== "sp ace/deep dir") throw e; // gone already
    });
    const writer = (await ep.write(`rm/after ${dir.length}.txt`)).getWriter();
    await writer.write(new TextEncoder().encode(dir));
    await writer.close();
  }
  // FtpHost.chdir: the UFTPD checks the name (a file is refused); paths after it count from it.
  await assert.rejects(host.chdir("/rm/top.txt"));
  await host.chdir("/rm/sp");
  assert.deepEqual(await host.listdir("."), ["not.txt"]);
  assert.deepEqual(await host.listdir("/rm/bar"), ["bar.txt"]);
  const names = (await ep.list("rm")).map((s) => s.name).sort();
  const after = removed.map((d) => `after ${d.length}.txt`);
  const kept = Object.keys(TREE).filter((p) => !removed.some((d) => p.startsWith(`${d}/`)));
  assert.deepEqual(
    names,
    [...kept.filter((p) => !/\/./.test(p)), ...after].map((p) => p.replace(/\/$/, "")).sort(),
  );
  assert.deepEqual(Object.keys(await readTree(join(served, "rm"))), [...kept, ...after].sort());
}

/** A served site: its URL, the local path of `<url>`, the CA and the login. */
interface Served {
  url: string;
  served: string;
  ca: string;
  user: string;
  password: string;
}

/** The CLI steps, then the API ones, against one site. */
async function both(site: Served): Promise<void> {
  await writeTree(join(site.served, "tree"), TREE);
  await chownForVsftpd(site.served).catch(() => undefined);
  const ca = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(ca, site.ca);
    await odd(site.url, site.served, ["--user", site.user, "--password-env", "PW", "--ca", ca], {
      PW: site.password,
    });
  } finally {
    await Deno.remove(ca);
  }
  const ep = await UftpEndpoint.open(site.url, {
    tls: { ca: site.ca },
    credentials: { user: site.user, password: site.password },
  });
  try {
    await rmtreeThenWrite(ep, site.served);
  } finally {
    await ep.close();
  }
}

peerTest("uftp odd names: the real UFTPD", ["uftpd", "openssl"], async () => {
  // Each ferry run opens sessions that count until the UFTPD's cleanup pass (5 s).
  await using site = await startRealUftpd({ maxConnections: 64 });
  await both({ ...site, url: site.dataUrl, served: join(site.root, "data") });
});

peerTest("uftp odd names: ferry's own UFTPD", ["openssl"], async () => {
  await using site = await startTestSite();
  const url = `${site.uftpUrl}/data`;
  await both({
    url,
    served: join(site.root, "data"),
    ca: site.ca,
    user: "demouser",
    password: "test123",
  });
});
