/**
 * FtpHost.connect's far check: PWD is the main session's first timed round
 * trip, and a reply read while the process is busy looks far. A first time
 * between FAR_REPLY_MS and RECHECK_FAR_BELOW_MS is checked with a NOOP (on the
 * old code none was sent: a no-change mirror at 0 ms then opened every
 * session); a server that is clearly far gets none. The scripted server
 * answers every command after a delay, NOOP as well.
 */
import assert from "node:assert/strict";
import { FtpHost } from "../../host.ts";
import { startScriptedServer } from "../peers/scripted.ts";

/** A server that answers each command `delayMs` late; the commands it was sent. */
async function slowServer(delayMs: number) {
  const seen: string[] = [];
  const later = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const server = await startScriptedServer(async (s) => {
    await s.send("220 scripted\r\n");
    for (;;) {
      const line = await s.readCommand();
      if (line === null) return;
      const verb = line.split(" ")[0].toUpperCase();
      seen.push(verb);
      await later(delayMs);
      if (verb === "QUIT") return await s.reply(221, "bye");
      if (verb === "USER") await s.reply(331, "password");
      else if (verb === "PASS") await s.reply(230, "in");
      else if (verb === "FEAT") await s.send("211-Features:\r\n UTF8\r\n211 End\r\n");
      else if (verb === "PWD") await s.reply(257, '"/" is the current directory');
      else await s.reply(200, "ok");
    }
  });
  return { server, seen };
}

/** Connects a host to a server `delayMs` late; the commands it was sent and the quickest reply. */
async function connectTo(
  delayMs: number,
  options: { maxChildren?: number; lendMain?: boolean } = {},
): Promise<{ seen: string[]; fastest: number }> {
  const { server, seen } = await slowServer(delayMs);
  try {
    const host = await FtpHost.connect({
      host: "127.0.0.1",
      port: server.port,
      user: "u",
      password: "p",
      ...options,
    });
    const fastest = await host.fastestReplyMs();
    await host.close();
    return { seen, fastest };
  } finally {
    await server[Symbol.asyncDispose]();
  }
}

Deno.test("FtpHost.connect: a first reply that says a little far is checked with NOOP", async () => {
  const { seen } = await connectTo(15);
  assert.ok(seen.slice(seen.indexOf("PWD") + 1).includes("NOOP"), seen.join(" "));
});

Deno.test("FtpHost.connect: a clearly far server is not checked again", async () => {
  const { seen, fastest } = await connectTo(40);
  assert.ok(fastest >= 30, `${fastest} ms`);
  assert.ok(!seen.includes("NOOP"), seen.join(" "));
});

Deno.test("FtpHost.connect: a host of one session (no child to open) is not checked", async () => {
  const { seen } = await connectTo(15, { maxChildren: 0, lendMain: true });
  assert.ok(seen.includes("PWD") && !seen.includes("NOOP"), seen.join(" "));
});
