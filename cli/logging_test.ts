import assert from "node:assert/strict";
import type { LogRecord } from "../deps/logtape.ts";
import { Secrets } from "../workflow/secrets.ts";
import { setupLogging, textLine } from "./logging.ts";
import { logger } from "../util/log.ts";
import { FerryError } from "../util/errors.ts";
import { exitCodeForError } from "./exit.ts";

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

Deno.test("setupLogging --log-format json: each record is one line, the run's end too", async () => {
  const lines: string[] = [];
  const dispose = await setupLogging({
    verbosity: "normal",
    format: "json",
    secrets: new Secrets(),
    write: (line) => lines.push(line),
  });
  try {
    logger("job").info("copied {path}", { path: "a.txt" });
    logger("run-end").info("done", { ok: true });
  } finally {
    await dispose();
  }
  assert.deepEqual(lines.map((l) => JSON.parse(l).message), ["copied a.txt", "done"]);
});

Deno.test("setupLogging --log-file in a directory that is not there: an input error naming the file (exit 2)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-logfile-" });
  try {
    const file = `${dir}/missing/ferry.ndjson`;
    await assert.rejects(
      setupLogging({ verbosity: "normal", format: "text", secrets: new Secrets(), file }),
      (e: unknown) => {
        assert.ok(e instanceof FerryError);
        assert.equal(e.code, "EINVAL");
        assert.match(e.message, new RegExp(`^cannot open the log file ${file}: `));
        assert.equal(exitCodeForError(e), 2);
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
