/**
 * mirror never sends a file into a target directory whose listing failed: what
 * is there is not known and may be newer (mirror overwrites only what it has
 * compared). Such names are skipped ("target directory not listed"), the
 * directory is an error of the job once, and it exits 1. Before: pyftpdlib
 * failing the walk's one listing of sub/ (451, later ones answered) made
 * mirror send every file of sub/ again over the server's own copies.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "./helpers.ts";
import { peerTest } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";

const NAMES = ["a", "b", "c", "d", "e"];

peerTest(
  "mirror: files of a target directory whose listing the server refuses are not sent",
  ["pyftpdlib"],
  async () => {
    await using peer = await startPyftpdlib({
      extraPython: `
_refused = []
def _refuse(inner):
    def handler(self, path):
        if path.rstrip("/").endswith("/sub") and not _refused:
            _refused.append(path)
            self.respond("451 listing of sub failed (test)")
            return
        return inner(self, path)
    return handler
Handler.ftp_MLSD = _refuse(Handler.ftp_MLSD)
Handler.ftp_LIST = _refuse(Handler.ftp_LIST)
Handler.ftp_NLST = _refuse(Handler.ftp_NLST)
`,
    });
    await Deno.mkdir(join(peer.root, "sub"));
    for (const n of NAMES) await Deno.writeTextFile(join(peer.root, "sub", n), `server ${n}`);
    const dir = await Deno.makeTempDir({ prefix: "ferry-mirror-unlisted-" });
    try {
      await Deno.mkdir(join(dir, "src", "sub"), { recursive: true });
      await Deno.writeTextFile(join(dir, "src", "top.txt"), "top");
      for (const n of NAMES) await Deno.writeTextFile(join(dir, "src", "sub", n), `local ${n}`);
      const url = `ftp://${peer.user}@${peer.host}:${peer.port}/`;
      const run = await ferry(
        ["mirror", "--retries", "0", "--password-env", "FTP_PW", "src", url],
        {
          cwd: dir,
          env: { FTP_PW: peer.password },
        },
      );
      const out = run.stdout + run.stderr;
      assert.equal(run.code, 1, out);
      assert.match(out, /sub/, out);
      for (const n of NAMES) {
        assert.equal(
          await Deno.readTextFile(join(peer.root, "sub", n)),
          `server ${n}`,
          `sub/${n} was sent over a listing that failed:\n${out}`,
        );
      }
      assert.equal(await Deno.readTextFile(join(peer.root, "top.txt")), "top", out);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
