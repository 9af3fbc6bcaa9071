/**
 * Protocol behaviour through a raw client: replies of the RFC 959 / 1123 /
 * 2389 / 2428 / 3659 commands, HASH, STOU/APPE/REST, active mode, passive
 * range and masquerade, ABOR and STAT during a transfer, throttling, hooks.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type ServerHooks, UploadVetoError } from "../../server.ts";
import { Ctl, readAll, writeAll } from "./client.ts";
import { dec, enc, get, put, randomBytes, testServer } from "./helpers.ts";

Deno.test("FEAT, HELP, SYST, NOOP, OPTS, TYPE/MODE/STRU, ALLO, STAT before login", async () => {
  await using t = await testServer();
  await using c = await Ctl.connect(t.port);
  const feat = await c.cmd("FEAT");
  assert.equal(feat.code, 211);
  for (const f of ["EPRT", "EPSV", "MDTM", "MFMT", "REST STREAM", "SIZE", "UTF8", "TVFS"]) {
    assert.ok(feat.text.split("\n").includes(` ${f}`), f); // RFC 2389: a space first
  }
  assert.match(feat.text, /^ MLST type\*;size\*;modify\*;perm\*;unix\.mode;$/m);
  assert.match(feat.text, /^ HASH SHA-256\*;SHA-1;MD5;SHA-512$/m);
  assert.doesNotMatch(feat.text, /AUTH TLS/, "no certificate, no AUTH");
  assert.equal((await c.cmd("HELP")).code, 214);
  assert.match((await c.cmd("HELP mfmt")).text, /MFMT <SP> timeval/);
  assert.equal((await c.cmd("SYST")).text, "UNIX Type: L8");
  assert.equal((await c.cmd("NOOP")).code, 200);
  assert.match((await c.cmd("STAT")).text, /Waiting for username/);
  assert.equal((await c.cmd("TYPE I")).code, 530);
  assert.equal((await c.cmd("AUTH TLS")).code, 502);
  await c.login("bob", "pw");
  assert.equal((await c.cmd("OPTS UTF8 ON")).text, "Always in UTF8 mode.");
  assert.equal((await c.cmd("OPTS MLST type;size;")).text, "MLST OPTS type;size;");
  assert.equal((await c.cmd("TYPE L 8")).code, 200);
  assert.equal((await c.cmd("TYPE E")).code, 504);
  assert.equal((await c.cmd("MODE S")).code, 200);
  assert.equal((await c.cmd("MODE B")).code, 504);
  assert.equal((await c.cmd("STRU F")).code, 200);
  assert.equal((await c.cmd("STRU R")).code, 504);
  assert.equal((await c.cmd("ALLO 100")).code, 202);
  assert.equal((await c.cmd("PASS x")).code, 503);
  assert.equal((await c.cmd("XPWD")).text, '"/" is the current directory.');
  assert.equal((await c.cmd("XMKD d")).code, 257);
  assert.equal((await c.cmd("XCWD d")).code, 250);
  assert.equal((await c.cmd("XCUP")).code, 250);
  assert.equal((await c.cmd("XRMD d")).code, 250);
  assert.equal((await c.cmd("MLST pub")).text, 'Listing "/pub":\n type=dir; /pub\nEnd MLST.');
  assert.equal((await c.cmd("QUIT")).code, 221);
});

Deno.test("MDTM/MFMT/SIZE/HASH: GMT times, sizes in binary mode, hashes per OPTS HASH", async () => {
  const data = randomBytes(100_000);
  await using t = await testServer({}, (ep) => put(ep, "f.bin", data));
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  assert.equal((await c.cmd("SIZE f.bin")).code, 550, "ASCII mode");
  await c.cmd("TYPE I");
  assert.equal((await c.cmd("SIZE f.bin")).text, "100000");
  assert.equal((await c.cmd("SIZE pub")).code, 550);
  assert.equal((await c.cmd("MFMT 19991231235959 f.bin")).text, "Modify=19991231235959; /f.bin.");
  assert.equal((await c.cmd("MDTM f.bin")).text, "19991231235959");
  assert.equal((await t.ep.stat("f.bin")).mtime?.toISOString(), "1999-12-31T23:59:59.000Z");
  assert.equal((await c.cmd("MFMT 1999 f.bin")).code, 501);
  const sha = createHash("sha256").update(data).digest("hex");
  assert.equal((await c.cmd("HASH f.bin")).text, `SHA-256 0-100000 ${sha} /f.bin`);
  assert.equal((await c.cmd("OPTS HASH MD5")).text, "MD5");
  const md5 = createHash("md5").update(data).digest("hex");
  assert.equal((await c.cmd("HASH f.bin")).text, `MD5 0-100000 ${md5} /f.bin`);
  assert.equal((await c.cmd("OPTS HASH CRC32")).code, 501);
  assert.match((await c.cmd("FEAT")).text, /HASH SHA-256;SHA-1;MD5\*;SHA-512/);
  assert.equal((await c.cmd("SITE CHMOD 600 f.bin")).code, 200);
  assert.equal((await t.ep.stat("f.bin")).mode, 0o600);
  assert.equal((await c.cmd("SITE CHMOD 9 f.bin")).code, 501);
});

Deno.test("REST, APPE, STOU, ASCII uploads", async () => {
  await using t = await testServer({}, (ep) => put(ep, "a.txt", "0123456789"));
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  assert.equal((await c.cmd("REST 5")).code, 501, "ASCII mode");
  await c.cmd("TYPE I");
  assert.equal((await c.cmd("REST x")).code, 501);
  assert.equal((await c.cmd("REST 5")).code, 350);
  let data = await c.epsv();
  await c.cmd("RETR a.txt");
  assert.equal(dec.decode(await readAll(data)), "56789");
  await c.reply();
  await c.cmd("REST 11");
  await c.epsv();
  assert.equal((await c.cmd("RETR a.txt")).code, 554);
  data = await c.epsv();
  assert.equal((await c.cmd("APPE a.txt")).code, 125);
  await writeAll(data, enc.encode("ab"));
  assert.equal((await c.reply()).code, 226);
  assert.equal(dec.decode(await get(t.ep, "a.txt")), "0123456789ab");
  data = await c.epsv();
  const stou = await c.cmd("STOU");
  assert.match(stou.text, /^FILE: ftp\.[0-9a-f]{8}$/);
  await writeAll(data, enc.encode("unique"));
  await c.reply();
  assert.equal(dec.decode(await get(t.ep, stou.text.slice(6))), "unique");
  await c.cmd("TYPE A");
  data = await c.epsv();
  await c.cmd("STOR lines.txt");
  await writeAll(data, enc.encode("a\r\nb\r\n"));
  await c.reply();
  assert.equal(dec.decode(await get(t.ep, "lines.txt")), "a\nb\n");
});

Deno.test("active mode: PORT and EPRT to the client's own address", async () => {
  await using t = await testServer();
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  for (const kind of ["PORT", "EPRT"]) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    const arg = kind === "PORT" ? `127,0,0,1,${port >> 8},${port & 255}` : `|1|127.0.0.1|${port}|`;
    const accepted = listener.accept();
    assert.equal((await c.cmd(`${kind} ${arg}`)).code, 200);
    const conn = await accepted;
    listener.close();
    assert.equal((await c.cmd("NLST")).code, 125);
    assert.equal(dec.decode(await readAll(conn)), "pub\r\n");
    assert.equal((await c.reply()).code, 226);
  }
});

Deno.test("passive port range, masquerade address and per-interface map, EPSV ALL", async () => {
  await using t = await testServer({
    passivePorts: [40000, 40009],
    masqueradeAddress: "203.0.113.7",
  });
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  const m = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec((await c.cmd("PASV")).text)!;
  assert.equal(m.slice(1, 5).join("."), "203.0.113.7");
  const port = Number(m[5]) * 256 + Number(m[6]);
  assert.ok(port >= 40000 && port <= 40009, String(port));
  const e = /\|\|\|(\d+)\|/.exec((await c.cmd("EPSV")).text)!;
  assert.ok(Number(e[1]) >= 40000 && Number(e[1]) <= 40009);
  assert.equal((await c.cmd("EPSV ALL")).code, 200);
  assert.equal((await c.cmd("PASV")).code, 501);
  await using u = await testServer({ masqueradeAddressMap: { "127.0.0.1": "198.51.100.1" } });
  await using d = await Ctl.connect(u.port);
  await d.login("bob", "pw");
  assert.match((await d.cmd("PASV")).text, /\(198,51,100,1,/);
});

Deno.test("ABOR and STAT while a throttled download runs", async () => {
  await using t = await testServer(
    { readLimit: 50_000 },
    (ep) => put(ep, "big.bin", randomBytes(400_000)),
  );
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  await c.cmd("TYPE I");
  const data = await c.epsv();
  assert.equal((await c.cmd("RETR big.bin")).code, 125);
  const first = await data.read(new Uint8Array(1000));
  assert.ok(first);
  const stat = await c.cmd("STAT");
  assert.match(stat.text, /Data connection open: RETR \/big\.bin, \d+ bytes transferred/);
  await c.raw("ABOR\r\n");
  assert.equal((await c.reply()).code, 426);
  assert.equal((await c.reply()).code, 226);
  await readAll(data).catch(() => {});
  assert.equal((await c.cmd("NOOP")).code, 200);
  assert.equal((await c.cmd("ABOR")).code, 225);
});

Deno.test("throttling: downloads and uploads keep to their limits", async () => {
  const limit = 200_000;
  await using t = await testServer(
    { readLimit: limit, writeLimit: limit },
    (ep) => put(ep, "f.bin", randomBytes(100_000)),
  );
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  await c.cmd("TYPE I");
  let data = await c.epsv();
  let t0 = performance.now();
  await c.cmd("RETR f.bin");
  assert.equal((await readAll(data)).length, 100_000);
  await c.reply();
  const down = (performance.now() - t0) / 1000;
  data = await c.epsv();
  t0 = performance.now();
  await c.cmd("STOR g.bin");
  await writeAll(data, randomBytes(100_000));
  await c.reply();
  const up = (performance.now() - t0) / 1000;
  // 100 kB at 200 kB/s is 0.5 s; allow the first chunk through at once.
  assert.ok(down >= 0.35 && down < 3, `download took ${down}s`);
  assert.ok(up >= 0.35 && up < 3, `upload took ${up}s`);
});

Deno.test("hooks: session events in order, an upload veto, an incomplete download", async () => {
  const events: string[] = [];
  const hooks: ServerHooks = {
    onConnect: () => void events.push("connect"),
    onLogin: (s) => void events.push(`login ${s.username}`),
    onLoginFailed: (s) => void events.push(`login failed ${s.username}`),
    onFileReceived: (ev) => {
      events.push(`received ${ev.path} ${ev.bytes} ${ev.endpointPath}`);
      if (ev.path.endsWith(".exe")) throw new UploadVetoError("no executables");
      if (ev.bytes === 0) return "empty files are not accepted";
    },
    onFileSent: (ev) => void events.push(`sent ${ev.path} ${ev.bytes}`),
    onIncompleteFileSent: (ev) => void events.push(`incomplete sent ${ev.path}`),
    onLogout: (s) => void events.push(`logout ${s.username}`),
    onDisconnect: () => void events.push("disconnect"),
  };
  await using t = await testServer(
    { hooks, readLimit: 100_000 },
    (ep) => put(ep, "big.bin", randomBytes(300_000)),
  );
  const c = await Ctl.connect(t.port);
  await c.login("bob", "nope");
  await c.login("bob", "pw");
  await c.cmd("TYPE I");
  for (const [name, body] of [["ok.txt", "data"], ["bad.exe", "MZ"], ["empty.txt", ""]]) {
    const data = await c.epsv();
    await c.cmd(`STOR ${name}`);
    await writeAll(data, enc.encode(body));
    const r = await c.reply();
    assert.equal(r.code, name === "ok.txt" ? 226 : 550, name);
  }
  await assert.rejects(() => t.ep.stat("bad.exe"));
  await assert.rejects(() => t.ep.stat("empty.txt"));
  let data = await c.epsv();
  await c.cmd("RETR ok.txt");
  await readAll(data);
  await c.reply();
  data = await c.epsv();
  await c.cmd("RETR big.bin");
  await data.read(new Uint8Array(100));
  data.close(); // the client walks away mid-transfer
  assert.equal((await c.reply()).code, 426);
  await c.cmd("QUIT");
  assert.ok(await c.closedByServer());
  c.close();
  await t.srv.close();
  assert.deepEqual(events, [
    "connect",
    "login failed bob",
    "login bob",
    "received /ok.txt 4 ok.txt",
    "received /bad.exe 2 bad.exe",
    "received /empty.txt 0 empty.txt",
    "sent /ok.txt 4",
    "incomplete sent /big.bin",
    "logout bob",
    "disconnect",
  ]);
});

Deno.test("REIN logs out but keeps the connection; USER after login flushes the account", async () => {
  await using t = await testServer({}, (_ep, auth) => {
    auth.addUser("msg", { password: "pw", loginMessage: "Welcome, msg!", quitMessage: "Bye, msg" });
  });
  await using c = await Ctl.connect(t.port);
  assert.equal((await c.login("msg", "pw")).text, "Welcome, msg!");
  assert.equal((await c.cmd("REIN")).code, 230);
  assert.equal((await c.cmd("PWD")).code, 530);
  await c.login("bob", "pw");
  assert.match((await c.cmd("USER msg")).text, /flushed/);
  assert.equal((await c.cmd("PASS pw")).code, 230);
  assert.equal((await c.cmd("QUIT")).text, "Bye, msg");
});

Deno.test("REIN: nothing the previous login set survives (cwd, TYPE, REST, RNFR, EPSV ALL, OPTS MLST/HASH)", async () => {
  await using t = await testServer();
  await using c = await Ctl.connect(t.port);
  await c.login("bob", "pw");
  const defaults = [
    (await c.cmd("STAT")).text.split("\n").find((l) => l.includes("TYPE")),
    (await c.cmd("OPTS HASH")).text,
    (await c.cmd("MLST pub/hello.txt")).text.replace(/modify=\d+;/, ""),
  ];
  for (
    const cmd of [
      "CWD pub",
      "TYPE I",
      "REST 3",
      "OPTS HASH SHA-1",
      "OPTS MLST type;",
      "RNFR hello.txt",
      "EPSV ALL",
    ]
  ) assert.ok((await c.cmd(cmd)).code < 400, cmd);
  assert.equal((await c.cmd("REIN")).code, 230);
  await c.login("bob", "pw");
  assert.match((await c.cmd("PWD")).text, /^"\/"/);
  assert.deepEqual([
    (await c.cmd("STAT")).text.split("\n").find((l) => l.includes("TYPE")),
    (await c.cmd("OPTS HASH")).text,
    (await c.cmd("MLST pub/hello.txt")).text.replace(/modify=\d+;/, ""),
  ], defaults);
  assert.equal((await c.cmd("PASV")).code, 227, "EPSV ALL was forgotten");
});
