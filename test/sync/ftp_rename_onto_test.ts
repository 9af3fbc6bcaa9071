/**
 * A rename onto an existing file over FTP (the commit of every upload that
 * replaces a file). Some servers refuse to rename onto an existing file (IIS,
 * FileZilla Server with their defaults); the endpoint then moves the old file
 * aside and tries again. A refusal for any other reason must not cost the old
 * file: it is put back, and nothing is left beside it.
 * @module
 */
import assert from "node:assert/strict";
import { DelegatingEndpoint } from "../../endpoint/delegating.ts";
import { AlreadyExistsError, PermissionDeniedError } from "../../endpoint/errors.ts";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { MemoryEndpoint } from "../../endpoint/memory.ts";
import { normalizePath } from "../../endpoint/path.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { at, contents, put } from "./helpers.ts";

/** Server side: no rename onto an existing name; and no rename at all of `*.locked` files. */
class NoOverwrite extends DelegatingEndpoint {
  override async rename(from: string, to: string): Promise<void> {
    if (normalizePath(from).endsWith(".locked")) throw new PermissionDeniedError(from);
    const exists = await this.inner.lstat(to).then(() => true, () => false);
    if (exists) throw new AlreadyExistsError(to);
    await super.rename(from, to);
  }
}

async function withServer(
  storage: MemoryEndpoint,
  use: (ftp: FtpEndpoint) => Promise<void>,
): Promise<void> {
  const srv = await startFtpServer({
    endpoint: new NoOverwrite(storage),
    authorizer: new VirtualAuthorizer().addUser("bob", { password: "pw", perm: "elradfmwMT" }),
    port: 0,
  });
  const ftp = await FtpEndpoint.open(`ftp://127.0.0.1:${srv.port}/`, {
    credentials: { user: "bob", password: "pw" },
  });
  try {
    await use(ftp);
  } finally {
    await ftp.close();
    await srv.close();
  }
}

Deno.test("ftp rename onto an existing file: a server that refuses it gets the old file moved aside, then removed", async () => {
  const storage = new MemoryEndpoint();
  await put(storage, "up/a.txt", "old", at(1));
  await put(storage, "up/a.new", "new", at(2));
  await put(storage, "up/b.txt", "old b", at(1));
  await put(storage, "up/b.new", "new b", at(2));
  await withServer(storage, async (ftp) => {
    await ftp.rename("up/a.new", "up/a.txt");
    await ftp.renameWithMtime("up/b.new", "up/b.txt", at(5));
  });
  assert.deepEqual(await contents(storage, "up"), { "a.txt": "new", "b.txt": "new b" });
  assert.equal((await storage.stat("up/b.txt")).mtime?.getTime(), at(5).getTime());
});

Deno.test("ftp rename onto an existing file: a refusal for another reason keeps the old file, with nothing beside it", async () => {
  const storage = new MemoryEndpoint();
  await put(storage, "up/a.txt", "old", at(1));
  await put(storage, "up/a.locked", "new", at(2));
  await withServer(storage, async (ftp) => {
    await assert.rejects(ftp.rename("up/a.locked", "up/a.txt"));
    await assert.rejects(ftp.renameWithMtime("up/a.locked", "up/a.txt", at(5)));
  });
  assert.deepEqual(await contents(storage, "up"), { "a.txt": "old", "a.locked": "new" });
});
