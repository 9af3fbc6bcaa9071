import assert from "node:assert/strict";
import { encodedReply, LineQueue } from "./control_lines.ts";

Deno.test("LineQueue: first in first out, across runs empty and a queue never empty", () => {
  const q = new LineQueue();
  q.push("USER a");
  q.push("PASS b");
  assert.equal(q.length, 2);
  assert.equal(q.shift(), "USER a");
  assert.equal(q.shift(), "PASS b");
  assert.equal(q.length, 0);
  // A client that always keeps lines waiting: order holds past the compaction.
  const seen: string[] = [];
  let next = 0;
  for (let i = 0; i < 3; i++) q.push(`L${next++}`);
  for (let i = 0; i < 1000; i++) {
    seen.push(q.shift());
    q.push(`L${next++}`);
  }
  while (q.length) seen.push(q.shift());
  assert.deepEqual(seen, Array.from({ length: next }, (_, i) => `L${i}`));
  q.push("x");
  q.clear();
  assert.equal(q.length, 0);
});

Deno.test("encodedReply: one line per code and text, multi-line replies, passive replies never kept", () => {
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  assert.equal(text(encodedReply(200, "ok")), "200 ok\r\n");
  // The same text under another code is another line (the cache is keyed by both).
  assert.equal(text(encodedReply(250, "ok")), "250 ok\r\n");
  assert.equal(encodedReply(200, "ok"), encodedReply(200, "ok"));
  assert.equal(
    text(encodedReply(211, "Features:\n MDTM\nEnd")),
    "211-Features:\r\n  MDTM\r\n211 End\r\n",
  );
  assert.notEqual(encodedReply(229, "Entering (|||1|)."), encodedReply(229, "Entering (|||1|)."));
  // Past the cache's bound: answers stay right.
  for (let i = 0; i < 200; i++) assert.equal(text(encodedReply(213, String(i))), `213 ${i}\r\n`);
  assert.equal(text(encodedReply(250, "ok")), "250 ok\r\n");
});
