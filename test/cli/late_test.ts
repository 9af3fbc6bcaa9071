/**
 * cli/late.ts: late imports wait for a pause while one is set
 * (`pauseLateImports`, used by cli/head_start.ts so that a side's login is
 * written before the rest of the CLI has loaded), and import at once after.
 */
import assert from "node:assert/strict";
import { late, pauseLateImports } from "../../cli/late.ts";
import { startFtpSideHead } from "../../cli/head_start.ts";
import { takeAhead } from "../../ftp/head_sessions.ts";

const VERSION = "../../cli/version.ts";

Deno.test("pauseLateImports: each late import waits for what the pause returns, until resumed", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  let asked = 0;
  const resume = pauseLateImports(() => {
    asked++;
    return gate;
  });
  try {
    let loaded = false;
    const loading = late<typeof import("../../cli/version.ts")>(import.meta.url, VERSION)
      .then((m) => {
        loaded = true;
        return m;
      });
    assert.equal(asked, 1);
    // A turn of the event loop later it still waits for the gate.
    await import("../../cli/quick.ts");
    assert.equal(loaded, false);
    release();
    assert.equal(typeof (await loading).VERSION, "string");
  } finally {
    resume();
  }
  // Resumed: no more asking.
  await late(import.meta.url, VERSION);
  assert.equal(asked, 1);
});

Deno.test("pauseLateImports: a pause that returns nothing imports at once; an old resume leaves a newer pause", async () => {
  let asked = 0;
  const resumeOld = pauseLateImports(() => undefined);
  const resumeNew = pauseLateImports(() => {
    asked++;
    return undefined;
  });
  try {
    resumeOld(); // replaced already: the newer pause stays
    await late(import.meta.url, VERSION);
    assert.equal(asked, 1);
  } finally {
    resumeNew();
  }
  await late(import.meta.url, VERSION);
  assert.equal(asked, 1);
});

Deno.test("startFtpSideHead: late imports go on while a server stays silent (the pause is capped), and after", async () => {
  // A server that takes the connection and never sends its welcome.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) accepted.push(conn);
  })();
  const { port } = listener.addr as Deno.NetAddr;
  const head = startFtpSideHead({
    url: `ftp://127.0.0.1:${port}/pub`,
    user: "bob",
    password: "pw",
  });
  try {
    for (let i = 0; i < 3; i++) await late(import.meta.url, VERSION);
  } finally {
    // The server hangs up: the head start gives up (no welcome), nothing written.
    listener.close();
    await accepting.catch(() => {});
    for (const conn of accepted) conn.close();
    await head.dispose();
  }
  assert.equal(
    await takeAhead({ host: "127.0.0.1", port, user: "bob", password: "pw" }),
    undefined,
  );
});
