/**
 * Pure parts of the server: paths, permissions, listing formats, ASCII
 * conversion, PORT/EPRT parsing, password hashes, credentials and config.
 */
import assert from "node:assert/strict";
import { fromNetworkAscii, toNetworkAscii } from "../../plugins/server/ascii.ts";
import { parseServeArgs } from "../../plugins/server/cli.ts";
import { parseRange, validateConfig } from "../../plugins/server/config.ts";
import { parseCredentials } from "../../plugins/server/credentials.ts";
import { parseEprt, parsePort, plainIp } from "../../plugins/server/data.ts";
import {
  formatFacts,
  formatFtpTime,
  formatListLine,
  parseFtpTime,
} from "../../plugins/server/listing.ts";
import { ftpNormalize, isInside, quotePath } from "../../plugins/server/paths.ts";
import { hasPerm } from "../../plugins/server/permissions.ts";
import { stripListOptions } from "../../plugins/server/session.ts";
import { hashPassword, md5Password, verifyPassword, VirtualAuthorizer } from "../../server.ts";
import { dec, enc } from "./helpers.ts";

Deno.test("ftpNormalize: .. and absolute paths never climb above the home", () => {
  assert.equal(ftpNormalize("/", ".."), "/");
  assert.equal(ftpNormalize("/a/b", "../../../etc/passwd"), "/etc/passwd");
  assert.equal(ftpNormalize("/a", "/x/./y//z/"), "/x/y/z");
  assert.equal(ftpNormalize("/a", "b/../c"), "/a/c");
  assert.throws(() => ftpNormalize("/", "a\0b"), /NUL/);
  assert.equal(quotePath('/a"b'), '"/a""b"');
  assert.ok(isInside("/a/b", "/a") && !isInside("/ab", "/a") && isInside("/x", "/"));
  assert.equal(stripListOptions("-la /pub"), "/pub");
  assert.equal(stripListOptions("-a"), "");
  assert.equal(stripListOptions("-file"), "");
  assert.equal(stripListOptions("dir -la"), "dir -la");
});

Deno.test("hasPerm: base letters, recursive and non-recursive overrides, most specific wins", () => {
  const o = [
    { directory: "/in", perm: "elrw", recursive: false },
    { directory: "/ro", perm: "elr", recursive: true },
    { directory: "/ro/rw", perm: "elradfmw", recursive: true },
  ];
  assert.ok(!hasPerm("elr", o, "w", "/a.txt"));
  assert.ok(hasPerm("elr", o, "w", "/in/a.txt"));
  assert.ok(!hasPerm("elr", o, "w", "/in/sub/a.txt"));
  assert.ok(!hasPerm("elr", o, "w", "/in/sub", true));
  assert.ok(!hasPerm("elradfmwMT", o, "d", "/ro/x/y"));
  assert.ok(hasPerm("elr", o, "d", "/ro/rw/x"));
  assert.ok(hasPerm("elradfmwMT", o, "d", "/rox"));
});

Deno.test("listing: ls -l lines in GMT, MLSx facts, RFC 3659 times", () => {
  const now = new Date(Date.UTC(2024, 5, 1));
  const recent = {
    name: "a",
    stat: {
      name: "a",
      type: "file" as const,
      size: 12,
      precision: 1000,
      mtime: new Date(Date.UTC(2024, 4, 3, 4, 5)),
      mode: 0o640,
    },
  };
  assert.equal(
    formatListLine(recent, now),
    "-rw-r-----   1 ftp      ftp            12 May 03 04:05 a",
  );
  const old = {
    name: "d",
    stat: {
      name: "d",
      type: "dir" as const,
      size: 0,
      precision: 1000,
      mtime: new Date(Date.UTC(2020, 0, 2)),
    },
  };
  assert.match(formatListLine(old, now), /^drwxr-xr-x .* Jan 02 {2}2020 d$/);
  const link = { ...recent, link: { target: "/etc/passwd", inside: false } };
  assert.match(formatListLine(link, now), /^lrw-r----- .* a -> \/etc\/passwd$/);
  const ctx = { perm: "elr", path: "/a" };
  assert.equal(
    formatFacts(recent, ["type", "size", "modify", "perm", "unix.mode"], ctx),
    "type=file;size=12;modify=20240503040500;perm=r;unix.mode=0640;",
  );
  assert.equal(
    formatFacts(old, ["type", "size", "perm"], { perm: "elradfmw", path: "/d" }),
    "type=dir;perm=elcmdpf;",
  );
  assert.equal(formatFtpTime(new Date(Date.UTC(2001, 1, 3, 4, 5, 6))), "20010203040506");
  assert.equal(parseFtpTime("20010203040506.5")?.toISOString(), "2001-02-03T04:05:06.500Z");
  assert.equal(parseFtpTime("20010230000000"), undefined);
  assert.equal(parseFtpTime("2001"), undefined);
});

Deno.test("ASCII mode: LF -> CRLF out, CRLF -> LF in, across chunk boundaries", () => {
  const out = toNetworkAscii();
  assert.equal(
    dec.decode(out(enc.encode("a\nb\r"))) + dec.decode(out(enc.encode("\nc\n"))),
    "a\r\nb\r\nc\r\n",
  );
  const inp = fromNetworkAscii();
  const parts = [
    inp(enc.encode("a\r\nb\r")),
    inp(enc.encode("\nc\rd\r")),
    inp(new Uint8Array(0), true),
  ];
  assert.equal(parts.map((p) => dec.decode(p)).join(""), "a\nb\nc\rd\r");
});

