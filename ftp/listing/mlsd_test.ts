import assert from "node:assert/strict";
import { type Expected, summarize } from "./_testing.ts";
import { ListingParseError } from "./errors.ts";
import { looksLikeMlsd, mlsdParser, parseMlsdLine, parseMlsdTime, parseMlstReply } from "./mlsd.ts";
import { Precision } from "./types.ts";

const S = Precision.seconds;
const MS = Precision.milliseconds;

function check(rows: [string, Expected][], timeShift = 0): void {
  for (const [line, expected] of rows) {
    assert.deepEqual(summarize(parseMlsdLine(line, { timeShift }), expected), expected, line);
  }
}

// Captured on this machine from pyftpdlib 1.5.7's AbstractedFS.format_mlsx
// (use_gmt_times=True) on 2026-11-21; note its Python-style "unix.mode=0o644"
// and that it follows symlinks ("link" is reported as a file).
Deno.test("mlsd: real pyftpdlib 1.5.7 lines", () =>
  check([
    [
      "create=20261121050832;modify=20261121050832;perm=radfwMT;size=2;type=file;unique=fe00g20c104;unix.gid=0;unix.mode=0o644;unix.uid=0;   leading.txt\r\n",
      {
        name: "  leading.txt",
        type: "file",
        size: 2,
        mtime: "2026-11-21T05:08:32.000Z",
        precision: S,
        mode: 0o644,
        owner: "0",
        group: "0",
        perm: "radfwMT",
        unique: "fe00g20c104",
      },
    ],
    [
      "create=20261121050832;modify=20240229120000;perm=radfwMT;size=0;type=file;unique=fe00g20c109;unix.gid=0;unix.mode=0o644;unix.uid=0; leap.txt\r\n",
      { name: "leap.txt", type: "file", size: 0, mtime: "2024-02-29T12:00:00.000Z" },
    ],
    [
      "create=20261121050832;modify=20261121050832;perm=radfwMT;size=2;type=file;unique=fe00g20c103;unix.gid=0;unix.mode=0o644;unix.uid=0; name with  spaces.txt\r\n",
      { name: "name with  spaces.txt", type: "file" },
    ],
    [
      "create=20261121050832;modify=20190305140709;perm=radfwMT;size=0;type=file;unique=fe00g20c108;unix.gid=0;unix.mode=0o644;unix.uid=0; old.bin\r\n",
      { name: "old.bin", type: "file", mtime: "2019-03-05T14:07:09.000Z", precision: S },
    ],
    [
      "create=20261121050832;modify=20261121050832;perm=radfwMT;size=6;type=file;unique=fe00g20c102;unix.gid=0;unix.mode=0o755;unix.uid=0; plain.txt\r\n",
      { name: "plain.txt", type: "file", size: 6, mode: 0o755 },
    ],
    [
      "create=20261121050832;modify=20261121050832;perm=radfwMT;size=2;type=file;unique=fe00g20c10a;unix.gid=0;unix.mode=0o644;unix.uid=0; semi;colon = x.txt\r\n",
      { name: "semi;colon = x.txt", type: "file" },
    ],
    [
      "create=20261121050832;modify=20261121050832;perm=eldfmMTcp;size=4096;type=dir;unique=fe00g20c105;unix.gid=0;unix.mode=0o755;unix.uid=0; subdir\r\n",
      { name: "subdir", type: "dir", size: 4096, perm: "eldfmMTcp" },
    ],
  ]));

