/**
 * The FTP endpoint's stat cache under parallel uploads (issue 15: a mirror of
 * 300 files with `-P 4` to the real UFTPD failed 42 of them with `ENOENT
 * .../.fNNN.bin.ferry.part`). A listing of a directory that the server took
 * before an upload into it finished, and that arrived after the upload, was
 * stored over the upload's invalidation; the rename of the upload's temporary
 * file then looked it up in that listing and found it "missing".
 *
 * ferry's own FTP server runs in-process over a memory endpoint that behaves
 * like a busy server with ProFTPD's `HiddenStores`: a file still being
 * uploaded is not listed, and a listing is answered only once the uploads in
 * progress when it was taken have finished. On the client, every upload has a
 * listing of its directory asked for while it runs (as other workers' stats
 * do), and its end waits for that listing to arrive: the order of events that
 * made the UFTPD mirror fail, made certain instead of likely.
 * @module
 */
import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { DelegatingEndpoint } from "../../endpoint/delegating.ts";
import { FtpEndpoint } from "../../endpoint/ftp/endpoint.ts";
import { MemoryEndpoint } from "../../endpoint/memory.ts";
import { dirname, joinPath, normalizePath } from "../../endpoint/path.ts";
import { type SessionFactory, sessionFactory } from "../../endpoint/ftp/session.ts";
import type { Stat, WriteOptions } from "../../endpoint/types.ts";
import { startFtpServer, VirtualAuthorizer } from "../../server.ts";
import { mirror } from "../../sync/mirror.ts";
import { NotFoundError } from "../../endpoint/errors.ts";
import { at, contents, put, text } from "./helpers.ts";

/** Server side: a file still being uploaded is not listed (ProFTPD's `HiddenStores`). */
class HiddenStores extends DelegatingEndpoint {
  readonly #open = new Set<string>();
  /** Listings that left out a file being uploaded. */
  hidden = 0;

  override async list(path: string): Promise<Stat[]> {
    const dir = normalizePath(path);
    const entries = await super.list(path);
    const shown = entries.filter((s) => !this.#open.has(joinPath(dir, s.name)));
    if (shown.length < entries.length) this.hidden++;
    return shown;
  }

  override async write(path: string, options?: WriteOptions) {
    const p = normalizePath(path);
    const stream = await super.write(p, options);
    this.#open.add(p);
    const writer = stream.getWriter();
    const done = () => void this.#open.delete(p);
    return new WritableStream<Uint8Array>({
      write: (chunk) => writer.write(chunk),
      close: () => writer.close().finally(done),
      abort: (reason) => writer.abort(reason).finally(done),
    });
  }
}

/**
 * Client side, the sessions: a listing asked for inside {@link LateReplies.probe}
 * hands its reply to the host only when the probe is released.
 */
class LateReplies {
  readonly #probe = new AsyncLocalStorage<{ arrived: () => void; released: Promise<void> }>();
  /** Replies that were held. */
  held = 0;

