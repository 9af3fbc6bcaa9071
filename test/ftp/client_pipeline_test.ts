/**
 * EPSV pipelining: once EPSV has worked on a session, a download sends EPSV and
 * its command in one write; a refusal then falls back to the usual exchange.
 */
import assert from "node:assert/strict";
import type { FtpClientOptions } from "../../ftp/client.ts";
import {
  scriptedLogin,
  scriptedQuit,
  scriptedSendData,
  type ScriptedServer,
  type ScriptedSession,
  startScriptedServer,
} from "../peers/scripted.ts";
import { connectScripted, quitClean } from "./scripted_client.ts";

/** Login, then the TYPE I every download starts with. */
async function binaryLogin(s: ScriptedSession): Promise<void> {
  await scriptedLogin(s);
  await s.expect("TYPE I");
  await s.reply(200, "binary");
}

/** Serves one RETR on a fresh passive port; the EPSV line was already read. */
async function serveRetr(s: ScriptedSession, body: string, pipelined: boolean): Promise<void> {
  const pasv = await s.openPassive();
  // A pipelining client has sent the RETR already: read it before the 229,
  // which a client waiting for the 229 would never do (the test would hang).
  if (pipelined) await s.expect("RETR a");
  await s.send(pasv.epsvReply() + "\r\n");
  if (!pipelined) await s.expect("RETR a");
  await scriptedSendData(s, pasv, body);
}

/**
 * Login and the first download ("one") the usual way, EPSV answered before
 * RETR is read; then the second download's EPSV, which may come with its RETR.
 */
async function firstDownload(s: ScriptedSession): Promise<void> {
  await binaryLogin(s);
  await s.expect("EPSV");
  await serveRetr(s, "one", false);
  await s.expect("EPSV");
}

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new TextDecoder().decode(new Uint8Array(await new Response(stream).arrayBuffer()));
}

/** The client side of every test here: log in, download "a" twice ("one", then "two"), quit. */
async function downloadTwice(
  server: ScriptedServer,
  options: Partial<FtpClientOptions> = {},
): Promise<void> {
  const ftp = await connectScripted(server, options);
  await ftp.login("u", "p");
  assert.equal(await text(await ftp.retrieve("a")), "one");
  assert.equal(await text(await ftp.retrieve("a")), "two");
  await quitClean(ftp, server);
}

Deno.test("pipeline: after a first EPSV, EPSV and RETR go out together", async () => {
  await using server = await startScriptedServer(async (s) => {
    await firstDownload(s);
    await serveRetr(s, "two", true);
    await scriptedQuit(s);
  });
  await downloadTwice(server);
});

Deno.test("pipeline: a pipelined EPSV refused falls back to PASV on the same session", async () => {
  await using server = await startScriptedServer(async (s) => {
    await firstDownload(s);
    // Pipelined: refuse EPSV; the RETR that follows has no data connection.
    await s.expect("RETR a");
    await s.reply(500, "EPSV off now");
    await s.reply(425, "use PORT or PASV first");
    // The client asks again the usual way: EPSV refused for good, then PASV.
    await s.expect("EPSV");
    await s.reply(502, "no EPSV");
    await s.expect("PASV");
    const pasv = await s.openPassive();
    await s.send(pasv.pasvReply() + "\r\n");
    await s.expect("RETR a");
    await scriptedSendData(s, pasv, "two");
    await scriptedQuit(s);
  });
  await downloadTwice(server);
});

Deno.test("pipeline: off by option, downloads still work", async () => {
  await using server = await startScriptedServer(async (s) => {
    await binaryLogin(s);
    for (const body of ["one", "two"]) {
      await s.expect("EPSV");
      await serveRetr(s, body, false);
    }
    await scriptedQuit(s);
  });
  await downloadTwice(server, { pipeline: false });
});
