import assert from "node:assert/strict";
import type { FtpClient } from "../../ftp/client.ts";
import {
  errorForReply,
  FtpConnectionError,
  type FtpError,
  FtpSessionClosedError,
  TooManyConnectionsError,
} from "../../ftp/errors.ts";
import { isSessionLost, neverRan, type PoolOptions, SessionPool } from "./pool.ts";
import { sessionFactory } from "./session.ts";
import { scriptedLogin, startScriptedServer } from "../../test/peers/scripted.ts";

/** A stand-in session: counts NOOPs, can die. */
class Fake {
  static made = 0;
  readonly id = ++Fake.made;
  closed = false;
  /** When its connection has closed for the system (FtpClient.gone). */
  gone: Promise<void> = Promise.resolve();
  timeShift = 0;
  noops = 0;
  failNoop = false;
  noop() {
    this.noops++;
    return this.failNoop ? Promise.reject(new FtpConnectionError("gone")) : Promise.resolve();
  }
  quit(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  close() {
    this.closed = true;
  }
  retire() {
    this.closed = true;
  }
}

function pool(
  options: { maxChildren?: number; lendMain?: boolean; now?: () => number } = {},
) {
  const made: Fake[] = [];
  const p = new SessionPool(() => {
    const f = new Fake();
    made.push(f);
    return Promise.resolve(f as unknown as FtpClient);
  }, options);
  return { p, made };
}

Deno.test("pool: the main session is made once and re-made when closed", async () => {
  const { p, made } = pool();
  const a = await p.main();
  assert.equal(await p.main(), a);
  (a as unknown as Fake).closed = true;
  const b = await p.main();
  assert.notEqual(b, a);
  assert.equal(made.length, 2);
  await p.close();
  assert.ok((b as unknown as Fake).closed);
  assert.throws(() => p.main(), FtpConnectionError);
});

Deno.test("pool: withMain retries once on a lost session when asked", async () => {
  const { p, made } = pool();
  let calls = 0;
  const result = await p.withMain((c) => {
    calls++;
    if (calls === 1) return Promise.reject(new FtpConnectionError("reset"));
    return Promise.resolve((c as unknown as Fake).id);
  }, { retry: true });
  assert.equal(calls, 2);
  assert.equal(result, made[1].id);
  await assert.rejects(
    p.withMain(() => Promise.reject(new FtpConnectionError("reset"))),
    FtpConnectionError,
  );
  await p.close();
});

Deno.test("pool: a command that never left a closed session runs on a new one, retry or not", async () => {
  const { p, made } = pool();
  let calls = 0;
  const result = await p.withMain((c) => {
    calls++;
    // A retired TLS session QUITs behind the commands already waiting; later ones are not sent.
    if (calls === 1) return Promise.reject(new FtpSessionClosedError("RNFR /a"));
    return Promise.resolve((c as unknown as Fake).id);
  });
  assert.equal(calls, 2);
  assert.equal(result, made[1].id);
  await p.close();
});

Deno.test("pool: a command answered 421 first runs once more on a new session; after a 1xx it does not", async () => {
  const { p, made } = pool();
  const reply = { code: 421, text: "Control connection timed out.", lines: [] };
  let calls = 0;
  const result = await p.withMain((c) => {
    calls++;
    if (calls === 1) return Promise.reject(errorForReply(reply, "MKD /d"));
    return Promise.resolve((c as unknown as Fake).id);
  });
  assert.equal(calls, 2);
  assert.equal(result, made[1].id);
  calls = 0;
  await assert.rejects(
    p.withMain(() => {
      calls++;
      return Promise.reject(errorForReply(reply, "STOR /a", undefined, { afterMark: true }));
    }),
    (e: FtpError) => e.ftpCode === 421 && !e.notRun,
  );
  assert.equal(calls, 1);
  assert.ok(neverRan(errorForReply(reply, "DELE /a")));
  assert.ok(!neverRan(errorForReply(reply))); // the greeting's: a session turned away
  await p.close();
});

Deno.test("pool: children are reused, limited, checked after idling, dropped when broken", async () => {
  let now = 0;
  const { p, made } = pool({ maxChildren: 2, now: () => now });
  const a = await p.acquire();
  const b = await p.acquire();
  assert.equal(p.leased, 2);
  let third: FtpClient | undefined;
  const waiting = p.acquire().then((c) => third = c);
  await Promise.resolve();
  assert.equal(third, undefined, "the third waits at the limit");
  p.release(a);
  await waiting;
  assert.equal(third, a, "and gets the returned session");
  p.release(b, { broken: true });
  assert.ok((b as unknown as Fake).closed);
  p.release(third!);
  assert.equal(p.idle, 1);
  now = 60_000;
  (a as unknown as Fake).failNoop = true;
  const fresh = await p.acquire();
  assert.notEqual(fresh, a, "an idle session that fails NOOP is replaced");
  assert.equal((a as unknown as Fake).noops, 1);
  assert.equal(made.length, 3);
  p.timeShift = 3600;
  assert.equal((fresh as unknown as Fake).timeShift, 3600);
  p.release(fresh);
  await p.keepAlive();
  assert.equal((fresh as unknown as Fake).noops, 1);
  await p.close();
  assert.ok((fresh as unknown as Fake).closed);
});

Deno.test("pool: isSessionLost", () => {
  assert.equal(isSessionLost(new FtpConnectionError("x")), true);
  assert.equal(isSessionLost(new Error("x")), false);
});

Deno.test("pool: with lendMain the main session is the last one lent, never more connections", async () => {
  const { p, made } = pool({ maxChildren: 1, lendMain: true });
  const main = await p.main();
  const a = await p.acquire();
  assert.notEqual(a, main, "children first, so the main session stays free while they suffice");
  const b = await p.acquire();
  assert.equal(b, main, "then the main session");
  assert.equal(p.leased, 2);
  let third: FtpClient | undefined;
  const waiting = p.acquire().then((c) => third = c);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(third, undefined, "the third waits: two connections in all");
  assert.equal(made.length, 2);
  p.release(b);
  await waiting;
  assert.equal(third, main);
  // A broken main session is dropped and made anew by the next user.
  p.release(main, { broken: true });
  assert.ok((main as unknown as Fake).closed);
  const again = await p.acquire();
  assert.notEqual(again, main);
  assert.equal(again, await p.main());
  p.release(a);
  p.release(again);
  await p.close();
});

Deno.test("pool: with lendMain and no children, everything runs on the main session", async () => {
  const { p, made } = pool({ maxChildren: 0, lendMain: true });
  const a = await p.acquire();
  assert.equal(a, await p.main());
  const next = p.acquire();
  p.release(a);
  assert.equal(await next, a);
  p.release(a);
  assert.equal(made.length, 1);
  await p.close();
});

Deno.test("pool: no children without lendMain still lends the main session (it waited for ever)", async () => {
  // `options: { maxChildren: 0 }` in a workflow reaches the pool this way.
  const { p, made } = pool({ maxChildren: 0 });
  const a = await p.acquire();
  assert.equal(a, await p.main());
  p.release(a);
  assert.equal(made.length, 1);
  await p.close();
});

/** A pool on a server that takes `cap` sessions at once and refuses more like ProFTPD. */
function cappedPool(
  cap: number,
  options: { maxChildren?: number; lendMain?: boolean; now?: () => number } = {},
) {
  const made: Fake[] = [];
  let refused = 0;
  const p = new SessionPool(() => {
    if (made.filter((f) => !f.closed).length >= cap) {
      refused++;
      const text = "Sorry, the maximum number of clients (2) from your host are already connected.";
      return Promise.reject(
        new TooManyConnectionsError(`server replied 530 ${text}`, {
          reply: { code: 530, lines: [`530 ${text}`], text },
        }),
      );
    }
    const f = new Fake();
    made.push(f);
    return Promise.resolve(f as unknown as FtpClient);
  }, options);
  return { p, made, refused: () => refused };
}

Deno.test("pool: a session refused as one too many lowers the limit to the sessions that work", async () => {
  let now = 0;
  const { p, made, refused } = cappedPool(2, { maxChildren: 3, lendMain: true, now: () => now });
  const main = await p.main();
  const [a, b] = await Promise.all([p.acquire(), p.acquire()]);
  assert.deepEqual(new Set([a, b]).size, 2);
  assert.ok([a, b].includes(main), "the refused caller goes on with the main session");
  assert.equal(p.limit, 1);
  assert.equal(refused(), 1);
  let third: FtpClient | undefined;
  const waiting = p.acquire().then((c) => third = c);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(third, undefined, "the third waits instead of failing");
  assert.equal(refused(), 1, "and does not knock again");
  p.release(a);
  assert.equal(await waiting, a);
  assert.equal(made.length, 2);
  // Ten minutes on, the pool tries one more session; refused again, it waits again.
  now = 600_001;
  let fourth: FtpClient | undefined;
  const again = p.acquire().then((c) => fourth = c);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(refused(), 2);
  assert.equal(fourth, undefined);
  p.release(b);
  assert.equal(await again, b);
  p.release(third!);
  p.release(fourth!);
  await p.close();
});

Deno.test("pool: without lendMain and no child at all, a refused session is the caller's error", async () => {
  const { p } = cappedPool(1, { maxChildren: 2 });
  await p.main();
  await assert.rejects(p.acquire(), TooManyConnectionsError);
  await p.close();
});

Deno.test("pool: a main session refused as one too many is replaced by an idle child", async () => {
  const { p, made } = cappedPool(2, { maxChildren: 2, lendMain: true });
  const main = await p.main();
  const child = await p.acquire();
  p.release(child);
  (main as unknown as Fake).closed = true;
  made.push(new Fake()); // another client takes the slot at once
  assert.equal(await p.main(), child);
  assert.equal(p.idle, 0);
  assert.equal(p.limit, 0);
  await p.close();
});

Deno.test("pool: close waits for a near server's answer to QUIT, unless awaitQuit is false", async () => {
  for (const [awaitQuit, wait] of [[undefined, true], [true, true], [false, false]] as const) {
    const waits: (boolean | undefined)[] = [];
    const p = new SessionPool(() => {
      const f = new Fake() as Fake & { fastestReplyMs: number };
      f.fastestReplyMs = 0.2; // loopback: near
      f.quit = (options?: { wait?: boolean }) => {
        waits.push(options?.wait);
        f.closed = true;
        return Promise.resolve();
      };
      return Promise.resolve(f as unknown as FtpClient);
    }, { maxChildren: 1, awaitQuit });
    await p.main();
    p.release(await p.acquire());
    await p.close();
    assert.deepEqual(waits, [wait, wait], `awaitQuit ${awaitQuit}`);
  }
});

Deno.test("pool: close cuts off sessions whose QUIT is not answered", async () => {
  const made: Fake[] = [];
  const p = new SessionPool(() => {
    const f = new Fake();
    // Sessions stuck behind a transfer the server no longer answers.
    f.quit = () => new Promise<void>(() => {});
    made.push(f);
    return Promise.resolve(f as unknown as FtpClient);
  }, { maxChildren: 1, closeGraceMs: 10 });
  // A real session's unanswered QUIT is a socket read, which keeps the process alive
  // (the grace is a deadline that does not: util/timers.ts): a pending accept stands in.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = listener.accept().catch(() => undefined);
  await p.main();
  p.release(await p.acquire());
  assert.equal(made.length, 2);
  await p.close();
  listener.close();
  await accepting;
  assert.ok(made.every((f) => f.closed), "closed after the grace");
});

Deno.test("pool: a listing refused with 425 (data connection) is tried once more", async () => {
  await using server = await startScriptedServer(async (s) => {
    await scriptedLogin(s);
    await s.expect("TYPE A");
    await s.reply(200, "ascii");
    await s.expect("EPSV");
    const refused = await s.openPassive();
    await s.send(refused.epsvReply() + "\r\n");
    await s.expect("MLSD");
    await s.reply(425, "Unable to build data connection: Operation not permitted");
    await refused.close();
    await s.expect("EPSV");
    const pasv = await s.openPassive();
    await s.send(pasv.epsvReply() + "\r\n");
    await s.expect("MLSD");
    const data = await pasv.accept();
    await s.reply(150, "listing");
    await data.write("type=file;size=3;modify=20200101000000; a.txt\r\n");
    await data.close();
    await s.reply(226, "done");
    await s.expect("QUIT");
    await s.reply(221, "bye");
  });
  const pool = new SessionPool(
    sessionFactory({ host: server.host, port: server.port, user: "u", password: "p" }),
  );
  const entries = await pool.withMain((c) => c.mlsd(""), { retry: true });
  assert.deepEqual(entries.map((e) => e.name), ["a.txt"]);
  await pool.close();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("pool: listings spread over children once one proved slow, and only while main is busy", async () => {
  let now = 0;
  const { p, made } = pool({ maxChildren: 3, now: () => now });
  const main = await p.main();
  const on = (c: FtpClient) => (c as unknown as Fake).id;
  // Fast listings (loopback): all on the main session, even side by side.
  const fast = await Promise.all([1, 2].map(() => p.withListing((c) => Promise.resolve(on(c)))));
  assert.deepEqual(fast, [on(main), on(main)]);
  assert.equal(made.length, 1);
  // One slow listing marks the server as far away.
  await p.withListing((c) => {
    now += 100;
    return Promise.resolve(on(c));
  });
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  const first = p.withListing(async (c) => {
    await held;
    return on(c);
  });
  const second = await p.withListing((c) => Promise.resolve(on(c)));
  assert.notEqual(second, on(main), "the second listing ran on a child while main was busy");
  assert.equal(p.leased, 0, "the child went back to the pool");
  release();
  assert.equal(await first, on(main));
  // A lost child is replaced and the listing tried once more.
  const again = p.withListing(async (c) => {
    await held;
    return on(c);
  });
  let tries = 0;
  const retried = await p.withListing((c) => {
    if (++tries === 1) return Promise.reject(new FtpConnectionError("reset"));
    return Promise.resolve(on(c));
  });
  assert.equal(tries, 2);
  assert.equal(retried, on(main), "after a lost child the listing ran on the main session");
  await again;
  await p.close();
});

Deno.test("pool: withCommand takes an idle child only for a far server whose main session is busy", async () => {
  let now = 0;
  const { p } = pool({ maxChildren: 2, now: () => now });
  const main = await p.main();
  const on = (c: FtpClient) => (c as unknown as Fake).id;
  const child = await p.acquire();
  p.release(child); // one idle child
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  const busy = p.withMain(async (c) => {
    await held;
    return on(c);
  });
  // Near (no slow listing yet): commands wait for the main session.
  const near = p.withCommand((c) => Promise.resolve(on(c)));
  release();
  assert.equal(await busy, on(main));
  assert.equal(await near, on(main));
  await p.withListing(() => {
    now += 100; // far away from now on
    return Promise.resolve();
  });
  const held2 = new Promise<void>((r) => release = r);
  const busy2 = p.withMain(() => held2);
  assert.equal(await p.withCommand((c) => Promise.resolve(on(c))), on(child));
  assert.equal(p.leased, 0, "the child went back to the pool");
  // With the main session free, commands stay on it.
  release();
  await busy2;
  assert.equal(await p.withCommand((c) => Promise.resolve(on(c))), on(main));
  await p.close();
});

Deno.test("pool: warm opens idle children at once, never above the limit", async () => {
  const { p, made } = pool({ maxChildren: 3, lendMain: true });
  await p.main();
  const lent = await p.acquire();
  await p.warm(7);
  assert.equal(made.length, 4, "main + 3 children, not 7");
  assert.equal(p.idle, 2);
  await p.warm(7); // nothing more to open
  assert.equal(made.length, 4);
  // The warmed ones are lent without new connections.
  const [a, b] = await Promise.all([p.acquire(), p.acquire()]);
  assert.equal(made.length, 4);
  for (const c of [lent, a, b]) p.release(c);
  await p.close();
});

Deno.test("pool: warm meets a connection limit like acquire does", async () => {
  const { p, made, refused } = cappedPool(3, { maxChildren: 4, lendMain: true });
  await p.main();
  await p.warm(4);
  assert.equal(made.filter((f) => !f.closed).length, 3);
  assert.ok(refused() >= 1);
  assert.equal(p.limit, 2);
  assert.equal(p.idle, 2);
  await p.close();
});

Deno.test("pool: a new session learns FEAT and EPSV from the others", async () => {
  const hints: unknown[] = [];
  let epsvAssumed = 0;
  const p = new SessionPool((h) => {
    hints.push(h);
    const f = Object.assign(new Fake(), {
      knownFeatures: new Map([["MDTM", ""]]),
      epsvWorked: true,
      assumeEpsvWorks: () => epsvAssumed++,
    });
    return Promise.resolve(f as unknown as FtpClient);
  }, { maxChildren: 2 });
  await p.main();
  const child = await p.acquire();
  assert.deepEqual(hints, [{}, { features: new Map([["MDTM", ""]]), epsvWorks: true }]);
  assert.equal(epsvAssumed, 1);
  p.release(child);
  await p.close();
});

Deno.test("pool: a slow listing from a near server (quick replies) keeps listings on main", async () => {
  let now = 0;
  const near = new SessionPool(() => {
    return Promise.resolve(
      Object.assign(new Fake(), { fastestReplyMs: 0.4 }) as unknown as FtpClient,
    );
  }, { maxChildren: 3, now: () => now });
  const main = await near.main();
  // The first listing took 100 ms (this process was busy loading code, say): not distance.
  await near.withListing(() => {
    now += 100;
    return Promise.resolve();
  });
  let release!: () => void;
  const held = new Promise<void>((r) => release = r);
  const first = near.withListing(async (c) => {
    await held;
    return c;
  });
  const second = near.withListing((c) => Promise.resolve(c));
  release();
  assert.deepEqual(await Promise.all([first, second]), [main, main]);
  assert.equal(near.idle + near.leased, 0, "no child was opened");
  await near.close();
});

Deno.test("pool: the place behind a running download is lent to one waiter, not to all woken", async () => {
  const made: Fake[] = [];
  // A session whose running download another may queue behind (FtpClient.claimQueue).
  class Queueing extends Fake {
    open = false;
    claims = 0;
    onQueueable?: () => void;
    get queueable() {
      return this.open;
    }
    claimQueue() {
      if (!this.open) return false;
      this.open = false;
      this.claims++;
      return true;
    }
  }
  const p = new SessionPool(() => {
    const f = new Queueing();
    made.push(f);
    return Promise.resolve(f as unknown as FtpClient);
  }, { maxChildren: 1 });
  const child = await p.acquire() as unknown as Queueing;
  const lent: Queueing[] = [];
  const waiters = [1, 2, 3].map(() =>
    p.acquire({ queue: true }).then((c) => void lent.push(c as unknown as Queueing))
  );
  // The running download becomes one to queue behind: every waiter wakes, one takes the place.
  child.open = true;
  child.onQueueable!();
  await waiters[0];
  for (let i = 0; i < 10; i++) await Promise.resolve();
  assert.deepEqual(lent, [child]);
  assert.equal(child.claims, 1);
  // The next place opens when the queued download runs: the next waiter takes it.
  child.open = true;
  child.onQueueable!();
  await Promise.race(waiters.slice(1));
  for (let i = 0; i < 10; i++) await Promise.resolve();
  assert.equal(lent.length, 2);
  assert.equal(child.claims, 2);
  p.release(child as unknown as FtpClient);
  p.release(child as unknown as FtpClient);
  p.release(child as unknown as FtpClient);
  await Promise.all(waiters);
  assert.equal(made.length, 1, "never a second session");
  p.release(child as unknown as FtpClient);
  await p.close();
});

Deno.test("pool: a session sends the next transfer's EPSV behind a download only while nobody waits, and never where downloads queue", async () => {
  class Behind extends Fake {
    portBehindReads?: () => boolean;
    queuesReads = false;
  }
  const p = new SessionPool(
    () => Promise.resolve(new Behind() as unknown as FtpClient),
    { maxChildren: 1 },
  );
  const child = await p.acquire() as unknown as Behind;
  assert.equal(child.portBehindReads?.(), true, "no caller waits");
  // A session that queues downloads (vsftpd) keeps the place behind for them.
  child.queuesReads = true;
  assert.equal(child.portBehindReads?.(), false, "downloads queue on this session");
  child.queuesReads = false;
  // A caller waits for a session: the place behind the download is left to its download.
  const waiting = p.acquire();
  await settle();
  assert.equal(child.portBehindReads?.(), false);
  p.release(child as unknown as FtpClient);
  const again = await waiting;
  assert.equal(child.portBehindReads?.(), true);
  p.release(again);
  await p.close();
});

/** A promise and its resolver (a session's connection that closes when the test says). */
function closing(): { gone: Promise<void>; close: () => void } {
  let close!: () => void;
  const gone = new Promise<void>((resolve) => close = resolve);
  return { gone, close };
}

/** Lets every callback that is ready run (connects and wake-ups included). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("pool: a dropped child keeps its slot until its connection has closed", async () => {
  const { p, made } = pool({ maxChildren: 2 });
  const a = await p.acquire();
  const b = await p.acquire();
  const { gone, close } = closing();
  (a as unknown as Fake).gone = gone;
  let next: FtpClient | undefined;
  const waiting = p.acquire().then((c) => next = c);
  p.release(a, { broken: true });
  await settle();
  // Before: the slot was free at once and a third session logged in while the
  // dropped one was still open (two children allowed, three open).
  assert.equal(next, undefined, "no new session while the dropped one is still closing");
  assert.equal(made.length, 2);
  close();
  await waiting;
  assert.equal(made.length, 3);
  assert.notEqual(next, a);
  p.release(b);
  p.release(next!);
  await p.close();
});

Deno.test("pool: a lost main session is replaced only once its connection has closed", async () => {
  const { p, made } = pool({ maxChildren: 1, lendMain: true });
  const main = await p.main();
  const { gone, close } = closing();
  (main as unknown as Fake).gone = gone;
  main.close();
  let next: FtpClient | undefined;
  const waiting = p.main().then((c) => next = c);
  const also = p.main();
  await settle();
  assert.equal(next, undefined);
  assert.equal(made.length, 1, "no new main session while the lost one is still closing");
  close();
  assert.equal(await waiting, await also, "callers meanwhile share the one new session");
  assert.equal(made.length, 2);
  await p.close();
});

/**
 * A server whose main session carries a rename while another use of the same
 * session fails: the rename's replies are held until `failed` resolves (the
 * pool has dealt with the failure), then QUIT is answered.
 */
async function renameBehindFailure(
  failed: Promise<void>,
  noop: [number, string] = [200, "ok"],
  options: PoolOptions = { maxChildren: 0, lendMain: true },
) {
  let renameOut!: () => void;
  const out = new Promise<void>((resolve) => renameOut = resolve);
  const server = await startScriptedServer(async (s) => {
    await scriptedLogin(s);
    for (;;) {
      const line = await s.readCommand();
      if (line === null) throw new Error("the client cut the session");
      if (line.startsWith("NOOP")) await s.reply(...noop);
      else if (line.startsWith("RNFR")) {
        await s.expect("RNTO");
        renameOut();
        await failed;
        await s.reply(350, "ready");
        await s.reply(250, "renamed");
      } else {
        assert.match(line, /^QUIT/);
        await s.reply(221, "bye");
        return;
      }
    }
  });
  const p = new SessionPool(
    sessionFactory({ host: server.host, port: server.port, user: "u", password: "p" }),
    options,
  );
  return { server, p, out };
}

Deno.test("pool: a command failing as if its session were lost does not cut another's command already sent on the main session", async () => {
  let handled!: () => void;
  const { server, p, out } = await renameBehindFailure(new Promise((r) => handled = r));
  const main = await p.main();
  // A listing whose data connection failed: the control connection is fine, and its
  // lock has gone on to the rename, sent before the failure reached the pool.
  const failing = p.withMain(async (c) => {
    await c.noop();
    await out;
    throw new FtpConnectionError("data connection failed: reset");
  });
  const rename = p.withMain((c) => c.rename("/a", "/b"));
  await assert.rejects(failing, /data connection failed/);
  handled();
  await rename;
  assert.equal(main.closed, true, "the session is out of use: the next command gets a new one");
  await main.gone;
  await p.close();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("pool: a lent main session returned broken does not cut a command already sent on it", async () => {
  let handled!: () => void;
  const { server, p, out } = await renameBehindFailure(new Promise((r) => handled = r));
  const lent = await p.acquire(); // the main session: no children
  const rename = p.withMain((c) => c.rename("/a", "/b"));
  await out;
  p.release(lent, { broken: true }); // its transfer failed
  handled();
  await rename;
  assert.equal(lent.closed, true);
  await lent.gone;
  await p.close();
  await server.close();
  assert.deepEqual(server.errors, []);
});

/**
 * A server that never answers RNTO (`renameOut` resolves once it arrived) and a
 * pool over it whose sessions time out long after the test would have ended.
 */
async function hangingRename(options: { maxChildren: number; lendMain: boolean }) {
  let out!: () => void;
  const renameOut = new Promise<void>((resolve) => out = resolve);
  const server = await startScriptedServer(async (s) => {
    await scriptedLogin(s);
    for (;;) {
      const line = await s.readCommand();
      if (line === null) return; // cut by the client: what these tests want
      if (line.startsWith("NOOP")) await s.reply(200, "ok");
      else if (line.startsWith("RNFR")) {
        await s.expect("RNTO");
        out(); // and never answered: the server hangs on it
      } else throw new Error(`unexpected ${line}`);
    }
  });
  const p = new SessionPool(
    // Only the pool's cut ends the rename in time (before: it failed after these 20 s with
    // FtpTimeoutError, the session open until then).
    sessionFactory({
      host: server.host,
      port: server.port,
      user: "u",
      password: "p",
      timeoutMs: 20_000,
    }),
    { ...options, closeGraceMs: 0 },
  );
  return { server, p, renameOut };
}

Deno.test("pool: close cuts a retired main session whose command hangs, when its grace ends", async () => {
  const { server, p, renameOut } = await hangingRename({ maxChildren: 0, lendMain: true });
  const main = await p.main();
  const failing = p.withMain(async (c) => {
    await c.noop();
    await renameOut;
    throw new FtpConnectionError("data connection failed: reset");
  });
  const rename = p.withMain((c) => c.rename("/a", "/b"));
  await assert.rejects(failing, /data connection failed/);
  assert.equal(main.closed, true, "retired: QUIT waits behind the hung rename");
  await p.close();
  await assert.rejects(rename, (error) => error instanceof FtpConnectionError);
  await main.gone;
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("pool: close cuts a dropped child that retired itself with a command hanging", async () => {
  const { server, p, renameOut } = await hangingRename({ maxChildren: 1, lendMain: false });
  const child = await p.acquire();
  const rename = child.rename("/a", "/b");
  await renameOut;
  // As a TLS session out of tickets does (ClientSession.noteRefusal); returned closed: dropped.
  child.retire("a test");
  p.release(child);
  await p.close();
  await assert.rejects(rename, (error) => error instanceof FtpConnectionError);
  await child.gone;
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("pool: a shared lease of the lent main session returned broken does not cut a command already sent on it", async () => {
  let handled!: () => void;
  const { server, p, out } = await renameBehindFailure(new Promise((r) => handled = r));
  const lent = await p.acquire(); // the main session: no children
  // A download runs on it that another may queue behind (vsftpd's queueReads).
  (lent as unknown as { claimQueue(): boolean }).claimQueue = () => true;
  const queued = await p.acquire({ queue: true });
  assert.equal(queued, lent, "shared");
  const rename = p.withMain((c) => c.rename("/a", "/b"));
  await out;
  p.release(queued, { broken: true }); // the queued download failed
  handled();
  await rename; // before: "control connection closed"
  assert.equal(lent.closed, true, "out of use: the next command gets a new session");
  p.release(lent);
  await lent.gone;
  await p.close();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("pool: a keep-alive NOOP the server refuses does not cut a command queued behind it on the main session", async () => {
  const { server, p } = await renameBehindFailure(Promise.resolve(), [502, "NOOP not implemented"]);
  const main = await p.main();
  const alive = p.keepAlive();
  const rename = p.withMain((c) => c.rename("/a", "/b")); // queued behind the NOOP
  await alive;
  await rename; // before: "control connection closed"
  assert.equal(await p.main(), main, "a session that answers is alive: kept");
  await p.close();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("pool: close gives a session let go earlier its grace: a command already on it is answered", async () => {
  let handled!: () => void;
  const { server, p, out } = await renameBehindFailure(
    new Promise((r) => handled = r),
    undefined,
    { maxChildren: 1, closeGraceMs: 600_000 }, // ends when the session has gone, not by time
  );
  const child = await p.acquire();
  const rename = child.rename("/a", "/b");
  await out;
  child.retire("a test"); // as a TLS session out of tickets does
  p.release(child); // dropped: the pool holds it no more
  const closing = p.close();
  handled();
  await rename; // before: cut at once ("control connection closed"), no QUIT awaited for it
  await closing;
  await child.gone;
  await server.close();
  assert.deepEqual(server.errors, []);
});
