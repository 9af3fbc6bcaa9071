import assert from "node:assert/strict";
import { MemoryEndpoint } from "../../mod.ts";
import { errorCode } from "./errors.ts";
import { JailedFs } from "./filesystem.ts";

/** A memory endpoint that counts its stat calls. */
class Counting extends MemoryEndpoint {
  stats = 0;
  override stat(path: string) {
    this.stats++;
    return super.stat(path);
  }
}

Deno.test("JailedFs.stat: a missing last entry is reported from the walk, not asked again", async () => {
  const ep = new Counting();
  await ep.mkdir("home/docs", { parents: true });
  await ep.symlink("gone.txt", "home/docs/dangling");
  const jail = new JailedFs(ep, "home");
  await assert.rejects(jail.stat("/docs/new.bin"), (e) => errorCode(e) === "ENOENT");
  await assert.rejects(jail.stat("/docs/dangling"), (e) => errorCode(e) === "ENOENT");
  assert.equal(ep.stats, 0);
  assert.equal(await jail.exists("/docs/new.bin"), false);
  // Below a missing directory, or under a file: the endpoint answers as before.
  await assert.rejects(jail.stat("/nodir/a"), (e) => errorCode(e) === "ENOENT");
  assert.equal(ep.stats, 1);
  assert.equal((await jail.stat("/docs")).type, "dir");
  assert.equal(ep.stats, 2);
});
