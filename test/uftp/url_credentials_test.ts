/** uftp:// URLs (PyUNICORE's form and test cases) and credential resolution. */
import assert from "node:assert/strict";
import {
  authorizationHeader,
  parseUftpUrl,
  resolveCredential,
  resolveTokenSpec,
  serverPath,
  UftpConfigError,
} from "../../plugins/uftp/mod.ts";

Deno.test("url: PyUNICORE's form, with a gateway prefix, credentials and parameters", () => {
  const u = parseUftpUrl("uftp://localhost:9000/rest/auth/TEST:/data-dir");
  assert.equal(u.authUrl, "https://localhost:9000/rest/auth/TEST");
  assert.equal(u.infoUrl, "https://localhost:9000/rest/auth");
  assert.equal(u.serverName, "TEST");
  assert.equal(u.baseDir, "/data-dir");
  const g = parseUftpUrl(
    "uftp://demo%40x:p%3Aw@host:8080/SITE/rest/auth/MULTI-2:/opt/shared data?identity=id_ed25519&token=@@TOK",
  );
  assert.equal(g.authUrl, "https://host:8080/SITE/rest/auth/MULTI-2");
  assert.equal(g.serverName, "MULTI-2");
  assert.equal(g.baseDir, "/opt/shared data");
  assert.equal(g.user, "demo@x");
  assert.equal(g.password, "p:w");
  assert.equal(g.identity, "id_ed25519");
  assert.equal(g.token, "@@TOK");
  assert.doesNotMatch(g.display, /p%3Aw|p:w/);
});

Deno.test("url: missing parts are named", () => {
  assert.throws(() => parseUftpUrl("uftp://h:9000/rest/auth/TEST"), /no base directory/);
  assert.throws(() => parseUftpUrl("uftp://h:9000/data"), /rest\/auth\/NAME/);
  assert.throws(() => parseUftpUrl("uftp://h/rest/core/storages/X:/d"), /rest\/auth\/NAME/);
  assert.throws(() => parseUftpUrl("ftp://h/rest/auth/X:/d"), UftpConfigError);
});

Deno.test("url: serverPath gets one trailing slash, empty stays empty", () => {
  assert.equal(serverPath("/data"), "/data/");
  assert.equal(serverPath("/data/"), "/data/");
  assert.equal(serverPath(""), "");
});

const io = (files: Record<string, string> = {}, env: Record<string, string> = {}) => ({
  readTextFile: (p: string) =>
    p in files ? Promise.resolve(files[p]) : Promise.reject(new Deno.errors.NotFound(p)),
  env: (n: string) => env[n],
  home: "/home/u",
  baseDir: "/flows",
});

Deno.test("credentials: tokens given, @file and @@ENV, as PyUNICORE reads them", async () => {
  const x = io({ "/flows/token.txt": " tok-from-file\n" }, { MY_VAR: "tok-from-env" });
  assert.equal(await resolveTokenSpec("abc", x), "abc");
  assert.equal(await resolveTokenSpec("@token.txt", x), "tok-from-file");
  assert.equal(await resolveTokenSpec("@@MY_VAR", x), "tok-from-env");
  await assert.rejects(resolveTokenSpec("@@NOPE", x), /NOPE is not set/);
  await assert.rejects(resolveTokenSpec("@missing.txt", x), /cannot read the token file/);
});

Deno.test("credentials: precedence token > identity > password > anonymous", async () => {
  const x = io({}, { T: "t0k" });
  const token = await resolveCredential({ user: "u", password: "p", token: "@@T" }, x);
  assert.deepEqual(token, { kind: "token", token: "t0k" });
  assert.equal(authorizationHeader(token), "Bearer t0k");
  const pw = await resolveCredential({ user: "demouser", password: "test123" }, x);
  assert.equal(authorizationHeader(pw), `Basic ${btoa("demouser:test123")}`);
  assert.deepEqual(await resolveCredential({}, x), { kind: "anonymous" });
  assert.deepEqual(await resolveCredential({ user: "anonymous" }, x), { kind: "anonymous" });
  assert.equal(authorizationHeader({ kind: "anonymous" }), undefined);
  await assert.rejects(resolveCredential({ identity: "k" }, x), /needs a user name/);
  await assert.rejects(
    resolveCredential({ user: "u", identity: "k" }, x),
    /cannot read the identity file \/home\/u\/.uftp\/k/,
  );
});
