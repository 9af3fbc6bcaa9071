import assert from "node:assert/strict";
import { join } from "node:path";
import { AuthError } from "../errors.ts";
import type { AuthContext } from "../plugin.ts";
import { Secrets } from "../secrets.ts";
import { zodOf } from "../schema.ts";
import type { z } from "../../deps/zod.ts";
import { anonymousAuth, commandAuth, netrcAuth, passwordAuth, promptAuth } from "./methods.ts";

function ctx(
  dir: string,
  env: Record<string, string> = {},
  url = "ftp://bob@ftp.example.org/",
): AuthContext {
  return {
    url: new URL(url),
    env: (n) => env[n],
    interactive: false,
    secrets: new Secrets(),
    baseDir: dir,
  };
}

Deno.test("anonymous", async () => {
  assert.deepEqual(await anonymousAuth.resolve({}, ctx("/")), {
    user: "anonymous",
    password: "anonymous@",
  });
});

Deno.test("password from env, file or value; the secret is registered", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const c = ctx(dir, { PW: "env-secret" });
    assert.deepEqual(await passwordAuth.resolve({ passwordEnv: "PW" }, c), {
      user: "bob",
      password: "env-secret",
    });
    assert.equal(c.secrets.redact("env-secret"), "***");
    await Deno.writeTextFile(join(dir, "pw"), "file-secret\nignored\n");
    assert.equal(
      (await passwordAuth.resolve({ user: "x", passwordFile: "pw" }, c)).password,
      "file-secret",
    );
    await assert.rejects(passwordAuth.resolve({ passwordEnv: "NOPE" }, c), AuthError);
    await assert.rejects(
      passwordAuth.resolve({ passwordEnv: "PW", password: "x" }, c),
      /exactly one/,
    );
    await assert.rejects(
      passwordAuth.resolve({ passwordEnv: "PW" }, ctx(dir, {}, "ftp://h/")),
      /no user/,
    );
    const schema = zodOf<z.ZodObject>(passwordAuth.schema!);
    assert.equal(schema.safeParse({ user: "a" }).success, false);
    assert.equal(schema.safeParse({ user: "a", passwordEnv: "PW" }).success, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("netrc: entry for the host, optional fallback, missing entry", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "n"),
      "machine ftp.example.org login bob password nr-secret\n",
    );
    const c = ctx(dir, { NETRC: join(dir, "n") });
    assert.deepEqual(await netrcAuth.resolve({}, c), {
      user: "bob",
      password: "nr-secret",
      account: undefined,
    });
    assert.equal(c.secrets.redact("nr-secret"), "***");
    const other = ctx(dir, { NETRC: join(dir, "n") }, "ftp://other.org/");
    await assert.rejects(netrcAuth.resolve({}, other), /no entry for other\.org/);
    assert.deepEqual(await netrcAuth.resolve({ optional: true }, other), {});
    assert.deepEqual(
      await netrcAuth.resolve({ optional: true }, ctx(dir, { NETRC: join(dir, "none") })),
      {
        user: "bob",
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("command: first output line; failures do not show the output", async () => {
  const c = ctx("/");
  assert.equal(
    (await commandAuth.resolve({ command: "echo cmd-secret; echo more" }, c)).password,
    "cmd-secret",
  );
  assert.equal(
    (await commandAuth.resolve({ command: ["printf", "argv-secret"] }, c)).password,
    "argv-secret",
  );
  assert.equal(c.secrets.redact("cmd-secret argv-secret"), "*** ***");
  const err = await commandAuth.resolve({ command: "echo leaked; exit 3" }, c).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(err instanceof AuthError);
  assert.match(err.message, /exited with 3/);
  assert.ok(!err.message.includes("leaked"));
  await assert.rejects(commandAuth.resolve({ command: "true" }, c), /printed nothing/);
});

Deno.test("prompt refuses without a terminal", async () => {
  await assert.rejects(promptAuth.resolve({}, ctx("/")), /no terminal/);
});
