import assert from "node:assert/strict";
import type { LogRecord } from "../deps/logtape.ts";
import { Secrets } from "../workflow/secrets.ts";
import { textLine } from "./logging.ts";

const record = (properties: Record<string, unknown>): LogRecord => ({
  category: ["ferry", "ftp", "control"],
  level: "debug",
  message: ["> ", "PASS ****", ""],
  rawMessage: "> {line}",
  timestamp: Date.parse("2026-12-06T05:20:00Z"),
  properties,
});

Deno.test("textLine names the control connection a record is about, so parallel sessions tell apart", () => {
  const secrets = new Secrets();
  assert.equal(
    textLine(record({ conn: 3 }), secrets),
    "05:20:00 DBG ftp·control#3: > PASS ****",
  );
  assert.equal(textLine(record({}), secrets, false), "DBG ftp·control: > PASS ****");
});
