import assert from "node:assert/strict";
import { ControlConnection } from "./control.ts";
import { ConnSocket } from "./conn_socket.ts";
import { FtpConnectionError, type FtpError, FtpTemporaryError } from "./errors.ts";
import { configureLogging, type LogRecord, resetLogging } from "../deps/logtape.ts";
import { connectSocket } from "./socket.ts";
import { loopbackControl } from "../test/ftp/loopback_control.ts";

Deno.test("control: replies not read when the connection is destroyed are not handed out", async () => {
  // Two replies in one write: the second waits, unread, once the first is taken.
  const { control, stop } = await loopbackControl("213 20240101000000\r\n229 (|||4242|)\r\n");
  try {
    assert.equal((await control.read()).code, 213);
    control.destroy();
    // A download queued behind would take the 229 for its own: it must see the session gone.
    await assert.rejects(control.read(), FtpConnectionError);
  } finally {
    await stop();
  }
});

Deno.test("control: after a 421 and the server's close, the replies still owed fail as not run", async () => {
  // RNFR and RNTO sent together; pyftpdlib's idle timeout answers RNFR and closes.
  const { control, stop } = await loopbackControl("421 Control connection timed out.\r\n", true);
  try {
    assert.equal((await control.read(5_000, "RNFR /a")).code, 421);
    await assert.rejects(
      control.read(5_000, "RNTO /b"),
      (e) => e instanceof FtpTemporaryError && e.notRun && e.ftpCode === 421,
    );
    assert.throws(() => control.send("NOOP"), (e: FtpError) => e.notRun);
  } finally {
    await stop();
  }
});

Deno.test("control: a close without a 421 before it stays a lost connection, not 'not run'", async () => {
  const { control, stop } = await loopbackControl("350 Ready for RNTO.\r\n", true);
  try {
    assert.equal((await control.read(5_000, "RNFR /a")).code, 350);
    await assert.rejects(control.read(5_000, "RNTO /b"), (e: FtpError) => !e.notRun);
  } finally {
    await stop();
  }
});

Deno.test("control: ProFTPD's mid-transfer answer to another command closes the session, not read as this one's", async () => {
  // RETR running with an EPSV behind it (UseSendfile off): ProFTPD answers the EPSV
  // before the RETR's 226. Taken as the RETR's final reply, every later reply is off by one.
  const { control, stop } = await loopbackControl(
    "150 Opening BINARY mode data connection\r\n450 EPSV: data transfer in progress\r\n" +
      "226 Transfer complete\r\n",
  );
  try {
    assert.equal((await control.read(5_000, "RETR a.bin")).code, 150);
    await assert.rejects(
      control.read(5_000, "RETR a.bin"),
      (e) =>
        e instanceof FtpConnectionError && /out of step/.test(e.message) && /EPSV/.test(e.message),
    );
    // The 226 after it belongs to no command now.
    await assert.rejects(control.read(5_000, "EPSV"), FtpConnectionError);
  } finally {
    await stop();
  }
});

Deno.test("control: a reply out of step that arrives while its read waits fails it, and the replies after it too", async () => {
  // The read waits before anything arrived: the reply is checked as it is handed on.
  const { control, stop } = await loopbackControl(
    "450 EPSV: data transfer in progress\r\n226 Transfer complete\r\n",
  );
  try {
    await assert.rejects(
      control.read(5_000, "RETR a.bin"),
      (e) => e instanceof FtpConnectionError && /out of step/.test(e.message),
    );
    assert.equal(control.closed, true);
    await assert.rejects(control.read(5_000, "EPSV"), FtpConnectionError);
  } finally {
    await stop();
  }
});

Deno.test("control: a 'data transfer in progress' refusal of the command read for is its reply", async () => {
  const { control, stop } = await loopbackControl("450 EPSV: data transfer in progress\r\n");
  try {
    const reply = await control.read(5_000, "EPSV");
    assert.equal(reply.code, 450);
    assert.equal(control.closed, false);
  } finally {
    await stop();
  }
});

Deno.test("control: destroy() names its caller in the debug trace, and makes no stack when debug is off", async () => {
  const records: LogRecord[] = [];
  const logAt = (level: "info" | "debug") =>
    configureLogging({
      reset: true,
      sinks: { mem: (r) => records.push(r) },
      loggers: [
        { category: ["ferry", "ftp"], lowestLevel: level, sinks: ["mem"] },
        { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
      ],
    });
  const formatted = { count: 0 };
  // V8 calls this for every stack trace made: it counts them.
  const original = Error.prepareStackTrace;
  Error.prepareStackTrace = (error, frames) => {
    formatted.count++;
    return original
      ? original(error, frames)
      : `${error}\n${frames.map((f) => `    at ${f}`).join("\n")}`;
  };
  try {
    await logAt("info");
    const quiet = await loopbackControl();
    quiet.control.destroy();
    assert.equal(formatted.count, 0);
    await quiet.stop();

    await logAt("debug");
    const traced = await loopbackControl();
    const giveUpOnTheSession = () => traced.control.destroy();
    giveUpOnTheSession();
    await traced.stop();
    const closed = records.find((r) => r.rawMessage === "closed: {reason}");
    assert.match(
      String(closed?.properties.reason),
      /^control connection closed, by giveUpOnTheSession/,
    );
  } finally {
    Error.prepareStackTrace = original;
    await resetLogging();
  }
});

/**
 * The TCP state of this process's connection from local `port` to `peerPort` on
 * 127.0.0.1 ("01" established, "04"/"05" FIN-WAIT after our close), from
 * /proc/net/tcp; undefined when not listed (or not Linux).
 */
function tcpState(port: number, peerPort: number): string | undefined {
  let table: string;
  try {
    table = Deno.readTextFileSync("/proc/net/tcp");
  } catch {
    return undefined;
  }
  const hex = (p: number) => `0100007F:${p.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of table.split("\n").slice(1)) {
    const [, local, remote, state] = line.trim().split(/\s+/);
    if (local === hex(port) && remote === hex(peerPort)) return state;
  }
  return undefined;
}

for (const kind of ["Deno.Conn", "node:net"] as const) {
  Deno.test(`control: gone resolves once the socket is released (${kind})`, async () => {
    if (Deno.build.os !== "linux") return; // the check reads /proc/net/tcp
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    const accepted = listener.accept();
    let socket: ConstructorParameters<typeof ControlConnection>[0];
    let local: number;
    if (kind === "Deno.Conn") {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      local = (conn.localAddr as Deno.NetAddr).port;
      socket = new ConnSocket(conn);
    } else {
      const net = await connectSocket("127.0.0.1", port, { timeoutMs: 5_000 });
      local = net.localPort!;
      socket = net;
    }
    const server = await accepted;
    const control = new ControlConnection(socket, {
      encoding: "utf-8",
      timeoutMs: 5_000,
      peer: `127.0.0.1:${port}`,
    });
    try {
      // A reply awaited: a read is in flight when the connection is dropped.
      const reading = control.read().catch(() => undefined);
      assert.equal(tcpState(local, port), "01");
      control.destroy();
      await reading;
      await control.gone;
      // Before: ConnSocket said "close" while Deno still held the socket (a read in
      // flight), and a session made then reached the server before this one's FIN.
      assert.notEqual(tcpState(local, port), "01", "still established after gone");
    } finally {
      server.close();
      listener.close();
    }
  });
}
