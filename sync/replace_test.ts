import assert from "node:assert/strict";
import { DelegatingEndpoint } from "../endpoint/delegating.ts";
import { AlreadyExistsError, PermissionDeniedError } from "../endpoint/errors.ts";
import { MemoryEndpoint } from "../endpoint/memory.ts";
import { replace, replaceDated } from "./replace.ts";

/** A backend whose rename never replaces, and that refuses renaming `*.locked` files onto a free name. */
class NoReplace extends DelegatingEndpoint {
  override async rename(from: string, to: string): Promise<void> {
    if (await this.inner.lstat(to).then(() => true, () => false)) throw new AlreadyExistsError(to);
    if (from.endsWith(".locked")) throw new PermissionDeniedError(from);
    await super.rename(from, to);
  }
}

async function text(ep: MemoryEndpoint, path: string): Promise<string> {
  return await new Response(await ep.read(path)).text();
}

async function write(ep: MemoryEndpoint, path: string, body: string): Promise<void> {
  await ReadableStream.from([new TextEncoder().encode(body)]).pipeTo(await ep.write(path));
}

Deno.test("replace onto an existing file where rename cannot replace: the new file stands, nothing beside it", async () => {
  const mem = new MemoryEndpoint();
  await write(mem, "a.txt", "old");
  await write(mem, ".a.part", "new");
  await replace(new NoReplace(mem), ".a.part", "a.txt");
  assert.equal(await text(mem, "a.txt"), "new");
  assert.deepEqual((await mem.list("")).map((s) => s.name), ["a.txt"]);
});

Deno.test("replace: a rename that still fails puts the old file back (no remove-first)", async () => {
  const mem = new MemoryEndpoint();
  await write(mem, "a.txt", "old");
  await write(mem, "a.locked", "new");
  const ep = new NoReplace(mem);
  await assert.rejects(replace(ep, "a.locked", "a.txt"), PermissionDeniedError);
  await assert.rejects(replaceDated(ep, "a.locked", "a.txt", new Date(0)), PermissionDeniedError);
  assert.equal(await text(mem, "a.txt"), "old");
  assert.deepEqual((await mem.list("")).map((s) => s.name).sort(), ["a.locked", "a.txt"]);
});

/** A backend that refuses its first rename onto `a.txt` synchronously (no async function). */
class RefusesAtOnce extends DelegatingEndpoint {
  refused = false;
  override rename(from: string, to: string): Promise<void> {
    if (!this.refused && to === "a.txt") {
      this.refused = true;
      throw new AlreadyExistsError(to);
    }
    return super.rename(from, to);
  }
}

Deno.test("replace: a refusal thrown at once is met as a rejected one", async () => {
  const mem = new MemoryEndpoint();
  await write(mem, "a.txt", "old");
  await write(mem, ".a.part", "new");
  const ep = new RefusesAtOnce(mem);
  await replace(ep, ".a.part", "a.txt");
  assert.equal(ep.refused, true);
  assert.equal(await text(mem, "a.txt"), "new");
  assert.deepEqual((await mem.list("")).map((s) => s.name), ["a.txt"]);
});