// jlaffaye/ftp parse_test.go, "RFC3659 format" (proftpd-style facts).
Deno.test("mlsd: jlaffaye/ftp RFC 3659 lines, facts case-insensitive", () =>
  check([
    [
      "modify=20150813224845;perm=fle;type=cdir;unique=119FBB87U4;UNIX.group=0;UNIX.mode=0755;UNIX.owner=0; .",
      { name: ".", type: "cdir", mtime: "2015-08-13T22:48:45.000Z", mode: 0o755, owner: "0" },
    ],
    [
      "modify=20150813224845;perm=fle;type=pdir;unique=119FBB87U4;UNIX.group=0;UNIX.mode=0755;UNIX.owner=0; ..",
      { name: "..", type: "pdir" },
    ],
    [
      "modify=20150806235817;perm=fle;type=dir;unique=1B20F360U4;UNIX.group=0;UNIX.mode=0755;UNIX.owner=0; movies",
      { name: "movies", type: "dir", mtime: "2015-08-06T23:58:17.000Z" },
    ],
    [
      "modify=20150814172949;perm=flcdmpe;type=dir;unique=85A0C168U4;UNIX.group=0;UNIX.mode=0777;UNIX.owner=0; _upload",
      { name: "_upload", type: "dir", mode: 0o777, perm: "flcdmpe" },
    ],
    [
      "modify=20150813175250;perm=adfr;size=951;type=file;unique=119FBB87UE;UNIX.group=0;UNIX.mode=0644;UNIX.owner=0; welcome.msg",
      { name: "welcome.msg", type: "file", size: 951, unique: "119FBB87UE" },
    ],
    [
      "Modify=20150813175250;Perm=adfr;Size=951;Type=file;Unique=119FBB87UE;UNIX.group=0;UNIX.mode=0644;UNIX.owner=0; welcome.msg",
      {
        name: "welcome.msg",
        type: "file",
        size: 951,
        mtime: "2015-08-13T17:52:50.000Z",
        perm: "adfr",
        unique: "119FBB87UE",
        group: "0",
      },
    ],
    [
      "SiZe=11;tYpe=FILE;MoDIfy=20181025120459;uNIx.MOde=0755; file one",
      { name: "file one", type: "file", size: 11, mode: 0o755 },
    ],
  ]));

// Representative lines built from the servers' format strings (these servers
// are not installed here): proftpd mod_facts with MLSDShowSymlinks-style
// "OS.unix=slink:" and owner/group names; pure-ftpd src/ftpd.c
// "type=%s;siz%c=%llu;modify=...;UNIX.mode=0%o;UNIX.uid=..;UNIX.gid=..;unique=..; %s";
// basic-ftp's tests for milliseconds and "OS.unix=symlink".
Deno.test("mlsd: proftpd, pure-ftpd and basic-ftp forms", () =>
  check([
    [
      "modify=20230101120000;perm=adfr;size=1024;type=OS.unix=slink:/srv/ftp/target file;unique=FD00U3E2;UNIX.group=1000;UNIX.groupname=users;UNIX.mode=0777;UNIX.owner=1000;UNIX.ownername=bob; link name",
      {
        name: "link name",
        type: "symlink",
        target: "/srv/ftp/target file",
        owner: "bob",
        group: "users",
        mode: 0o777,
      },
    ],
    // Pure-FTPd names no target for any link: unknown, not "".
    ["type=OS.unix=slink:; nameless", { name: "nameless", type: "symlink" }],
    ["type=OS.unix=symlink;unique=1234; filename", {
      name: "filename",
      type: "symlink",
      target: undefined,
      unique: "1234",
    }],
    [
      "type=dir;sizd=4096;modify=20240105120000;UNIX.mode=0755;UNIX.uid=1000;UNIX.gid=1000;unique=803g2a1b; sub dir",
      {
        name: "sub dir",
        type: "dir",
        size: 4096,
        owner: "1000",
        group: "1000",
      },
    ],
    [
      "type=file;size=1234;modify=20240105120000;UNIX.mode=04755;UNIX.uid=0;UNIX.gid=0;unique=803g2a1c; setuid",
      {
        name: "setuid",
        type: "file",
        mode: 0o4755,
      },
    ],
    ["type=file;size=24;modify=20250628164658.025;perm=rw; awesome.txt", {
      name: "awesome.txt",
      type: "file",
      mtime: "2025-06-28T16:46:58.025Z",
      precision: MS,
    }],
    ["type=OS.unix=chr-1/3;modify=20240105120000; null", { name: "null", type: "other" }],
    // The brief's example line with every common fact.
    [
      "type=file;size=1024;modify=20230101120000.123;perm=r;unique=801U1;UNIX.mode=0644;unix.owner=1000;unix.group=1000; name",
      {
        name: "name",
        type: "file",
        size: 1024,
        mtime: "2023-01-01T12:00:00.123Z",
        precision: MS,
        perm: "r",
        unique: "801U1",
        mode: 0o644,
        owner: "1000",
        group: "1000",
      },
    ],
  ]));

Deno.test("mlsd: names keep leading spaces, semicolons and '; ' after the separator", () => {
  check([
    ["type=file;size=1;    four spaces", { name: "   four spaces", type: "file" }],
    ["type=file;size=1; a; b;c=d; e", { name: "a; b;c=d; e", type: "file" }],
    ["type=file;size=1; trailing  ", { name: "trailing  ", type: "file" }],
  ]);
  // No facts at all: the line is the separator space plus the name.
  assert.equal(parseMlsdLine(" bare name").name, "bare name");
  assert.deepEqual(parseMlsdLine(" bare name").facts, {});
  // A server that drops the last ";" before the space.
  assert.equal(parseMlsdLine("type=file;size=3 x y").name, "x y");
});