  /** Wraps the sessions of `factory`. */
  sessions(factory: SessionFactory): SessionFactory {
    const hold = async <T>(reply: Promise<T>): Promise<T> => {
      const probe = this.#probe.getStore();
      const entries = await reply;
      if (probe) {
        this.held++;
        probe.arrived();
        await probe.released;
      }
      return entries;
    };
    return async () => {
      const client = await factory();
      return new Proxy(client, {
        get(target, prop) {
          if (prop === "mlsd") return (p: string) => hold(target.mlsd(p));
          if (prop === "list") return (p: string, o?: object) => hold(target.list(p, o));
          const value = Reflect.get(target, prop, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    };
  }

  /**
   * Starts `list`; `arrived` resolves when its reply came (or it needed none:
   * a listing served from the cache), `release` lets the reply through, and
   * `done` is the listing's own promise.
   */
  probe(list: () => Promise<unknown>) {
    let arrived!: () => void;
    let release!: () => void;
    const arrivedP = new Promise<void>((resolve) => arrived = resolve);
    const released = new Promise<void>((resolve) => release = resolve);
    const done = this.#probe.run({ arrived, released }, list).catch(() => undefined)
      .finally(arrived);
    return { arrived: arrivedP, release, done };
  }
}

/**
 * Client side, the endpoint: each upload has its directory listed while it
 * runs (as other workers' stats do); the reply reaches the host after the
 * upload finished and was checked, just before its temporary file is renamed
 * into place.
 */
class ListingWhileUploading extends DelegatingEndpoint<FtpEndpoint> {
  readonly #replies: LateReplies;
  readonly #probes = new Map<string, ReturnType<LateReplies["probe"]>>();

  constructor(inner: FtpEndpoint, replies: LateReplies) {
    super(inner);
    this.#replies = replies;
  }

  override async write(path: string, options?: WriteOptions) {
    const stream = await super.write(path, options);
    const p = normalizePath(path);
    const probe = this.#replies.probe(() => this.inner.list(dirname(p)));
    this.#probes.set(p, probe);
    const writer = stream.getWriter();
    return new WritableStream<Uint8Array>({
      write: (chunk) => writer.write(chunk),
      // The listing is taken while the upload is still open.
      close: () => probe.arrived.then(() => writer.close()),
      abort: async (reason) => {
        await writer.abort(reason);
        await this.#deliver(p);
      },
    });
  }

  override async rename(from: string, to: string) {
    await this.#deliver(normalizePath(from));
    return await super.rename(from, to);
  }

  /** Hands the listing asked for during the upload of `path` to the host. */
  async #deliver(path: string): Promise<void> {
    const probe = this.#probes.get(path);
    if (!probe) return;
    this.#probes.delete(path);
    probe.release();
    await probe.done;
  }
}

Deno.test("ftp cache: a mirror upload with -P 8 against late listings loses no file", async () => {
  const files = 60;
  const storage = new HiddenStores(new MemoryEndpoint());
  const srv = await startFtpServer({
    endpoint: storage,
    authorizer: new VirtualAuthorizer().addUser("bob", { password: "pw", perm: "elradfmwMT" }),
    port: 0,
  });
  const src = new MemoryEndpoint();
  const expected: Record<string, string> = {};
  for (let i = 0; i < files; i++) {
    const path = `d${i % 3}/f${String(i).padStart(3, "0")}.bin`;
    const body = `file ${i} `.repeat(1 + (i % 7));
    await put(src, path, body, at(i));
    expected[path] = body;
  }
  const replies = new LateReplies();
  const ftp = await FtpEndpoint.open(`ftp://127.0.0.1:${srv.port}/`, {
    // Eight upload sessions, one for each held listing (a held reply keeps its
    // session until the upload's rename) and the main one: with fewer, an upload
    // could borrow the main session, its own listing wait for a session held by
    // another upload's listing, and that upload's rename for the main session.
    maxConnections: 17,
    options: {
      sessionFactory: replies.sessions(
        sessionFactory({ host: "127.0.0.1", port: srv.port, user: "bob", password: "pw" }),
      ),
    },
  });
  try {
    const report = await mirror(src, "", new ListingWhileUploading(ftp, replies), "up", {
      parallel: 8,
      retry: { retries: 0, baseDelayMs: 0 },
    });
    assert.deepEqual(report.errors, []);
    assert.equal(report.files.transferred, files);
    assert.ok(
      storage.hidden > 0 && replies.held > 0,
      "no listing came late: the test proves nothing",
    );
    const got = await contents(storage, "up");
    for (const [path, body] of Object.entries(expected)) assert.equal(got[path], body, path);
    assert.deepEqual(Object.keys(got).filter((p) => p.endsWith(".part")), []);
  } finally {
    await ftp.close();
    await srv.close();
  }
});

Deno.test("ftp cache: rename, remove and rmdir ask the server about what the cache calls missing", async () => {
  const storage = new MemoryEndpoint();
  await put(storage, "up/old.txt", "old");
  const srv = await startFtpServer({
    endpoint: storage,
    authorizer: new VirtualAuthorizer().addUser("bob", { password: "pw", perm: "elradfmwMT" }),
    port: 0,
  });
  const ftp = await FtpEndpoint.open(`ftp://127.0.0.1:${srv.port}/`, {
    credentials: { user: "bob", password: "pw" },
  });
  try {
    const cachedListing = async () => {
      await ftp.list("up");
      assert.ok(ftp.host.statCache.getListing("/up"), "the listing is cached");
    };
    // Another client's new file, which the cached listing does not show.
    await cachedListing();
    await put(storage, "up/theirs.txt", "theirs");
    await ftp.rename("up/theirs.txt", "up/mine.txt");
    assert.equal(await text(storage, "up/mine.txt"), "theirs");

    await cachedListing();
    await put(storage, "up/drop.txt", "x");
    await ftp.remove("up/drop.txt");
    await assert.rejects(storage.lstat("up/drop.txt"), NotFoundError);

    await cachedListing();
    await storage.mkdir("up/dir");
    await ftp.rmdir("up/dir");
    await assert.rejects(storage.lstat("up/dir"), NotFoundError);

    // What is missing on the server too is still NotFoundError.
    await cachedListing();
    await assert.rejects(ftp.remove("up/none.txt"), NotFoundError);
    await assert.rejects(ftp.rename("up/none.txt", "up/x.txt"), NotFoundError);
  } finally {
    await ftp.close();
    await srv.close();
  }
});
