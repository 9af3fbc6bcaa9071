/**
 * The server's YAML takes durations as every ferry config does: a number of
 * seconds, or a string with its unit (`500ms`, `30s`, `5m`); FtpServerOptions
 * gets milliseconds.
 */
import assert from "node:assert/strict";
import { MemoryEndpoint } from "../../plugin.ts";
import { buildServerOptions, validateConfig } from "./config.ts";
import { parseServeArgs } from "./cli.ts";

Deno.test("server config: durations in seconds or with a unit, the same rule as workflows", async () => {
  const config = validateConfig(
    { idleTimeout: 300, dataTimeout: "5m", dataConnectTimeout: "1.5s", authFailedDelay: "500ms" },
    "s.yaml",
  );
  const { options } = await buildServerOptions(config, {
    open: () => Promise.resolve(new MemoryEndpoint()),
    warn: () => {},
  });
  assert.equal(options.idleTimeoutMs, 300_000);
  assert.equal(options.dataTimeoutMs, 300_000);
  assert.equal(options.dataConnectTimeoutMs, 1_500);
  assert.equal(options.authFailedDelayMs, 500);
  assert.throws(
    () => validateConfig({ idleTimeout: "soon" }, "s.yaml"),
    /s\.yaml: idleTimeout: expected seconds or a duration such as 500ms, 30s, 5m/,
  );
  assert.throws(() => validateConfig({ dataTimeout: -1 }, "s.yaml"), /dataTimeout: expected/);
});

Deno.test("serve --timeout: seconds or a duration, a bad one names the flag", () => {
  assert.equal(parseServeArgs(["--timeout", "90", "."]).config.idleTimeout, 90);
  assert.equal(parseServeArgs(["--timeout", "2m", "."]).config.idleTimeout, "2m");
  assert.throws(() => parseServeArgs(["--timeout", "soon", "."]), /--timeout: expected/);
});