Deno.test("PORT/EPRT parsing", () => {
  assert.deepEqual(parsePort("127,0,0,1,4,1"), { host: "127.0.0.1", port: 1025 });
  assert.equal(parsePort("127,0,0,1,4"), undefined);
  assert.equal(parsePort("256,0,0,1,4,1"), undefined);
  assert.deepEqual(parseEprt("|1|10.0.0.1|2000|"), { family: 1, host: "10.0.0.1", port: 2000 });
  assert.deepEqual(parseEprt("!2!::1!21!"), { family: 2, host: "::1", port: 21 });
  assert.equal(parseEprt("|1|10.0.0.1|0|"), undefined);
  assert.equal(plainIp("::ffff:127.0.0.1"), "127.0.0.1");
});

Deno.test("passwords: scrypt round trip, FsTPy MD5, wrong passwords fail", async () => {
  const stored = await hashPassword("s3cret", { ln: 10, r: 8, p: 1 });
  assert.match(stored, /^\$scrypt\$ln=10,r=8,p=1\$/);
  assert.ok(await verifyPassword(stored, "s3cret"));
  assert.ok(!(await verifyPassword(stored, "s3cret ")));
  assert.equal(md5Password("12345"), "827ccb0eea8a706c4c34a16891f84e7b");
  assert.ok(await verifyPassword("827ccb0eea8a706c4c34a16891f84e7b", "12345"));
  await assert.rejects(() => verifyPassword("plaintext", "plaintext"), /unknown password hash/);
});

Deno.test("VirtualAuthorizer: users, anonymous, overrides, unknown users", async () => {
  const auth = new VirtualAuthorizer()
    .addUser("bob", { passwordHash: md5Password("pw"), home: "/users/bob/", perm: "elrw" })
    .addAnonymous({ home: "pub" })
    .overridePerm("bob", "incoming", "elradfmw", true);
  const ctx = { remoteAddress: "127.0.0.1", secure: false };
  const bob = await auth.authenticate("bob", "pw", ctx);
  assert.equal(bob?.home, "users/bob");
  assert.deepEqual(bob?.overrides, [{ directory: "/incoming", perm: "elradfmw", recursive: true }]);
  assert.equal(await auth.authenticate("bob", "nope", ctx), undefined);
  assert.equal(await auth.authenticate("nobody", "pw", ctx), undefined);
  assert.equal((await auth.authenticate("ftp", "a@b", ctx))?.anonymous, true);
  assert.throws(() => auth.addUser("bob", { password: "x" }), /already exists/);
  assert.throws(() => auth.addUser("x", { password: "x", perm: "elrz" }), /unknown permission/);
  assert.throws(() => auth.overridePerm("bob", "/", "elr"), /home directory/);
});

Deno.test("credentials file: FsTPy lines, comments, errors name the line", () => {
  const text = [
    "# users",
    "user1;827ccb0eea8a706c4c34a16891f84e7b;/;elradfmwMT;Welcome, user1!;Bye, bye user1",
    "",
    "user2;$scrypt$ln=10,r=8,p=1$AAAA$BBBB;/pub",
  ].join("\n");
  const [u1, u2] = parseCredentials(text, "c.txt");
  assert.deepEqual(
    { ...u1 },
    {
      username: "user1",
      passwordHash: "827ccb0eea8a706c4c34a16891f84e7b",
      root: "/",
      perm: "elradfmwMT",
      loginMessage: "Welcome, user1!",
      quitMessage: "Bye, bye user1",
      line: 2,
    },
  );
  assert.equal(u2.perm, "elr");
  assert.throws(() => parseCredentials("bob;secret;/"), /credentials:1: the password field/);
  assert.throws(
    () => parseCredentials("a;827ccb0eea8a706c4c34a16891f84e7b;/;elrX", "f"),
    /f:1: unknown permission/,
  );
  assert.throws(() => parseCredentials("x\n\nbob", "f"), /f:1: expected/);
});

Deno.test("serve arguments and config validation", () => {
  const a = parseServeArgs(["-p", "0", "-w", "-r", "60000-60010", "--max-cons", "5", "/srv"]);
  assert.deepEqual(a.config, {
    root: "/srv",
    port: 0,
    passivePorts: [60000, 60010],
    maxConnections: 5,
  });
  assert.equal(a.write, true);
  assert.throws(() => parseServeArgs(["-u", "bob"]), /go together/);
  assert.throws(() => parseServeArgs(["--implicit-tls"]), /need --tls-cert/);
  assert.throws(() => parseServeArgs(["--bogus"]), /Unknown option/);
  assert.deepEqual(parseRange([1, 2]), [1, 2]);
  assert.throws(() => parseRange("9-1"), /FROM-TO/);
  assert.deepEqual(validateConfig({ port: 21, anonymous: { perm: "elr" } }, "s.yaml"), {
    port: 21,
    anonymous: { perm: "elr" },
  });
  assert.throws(() => validateConfig({ prot: 21 }, "s.yaml"), /s.yaml: unknown key "prot"/);
  assert.throws(
    () => validateConfig({ users: [{ name: "x" }] }, "s.yaml"),
    /users\[0\]: passwordHash is required/,
  );
  assert.throws(() => validateConfig({ tls: { cert: "c" } }, "s.yaml"), /tls: expected/);
});
