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

/** Lines a text setup writes for one record of each category and level below. */
async function textLines(
  verbosity: "quiet" | "normal" | "verbose" | "debug",
  quiet: string[][] = [],
  file?: string,
): Promise<string[]> {
  const lines: string[] = [];
  const dispose = await setupLogging({
    verbosity,
    format: "text",
    secrets: new Secrets(),
    write: (line) => lines.push(line.replace(/^\d\d:\d\d:\d\d /, "")),
    quiet,
    file,
  });
  try {
    for (const category of [["job"], ["ftp", "control"], ["demo", "server"], ["run-end"]]) {
      const log = logger(...category);
      log.debug("d {n}", { n: 1 });
      log.info("i {n}", { n: 2 });
      log.warn("w {n}", { n: 3 });
      log.error("e {n}", { n: 4 });
    }
  } finally {
    await dispose();
  }
  return lines;
}

Deno.test("setupLogging text: levels per verbosity as the logtape setup had them, without logtape", async () => {
  assert.deepEqual(await textLines("quiet"), [
    "ERR job: e 4",
    "ERR ftp·control: e 4",
    "ERR demo·server: e 4",
  ]);
  assert.deepEqual(await textLines("normal", [["ferry", "demo"]]), [
    "INF job: i 2",
    "WRN job: w 3",
    "ERR job: e 4",
    "INF ftp·control: i 2",
    "WRN ftp·control: w 3",
    "ERR ftp·control: e 4",
    "WRN demo·server: w 3",
    "ERR demo·server: e 4",
  ]);
  // -v: debug lines, but the wire trace only with --debug; quiet categories speak.
  const verbose = await textLines("verbose", [["ferry", "demo"]]);
  assert.ok(verbose.includes("DBG job: d 1") && verbose.includes("DBG demo·server: d 1"));
  assert.ok(!verbose.includes("DBG ftp·control: d 1"));
  assert.ok((await textLines("debug")).includes("DBG ftp·control: d 1"));
  // The run's end goes to JSON logs and files only.
  assert.ok(!(await textLines("debug")).some((l) => l.includes("run-end")));
  // The same lines as logtape's console sink (a log file keeps logtape on).
  const file = await Deno.makeTempFile();
  try {
    for (const verbosity of ["quiet", "normal", "verbose", "debug"] as const) {
      assert.deepEqual(
        await textLines(verbosity, [["ferry", "demo"]]),
        await textLines(verbosity, [["ferry", "demo"]], file),
        verbosity,
      );
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("setupLogging text: once disposed, records go nowhere again", async () => {
  const lines: string[] = [];
  const dispose = await setupLogging({
    verbosity: "normal",
    format: "text",
    secrets: new Secrets(),
    write: (line) => lines.push(line),
  });
  await dispose();
  logger("job").error("after {n}", { n: 1 });
  assert.deepEqual(lines, []);
});
