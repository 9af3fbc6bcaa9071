/**
 * A mirror between two directories of one FTP endpoint: each copy holds two of
 * its sessions (a download and an upload), so the job must not run as many
 * copies as the endpoint has sessions (it used to wait forever).
 * @module
 */
import assert from "node:assert/strict";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { mirror } from "../../sync/mirror.ts";
import { peerTest } from "../peers/skip.ts";
import { startPyftpdlib } from "../peers/pyftpdlib.ts";
import { pattern, put } from "./helpers.ts";

peerTest("sync/ftp: a mirror within one endpoint completes at full parallelism", [
  "pyftpdlib",
], async () => {
  await using peer = await startPyftpdlib();
  const ep = await FtpEndpoint.open(`ftp://${peer.host}:${peer.port}/`, {
    credentials: { user: peer.user, password: peer.password },
    maxConnections: 4,
  });
  try {
    for (let i = 0; i < 12; i++) await put(ep, `src/f${i}.bin`, pattern(1000 + i));
    const report = await mirror(ep, "src", ep, "copy", { parallel: 4 });
    assert.equal(report.ok, true, JSON.stringify(report.errors));
    assert.equal(report.files.transferred, 12);
    assert.equal((await ep.list("copy")).length, 12);
  } finally {
    await ep.close();
  }
});
