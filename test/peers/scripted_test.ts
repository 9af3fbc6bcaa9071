import assert from "node:assert/strict";
import { RawFtp } from "./rawftp.ts";
import { startScriptedServer } from "./scripted.ts";

Deno.test("scripted: round-trips commands, bare-LF replies and multi-line replies", async () => {
  await using server = await startScriptedServer(async (s) => {
    await s.send("220 hello\n"); // bare LF on purpose
    assert.equal(await s.readCommand(), "USER bob");
    await s.send("230-first\r\n line two\r\n230 done\r\n");
    await s.expect("QUIT");
    await s.reply(221, "bye");
    assert.equal(await s.readCommand(), null); // the client hung up
  });
  const ftp = await RawFtp.connect(server.host, server.port);
  assert.deepEqual(await ftp.readReply(), { code: 220, text: "hello" });
  assert.deepEqual(await ftp.command("USER bob"), { code: 230, text: "first\n line two\ndone" });
  assert.equal((await ftp.command("QUIT")).code, 221);
  ftp.close();
  await server.close();
  assert.deepEqual(server.errors, []);
  assert.equal(server.sessions(), 1);
});

Deno.test("scripted: serves a passive data connection and reads an upload", async () => {
  const body = new TextEncoder().encode("payload ".repeat(10_000));
  await using server = await startScriptedServer(async (s) => {
    await s.reply(220, "ready");
    await s.expect("EPSV");
    const pasv = await s.openPassive();
    await s.send(pasv.epsvReply() + "\r\n");
    await s.expect("STOR x");
    const data = await pasv.accept();
    await s.reply(150, "go");
    assert.deepEqual(await data.readAll(), body);
    await data.close();
    await s.reply(226, "stored");
  });
  await using ftp = await RawFtp.connect(server.host, server.port);
  await ftp.readReply();
  const epsv = await ftp.command("EPSV");
  const port = Number(epsv.text.match(/\|\|\|(\d+)\|/)![1]);
  await ftp.send("STOR x");
  const data = await Deno.connect({ hostname: server.host, port });
  assert.equal((await ftp.readReply()).code, 150);
  for (let off = 0; off < body.length;) off += await data.write(body.subarray(off));
  data.close();
  assert.equal((await ftp.readReply()).code, 226);
  ftp.close();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("scripted: destroy() resets a download mid-transfer", async () => {
  await using server = await startScriptedServer(async (s) => {
    await s.reply(220, "ready");
    await s.expect("PASV");
    const pasv = await s.openPassive();
    await s.send(pasv.pasvReply() + "\r\n");
    await s.expect("RETR");
    const data = await pasv.accept();
    await s.reply(150, "go");
    await data.write("partial");
    data.destroy();
    await s.reply(426, "aborted");
  });
  await using ftp = await RawFtp.connect(server.host, server.port);
  await ftp.readReply();
  const [p1, p2] = (await ftp.command("PASV")).text.match(/(\d+),(\d+)\)/)!.slice(1).map(Number);
  await ftp.send("RETR f");
  const data = await Deno.connect({ hostname: server.host, port: p1 * 256 + p2 });
  try {
    assert.equal((await ftp.readReply()).code, 150);
    const got: number[] = [];
    const error = await (async () => {
      const buf = new Uint8Array(1024);
      for (;;) {
        const n = await data.read(buf);
        if (n === null) return undefined;
        got.push(...buf.subarray(0, n));
      }
    })().catch((e) => e);
    assert.ok(error instanceof Deno.errors.ConnectionReset, `expected a reset, got ${error}`);
    assert.equal((await ftp.readReply()).code, 426);
  } finally {
    data.close();
  }
  ftp.close();
  await server.close();
  assert.deepEqual(server.errors, []);
});

Deno.test("scripted: a throwing handler is recorded and its client is cut off", async () => {
  await using server = await startScriptedServer(async (s) => {
    await s.reply(220, "ready");
    await s.expect("FEAT"); // the client sends NOOP: this throws
  });
  await using ftp = await RawFtp.connect(server.host, server.port);
  await ftp.readReply();
  await ftp.send("NOOP");
  await assert.rejects(ftp.readReply());
  await server.close();
  assert.equal(server.errors.length, 1);
  assert.match(String(server.errors[0]), /expected FEAT, got "NOOP"/);
});

Deno.test("scripted: close() ends sessions whose client never hangs up", async () => {
  const server = await startScriptedServer(async (s) => {
    await s.reply(220, "ready");
    await s.readCommand(); // waits forever: the client sends nothing
  });
  const ftp = await RawFtp.connect(server.host, server.port);
  await ftp.readReply();
  await server.close();
  await assert.rejects(ftp.readReply());
  ftp.close();
});