Deno.test("mlsd: facts are kept with lower-cased keys", () => {
  const e = parseMlsdLine("Type=file;UNIX.Mode=0644;X.Custom=A=B; f");
  assert.deepEqual(e.facts, { type: "file", "unix.mode": "0644", "x.custom": "A=B" });
  assert.equal(e.raw, "Type=file;UNIX.Mode=0644;X.Custom=A=B; f");
  assert.equal(e.precision, Precision.unknown);
  assert.equal(e.mtime, undefined);
});

Deno.test("mlsd: modify with fractions and time shift", () => {
  assert.deepEqual(parseMlsdTime("20230101120000"), {
    millis: Date.UTC(2023, 0, 1, 12),
    precision: S,
  });
  assert.equal(parseMlsdTime("20230101120000.1")?.millis, Date.UTC(2023, 0, 1, 12, 0, 0, 100));
  assert.equal(parseMlsdTime("20230101120000.123456")?.millis, Date.UTC(2023, 0, 1, 12, 0, 0, 123));
  assert.equal(parseMlsdTime("20230101120000.123456")?.precision, MS);
  assert.equal(parseMlsdTime("20230229120000"), undefined);
  assert.equal(parseMlsdTime("202301011200"), undefined);
  // A server sending local time at UTC+05:30 (vsftpd use_localtime, UFTPD).
  check([["type=file;modify=20240101053000; f", {
    name: "f",
    type: "file",
    mtime: "2024-01-01T00:00:00.000Z",
  }]], 19_800);
  check([["type=file;modify=20240101000000.5; f", {
    name: "f",
    type: "file",
    mtime: "2024-01-01T01:00:00.500Z",
  }]], -3600);
});

Deno.test("mlsd: malformed lines throw ListingParseError", () => {
  for (
    const line of [
      "modify=20150806235817;invalid;UNIX.owner=0; movies", // jlaffaye/ftp
      "type=file;modify=2015080623; short-time",
      "type=file;modify=20151306235817; month-13",
      "type=file;size=12a; bad-size",
      "type=file;UNIX.mode=0999; bad-mode",
      "type=file;size=1; ",
      "type=file;size=1;",
    ]
  ) {
    assert.throws(() => parseMlsdLine(line), ListingParseError, line);
  }
});

Deno.test("mlsd: detection needs at least one fact", () => {
  assert.equal(looksLikeMlsd("type=dir;modify=20240101000000; pub"), true);
  assert.equal(looksLikeMlsd("UNIX.mode=0755; filename"), true);
  assert.equal(looksLikeMlsd(" filename"), false);
  assert.equal(looksLikeMlsd("-rw-r--r-- 1 0 0 1 Jan  1 00:00 a=b;"), false);
  assert.equal(looksLikeMlsd("10-23-01  03:25PM  <DIR>  a=b;"), false);
  assert.equal(mlsdParser.name, "mlsd");
});

// Captured on this machine from pyftpdlib 1.5.7 via Python ftplib's sendcmd
// (which joins reply lines with "\n"); the wire form uses CRLF.
Deno.test("mlst: real pyftpdlib reply, LF and CRLF", () => {
  const reply =
    '250-Listing "/name with  spaces.txt":\n modify=20261121050832;perm=r;size=2;type=file;unique=fe00g20c103; /name with  spaces.txt\n250 End MLST.';
  const e = parseMlstReply(reply);
  assert.equal(e.name, "/name with  spaces.txt");
  assert.equal(e.size, 2);
  assert.equal(e.mtime?.toISOString(), "2026-11-21T05:08:32.000Z");
  const crlf = parseMlstReply(
    '250-Listing "/subdir":\r\n modify=20261121050832;perm=el;size=4096;type=dir;unique=fe00g20c105; /subdir\r\n250 End MLST.\r\n',
    { timeShift: 60 },
  );
  assert.equal(crlf.type, "dir");
  assert.equal(crlf.mtime?.toISOString(), "2026-11-21T05:07:32.000Z");
  // A server that forgets the leading space is tolerated.
  assert.equal(parseMlstReply("250-x\r\ntype=file; /f\r\n250 y\r\n").name, "/f");
  assert.throws(() => parseMlstReply("550 No such file\r\n"), ListingParseError);
  assert.throws(() => parseMlstReply("250-x\r\n250 y\r\n"), ListingParseError);
});
