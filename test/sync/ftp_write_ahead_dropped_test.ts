/**
 * An upload to a server that drops a data connection whose bytes come before
 * the STOR (pyftpdlib under a welcome that does not name it, so the client
 * cannot know ahead), behind a proxy that makes the control path the slower:
 * the first attempt writes ahead and gets "150" but no final reply; its
 * timeout says why, the pool's new sessions wait for the 150, and the retry
 * lands the right bytes. Uploading again is safe: the retry resumes at the
 * size the server has (pyftpdlib created the file empty).
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { MemoryEndpoint } from "../../endpoint/memory.ts";
import { transferFile } from "../../sync/transfer.ts";
import { startCutProxy } from "../peers/cut_proxy.ts";
import { peerTest } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { at, put } from "./helpers.ts";

peerTest("an upload whose early bytes the server dropped is sent again, waiting for the 150", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib({ extraPython: "Handler.banner = 'ready.'" });
  await Deno.mkdir(`${peer.root}/up`);
  await using proxy = await startCutProxy({
    targetPort: peer.port,
    holdCommand: { command: /^(STOR|APPE) /, graceMs: 300 },
  });
  const content = "x".repeat(70_000);
  const src = new MemoryEndpoint();
  await put(src, "a.txt", content, at(30));
  const ftp = await FtpEndpoint.open(`ftp://127.0.0.1:${proxy.port}/up`, {
    credentials: { user: peer.user, password: peer.password },
    // The stalled attempt ends after 2 s.
    timeout: 2,
  });
  const retried: unknown[] = [];
  try {
    await transferFile(src, "a.txt", ftp, "a.txt", {
      size: content.length,
      mtime: at(30),
      retry: { baseDelayMs: 1, retries: 2 },
      onRetry: (error) => retried.push(error),
    });
  } finally {
    await ftp.close();
  }
  assert.equal(await Deno.readTextFile(`${peer.root}/up/a.txt`), content);
  assert.equal(retried.length, 1, String(retried));
  assert.match(String(retried[0]), /may drop bytes sent before its 150/);
  // The first upload's bytes went first (pyftpdlib may close that data connection
  // before the STOR is let go, or after); the retry's waited for the 150.
  const holds = proxy.holds();
  assert.equal(holds.length, 2, holds.join());
  assert.notEqual(holds[0], "idle");
  assert.equal(holds[1], "idle");
});
