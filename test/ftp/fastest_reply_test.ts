/**
 * FtpClient.fastestReplyMs: the quickest answer to a command on the session,
 * which `ferry get` uses to tell a long link (segments by default) from the
 * same host. A server that answers every command after a delay is at least
 * that far.
 */
import assert from "node:assert/strict";
import { FtpClient } from "../../ftp/client.ts";
import { startScriptedServer } from "../peers/scripted.ts";

const DELAY_MS = 30;

Deno.test("fastestReplyMs: Infinity before a command, at least the server's delay after", async () => {
  const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await using server = await startScriptedServer(async (s) => {
    await s.send("220 scripted\r\n");
    for (const [verb, code] of [["USER", 331], ["PASS", 230], ["FEAT", 211], ["NOOP", 200]]) {
      await s.expect(String(verb));
      await later(DELAY_MS);
      await s.reply(Number(code), "ok");
    }
    await s.expect("QUIT");
    await s.reply(221, "bye");
  });
  const ftp = await FtpClient.connect({ host: "127.0.0.1", port: server.port, timeoutMs: 5_000 });
  try {
    assert.equal(ftp.fastestReplyMs, Infinity);
    await ftp.login("bob", "pw");
    await ftp.noop();
    // Timers may fire a little early; 5 ms of slack still keeps it above get's 5 ms threshold.
    assert.ok(ftp.fastestReplyMs >= DELAY_MS - 5, `${ftp.fastestReplyMs} ms`);
    assert.ok(Number.isFinite(ftp.fastestReplyMs));
  } finally {
    await ftp.quit();
  }
});
