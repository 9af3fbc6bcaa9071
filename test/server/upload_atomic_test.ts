/**
 * Uploads never destroy what they replace unless they complete and are
 * accepted (issue 11 item 4): with the default `atomicUploads`, each way an
 * upload can fail (a veto, ABOR, a dropped control connection, a refused
 * permission, a full disk) leaves the old file as it was and no temporary
 * file behind; APPE and REST+STOR still append.
 */
import assert from "node:assert/strict";
import { type DirectSink, LocalEndpoint, MemoryEndpoint, type WriteOptions } from "../../mod.ts";
import { type ServerHooks, type TransferEvent, UploadVetoError } from "../../server.ts";
import { Ctl, writeAll } from "./client.ts";
import { dec, enc, get, put, randomBytes, testServer } from "./helpers.ts";

const OLD = "the old content\n";

async function names(ep: MemoryEndpoint, dir = ""): Promise<string[]> {
  return (await ep.list(dir)).map((s) => s.name).sort();
}

async function assertOldKept(ep: MemoryEndpoint, path = "a.txt") {
  assert.equal(dec.decode(await get(ep, path)), OLD);
  const temps = (await names(ep)).filter((n) => n.endsWith(".part"));
  assert.deepEqual(temps, [], "no temporary file left");
}

/** Resolves with the event of the next `onIncompleteFileReceived` (it runs after the cleanup). */
function incompleteHook(): { hooks: ServerHooks; next: Promise<TransferEvent> } {
  let resolve!: (ev: TransferEvent) => void;
  const next = new Promise<TransferEvent>((r) => resolve = r);
  return { hooks: { onIncompleteFileReceived: (ev) => resolve(ev) }, next };
}

async function loggedIn(port: number, user = "bob"): Promise<Ctl> {
  const c = await Ctl.connect(port);
  assert.equal((await c.login(user, "pw")).code, 230);
  assert.equal((await c.cmd("TYPE I")).code, 200);
  return c;
}

Deno.test("atomic upload: a vetoed STOR and a vetoed APPE keep the old file; the hook sees the staged bytes", async () => {
  let staged = "";
  const hooks: ServerHooks = {
    async onFileReceived(ev) {
      // The bytes are readable at stagedPath; the target still holds the old ones.
      staged = dec.decode(await get(t.ep, ev.stagedPath!));
      assert.equal(dec.decode(await get(t.ep, ev.endpointPath)), OLD);
      throw new UploadVetoError("not today");
    },
  };
  await using t = await testServer({ hooks }, (ep) => put(ep, "a.txt", OLD));
  await using c = await loggedIn(t.port);
  for (const verb of ["STOR", "APPE"]) {
    const data = await c.epsv();
    assert.ok([125, 150].includes((await c.cmd(`${verb} a.txt`)).code));
    await writeAll(data, enc.encode("new bytes"));
    const r = await c.reply();
    assert.equal(r.code, 550, verb);
    assert.match(r.text, /not today/);
    assert.equal(staged, "new bytes");
    await assertOldKept(t.ep);
  }
});

Deno.test("atomic upload: ABOR mid-STOR keeps the old file", async () => {
  const inc = incompleteHook();
  await using t = await testServer({ hooks: inc.hooks }, (ep) => put(ep, "a.txt", OLD));
  await using c = await loggedIn(t.port);
  const data = await c.epsv();
  assert.ok([125, 150].includes((await c.cmd("STOR a.txt")).code));
  const w = data.writable.getWriter();
  await w.write(randomBytes(200_000));
  assert.equal((await c.cmd("ABOR")).code, 426);
  assert.equal((await c.reply()).code, 226);
  await inc.next;
  await assertOldKept(t.ep);
  await w.abort().catch(() => {});
});

Deno.test("atomic upload: a control connection dropped mid-STOR keeps the old file", async () => {
  const inc = incompleteHook();
  await using t = await testServer({ hooks: inc.hooks }, (ep) => put(ep, "a.txt", OLD));
  const c = await loggedIn(t.port);
  const data = await c.epsv();
  assert.ok([125, 150].includes((await c.cmd("STOR a.txt")).code));
  const w = data.writable.getWriter();
  await w.write(randomBytes(200_000));
  c.close(); // the client goes away, its data connection still open
  const ev = await inc.next;
  assert.equal(ev.path, "/a.txt");
  await assertOldKept(t.ep);
  await w.abort().catch(() => {});
});

Deno.test("atomic upload: a refused permission and a full endpoint keep the old file", async () => {
  // An endpoint that runs out of space after 64 KiB of any staged upload.
  class FullEndpoint extends MemoryEndpoint {
    override async write(path: string, options?: WriteOptions) {
      const inner = (await super.write(path, options)).getWriter();
      if (!path.endsWith(".part")) return new WritableStream<Uint8Array>(inner);
      let written = 0;
      return new WritableStream<Uint8Array>({
        async write(chunk) {
          written += chunk.length;
          if (written > 65536) {
            throw Object.assign(new Error("No space left on device"), { code: "ENOSPC" });
          }
          await inner.write(chunk);
        },
        close: () => inner.close(),
        abort: (e) => inner.abort(e),
      });
    }
  }
  const ep = new FullEndpoint();
  await put(ep, "a.txt", OLD);
  await put(ep, "pub/a.txt", OLD);
  const inc = incompleteHook();
  await using t = await testServer({ endpoint: ep, hooks: inc.hooks });
  await using ro = await loggedIn(t.port, "ro");
  await ro.epsv();
  assert.equal((await ro.cmd("STOR a.txt")).code, 550);
  await assertOldKept(ep, "pub/a.txt");

  await using c = await loggedIn(t.port);
  const data = await c.epsv();
  assert.ok([125, 150].includes((await c.cmd("STOR a.txt")).code));
  await writeAll(data, randomBytes(300_000)).catch(() => {}); // the server may hang up first
  const r = await c.reply();
  assert.ok(r.code >= 400, `${r.code} ${r.text}`);
  await inc.next;
  await assertOldKept(ep);
});

