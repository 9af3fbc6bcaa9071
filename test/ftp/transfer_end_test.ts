/**
 * The next transfer's EPSV sent with a transfer's command (NextPort) and the
 * end of a transfer on the control connection (TransferEnd): the EPSV goes
 * once, when wanted as the command's write is made; its 229 is read after
 * the final reply and kept before the session is given back, once; a reply
 * that never comes, or a drop, closes the session.
 */
import assert from "node:assert/strict";
import type { ControlConnection } from "../../ftp/control.ts";
import type { Reply } from "../../ftp/reply.ts";
import { TransferEnd } from "../../ftp/transfer_end.ts";
import { NextPort } from "../../ftp/transfer_setup.ts";
import { loopbackControl } from "./loopback_control.ts";

/** A transfer's end on `control`, recording what it kept and when it gave the session back. */
function endOf(control: ControlConnection, nextPort?: NextPort) {
  const kept: Reply[] = [];
  let releases = 0;
  let released!: () => void;
  const free = new Promise<void>((resolve) => released = resolve);
  const end = new TransferEnd({
    control,
    timeoutMs: 5_000,
    command: "LIST -a d",
    nextPort,
    keepPort: (reply) => kept.push(reply),
    release: () => {
      releases++;
      released();
    },
  });
  return { end, kept, free, releases: () => releases };
}

Deno.test("next port: its lines go once, when wanted as the write is made; a refusal's read frees them", () => {
  let wanted = false;
  const next = new NextPort(() => wanted);
  assert.deepEqual(next.lines(), []);
  assert.equal(next.owed, false);
  wanted = true;
  assert.deepEqual(next.lines(), ["EPSV"]);
  assert.deepEqual(next.lines(), [], "already out");
  assert.deepEqual(next.owedLines, ["EPSV"]);
  next.answered();
  assert.equal(next.owed, false);
  assert.deepEqual(next.owedLines, []);
  assert.deepEqual(next.lines(), ["EPSV"], "sent again with the command sent again");
});

Deno.test("transfer end: the next port's 229 is read after the final reply, then the session is given back once", async () => {
  const { control, stop } = await loopbackControl("226 Directory send OK.\r\n229 (|||4242|)\r\n");
  const next = new NextPort(() => true);
  next.lines();
  const { end, kept, free, releases } = endOf(control, next);
  try {
    assert.equal((await end.lastReply()).code, 226);
    end.finish();
    end.finish();
    assert.equal(end.done, true);
    await free;
    assert.deepEqual(kept.map((r) => r.code), [229]);
    assert.equal(releases(), 1);
  } finally {
    await stop();
  }
});

Deno.test("transfer end: with no next port owed the session is given back at once; a first reply read early counts", async () => {
  const { control, stop } = await loopbackControl(
    "150 Ok to send data.\r\n226 Transfer complete.\r\n",
  );
  const { end, kept, releases } = endOf(control, new NextPort(() => false));
  try {
    const first = control.read(5_000, "LIST -a d");
    assert.equal(
      (await end.lastReply(undefined, first)).code,
      226,
      "the final reply after the 150",
    );
    end.finish();
    assert.equal(releases(), 1);
    assert.deepEqual(kept, []);
  } finally {
    await stop();
  }
});

Deno.test("transfer end: a next port's reply that never comes closes the session, which is given back", async () => {
  const { control, stop } = await loopbackControl("226 Directory send OK.\r\n", true);
  const next = new NextPort(() => true);
  next.lines();
  const { end, kept, free } = endOf(control, next);
  assert.equal((await end.lastReply()).code, 226);
  end.finish();
  await free;
  assert.equal(control.closed, true);
  assert.deepEqual(kept, []);
  await stop();
});

Deno.test("transfer end: drop closes the session, gives it back and returns the cause", async () => {
  const { control, stop } = await loopbackControl("");
  const { end, releases } = endOf(control);
  const cause = new Error("data connection cut");
  assert.equal(end.drop(cause), cause);
  assert.equal(control.closed, true);
  assert.equal(releases(), 1);
  await stop();
});
