import assert from "node:assert/strict";
import { configureLogging, type LogRecord, resetLogging } from "../deps/logtape.ts";
import { logger, parseTemplate } from "./log.ts";

Deno.test("logger: properties made by a function are made only for a record that goes somewhere", async () => {
  const records: LogRecord[] = [];
  const log = logger("log-test");
  let made = 0;
  const props = () => ({ n: ++made });
  try {
    await configureLogging({
      reset: true,
      sinks: { mem: (r) => records.push(r) },
      loggers: [{ category: ["ferry", "log-test"], lowestLevel: "info", sinks: ["mem"] }],
    });
    log.debug("dropped {n}", props);
    assert.equal(made, 0);
    log.info("kept {n}", props);
    assert.equal(made, 1);
    assert.deepEqual(records.map((r) => r.properties), [{ n: 1 }]);
  } finally {
    await resetLogging();
  }
});

Deno.test("parseTemplate splits a message as logtape does", async () => {
  const { getLogger } = await import("../deps/logtape.ts");
  const records: LogRecord[] = [];
  const props = { path: "a.txt", n: 2, " sp ": "spaced" };
  const templates = ["plain", "copied {path}", "{n}{path}", "{{literal}} {path} }} {", "{ sp }"];
  try {
    await configureLogging({
      reset: true,
      sinks: { mem: (r) => records.push(r) },
      loggers: [
        { category: ["log-parse"], lowestLevel: "info", sinks: ["mem"] },
        { category: ["logtape", "meta"], lowestLevel: "warning" },
      ],
    });
    for (const t of templates) getLogger(["log-parse"]).info(t, props);
  } finally {
    await resetLogging();
  }
  assert.deepEqual(templates.map((t) => parseTemplate(t, props)), records.map((r) => r.message));
});