Deno.test("atomic upload to a local disk goes through the direct sink: STOR replaces; ABOR and a full disk keep the old file", async () => {
  // Counts the direct sinks opened; with `full`, a staged upload's sink runs out of space after 64 KiB.
  class Disk extends LocalEndpoint {
    direct = 0;
    full = false;
    override async writeDirect(path: string, options?: WriteOptions): Promise<DirectSink> {
      const sink = await super.writeDirect(path, options);
      this.direct++;
      if (!this.full) return sink;
      let written = 0;
      return {
        writeSync(chunk) {
          written += chunk.length;
          if (written > 65536) {
            throw Object.assign(new Error("No space left on device"), { code: "ENOSPC" });
          }
          sink.writeSync(chunk);
        },
        close: () => sink.close(),
        abort: (e) => sink.abort(e),
      };
    }
  }
  const root = await Deno.makeTempDir();
  try {
    const ep = new Disk(root);
    await Deno.writeTextFile(`${root}/a.txt`, OLD);
    const kept = async () => {
      assert.equal(await Deno.readTextFile(`${root}/a.txt`), OLD);
      const left = await Array.fromAsync(Deno.readDir(root), (e) => e.name);
      assert.deepEqual(left.filter((n) => n.endsWith(".part")), [], "no temporary file left");
    };
    // Each incomplete upload's event, in turn.
    const events: Promise<TransferEvent>[] = [];
    let arrived!: (ev: TransferEvent) => void;
    const arm = () => events.push(new Promise((r) => arrived = r));
    arm();
    const hooks: ServerHooks = {
      onIncompleteFileReceived: (ev) => {
        const done = arrived;
        arm();
        done(ev);
      },
    };
    await using t = await testServer({ endpoint: ep, hooks });
    await using c = await loggedIn(t.port);

    let data = await c.epsv();
    assert.ok([125, 150].includes((await c.cmd("STOR b.txt")).code));
    const bytes = randomBytes(300_000);
    await writeAll(data, bytes);
    assert.equal((await c.reply()).code, 226);
    assert.deepEqual(await Deno.readFile(`${root}/b.txt`), bytes);
    assert.equal(ep.direct, 1);

    data = await c.epsv();
    assert.ok([125, 150].includes((await c.cmd("STOR a.txt")).code));
    const w = data.writable.getWriter();
    await w.write(randomBytes(200_000));
    assert.equal((await c.cmd("ABOR")).code, 426);
    assert.equal((await c.reply()).code, 226);
    await events[0];
    await kept();
    await w.abort().catch(() => {});

    ep.full = true;
    data = await c.epsv();
    assert.ok([125, 150].includes((await c.cmd("STOR a.txt")).code));
    await writeAll(data, randomBytes(300_000)).catch(() => {}); // the server may hang up first
    const r = await c.reply();
    assert.ok(r.code >= 400, `${r.code} ${r.text}`);
    await events[1];
    await kept();
    assert.equal(ep.direct, 3);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("atomic upload: STOR replaces, APPE and REST+STOR append, STOU creates", async () => {
  await using t = await testServer({}, (ep) => put(ep, "a.txt", OLD));
  await using c = await loggedIn(t.port);
  const send = async (cmd: string, body: string) => {
    const data = await c.epsv();
    assert.ok([125, 150].includes((await c.cmd(cmd)).code), cmd);
    await writeAll(data, enc.encode(body));
    assert.equal((await c.reply()).code, 226, cmd);
  };
  await send("APPE a.txt", "more\n");
  assert.equal(dec.decode(await get(t.ep, "a.txt")), OLD + "more\n");
  assert.equal((await c.cmd(`REST ${OLD.length + 5}`)).code, 350);
  await send("STOR a.txt", "tail\n");
  assert.equal(dec.decode(await get(t.ep, "a.txt")), OLD + "more\ntail\n");
  await send("STOR a.txt", "fresh\n");
  assert.equal(dec.decode(await get(t.ep, "a.txt")), "fresh\n");
  await send("APPE new.txt", "created\n");
  assert.equal(dec.decode(await get(t.ep, "new.txt")), "created\n");
  await send("STOU", "unique\n");
  assert.deepEqual((await names(t.ep)).filter((n) => n.endsWith(".part")), []);
});

Deno.test("atomicUploads: false writes in place (a broken upload stays, resumable)", async () => {
  const inc = incompleteHook();
  await using t = await testServer(
    { atomicUploads: false, hooks: inc.hooks },
    (ep) => put(ep, "a.txt", OLD),
  );
  await using c = await loggedIn(t.port);
  const data = await c.epsv();
  assert.ok([125, 150].includes((await c.cmd("STOR a.txt")).code));
  const w = data.writable.getWriter();
  await w.write(randomBytes(100_000));
  assert.equal((await c.cmd("ABOR")).code, 426);
  assert.equal((await c.reply()).code, 226);
  await inc.next;
  assert.notEqual(dec.decode(await get(t.ep, "a.txt")), OLD);
  await w.abort().catch(() => {});
});
