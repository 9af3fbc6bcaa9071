import assert from "node:assert/strict";
import { configureLogging, type LogRecord, resetLogging } from "../deps/logtape.ts";
import { logger } from "./log.ts";

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
