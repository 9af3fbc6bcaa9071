import assert from "node:assert/strict";
import { type Expected, summarize } from "./_testing.ts";
import { ListingParseError } from "./errors.ts";
import { modeFromString, parseUnixLine, unixParser } from "./unix.ts";
import { type ParseContext, Precision } from "./types.ts";

const M = Precision.minutes;
const D = Precision.days;

function check(ctx: ParseContext, rows: [string, Expected][]): void {
  for (const [line, expected] of rows) {
    assert.deepEqual(summarize(parseUnixLine(line, ctx), expected), expected, line);
  }
}

// Captured on this machine, 2026-11-21 05:08 UTC, from vsftpd 3.0.3 (Debian 12)
// answering `LIST -a` for an anonymous root (curl, which strips the CR).
const VSFTPD_NOW: ParseContext = { now: new Date("2026-11-21T05:10:00Z"), timeShift: 0 };
const VSFTPD: [string, Expected][] = [
  ["-rw-r--r--    1 0        0               2 Nov 21 05:08   leading.txt", {
    name: "  leading.txt",
    type: "file",
    size: 2,
    mtime: "2026-11-21T05:08:00.000Z",
    precision: M,
    mode: 0o644,
    owner: "0",
    group: "0",
  }],
  ["drwxr-xr-x    3 0        0            4096 Jan 01  2026 .", {
    name: ".",
    type: "dir",
    size: 4096,
    mtime: "2026-01-01T00:00:00.000Z",
    precision: D,
  }],
  ["drwxr-xr-x    3 0        0            4096 Jan 01  2026 ..", { name: "..", type: "dir" }],
  ["crw-r--r--    1 0        0               0 Nov 21 05:08 chardev", {
    name: "chardev",
    type: "other",
    size: 0,
  }],
  ["prw-r--r--    1 0        0               0 Nov 21 05:08 fifo", { name: "fifo", type: "other" }],
  ["-rw-r--r--    1 0        0               0 Feb 29  2024 leap.txt", {
    name: "leap.txt",
    type: "file",
    mtime: "2024-02-29T00:00:00.000Z",
    precision: D,
  }],
  ["lrwxrwxrwx    1 0        0               9 Nov 21 05:08 link -> plain.txt", {
    name: "link",
    type: "symlink",
    size: 9,
    target: "plain.txt",
    mode: 0o777,
  }],
  ["-rw-r--r--    1 0        0               2 Nov 21 05:08 name with  spaces.txt", {
    name: "name with  spaces.txt",
    type: "file",
  }],
  ["-rw-r--r--    1 0        0               0 Mar 05  2019 old.bin", {
    name: "old.bin",
    type: "file",
    mtime: "2019-03-05T00:00:00.000Z",
    precision: D,
  }],
  ["-rwsr-xr-x    1 0        0               6 Nov 21 05:08 plain.txt", {
    name: "plain.txt",
    type: "file",
    mode: 0o4755,
  }],
  ["-rw-r--r--    1 0        0               2 Nov 21 05:08 semi;colon = x.txt", {
    name: "semi;colon = x.txt",
    type: "file",
  }],
  ["lrwxrwxrwx    1 0        0              21 Nov 21 05:08 sp link -> name with  spaces.txt", {
    name: "sp link",
    type: "symlink",
    target: "name with  spaces.txt",
  }],
  ["drwxr-xr-x    2 0        0            4096 Nov 21 05:08 subdir", {
    name: "subdir",
    type: "dir",
    size: 4096,
    mode: 0o755,
  }],
];

Deno.test("unix: real vsftpd 3.0.3 lines", () => check(VSFTPD_NOW, VSFTPD));

// Captured on this machine from pyftpdlib 1.5.7's AbstractedFS.format_list
// (use_gmt_times=True) over the same tree; it names owner and group.
Deno.test("unix: real pyftpdlib 1.5.7 lines", () =>
  check(VSFTPD_NOW, [
    ["-rw-r--r--   1 root     root            2 Nov 21 05:08   leading.txt\r\n", {
      name: "  leading.txt",
      type: "file",
      owner: "root",
      group: "root",
      mtime: "2026-11-21T05:08:00.000Z",
    }],
    ["-rw-r--r--   1 root     root            0 Mar 05  2019 old.bin\r\n", {
      name: "old.bin",
      type: "file",
      mtime: "2019-03-05T00:00:00.000Z",
      precision: D,
    }],
    [
      "lrwxrwxrwx   1 root     root           21 Nov 21 05:08 sp link -> name with  spaces.txt\r\n",
      {
        name: "sp link",
        type: "symlink",
        target: "name with  spaces.txt",
      },
    ],
    ["drwxr-xr-x   2 root     root         4096 Nov 21 05:08 subdir\r\n", {
      name: "subdir",
      type: "dir",
      size: 4096,
    }],
  ]));

// jlaffaye/ftp parse_test.go (now = 2017-03-10 23:00 UTC). Where Go's table
// expects "this year" for a date up to 6 months in the future, we expect the
// previous year on purpose: `ls` never prints a time for a future date, so
// such a line is from last year (ftputil's rule, see time.ts).
const JLAFFAYE_NOW: ParseContext = { now: new Date("2017-03-10T23:00:00Z"), timeShift: 0 };
Deno.test("unix: jlaffaye/ftp table", () =>
  check(JLAFFAYE_NOW, [
    ["drwxr-xr-x    3 110      1002            3 Dec 02  2009 pub", {
      name: "pub",
      type: "dir",
      size: 3,
      mtime: "2009-12-02T00:00:00.000Z",
      owner: "110",
      group: "1002",
    }],
    ["drwxr-xr-x    3 110      1002            3 Dec 02  2009 p u b", {
      name: "p u b",
      type: "dir",
    }],
    ["-rw-r--r--   1 marketwired marketwired    12016 Mar 16  2016 2016031611G087802-001.newsml", {
      name: "2016031611G087802-001.newsml",
      type: "file",
      size: 12016,
      owner: "marketwired",
      mtime: "2016-03-16T00:00:00.000Z",
    }],
    ["lrwxrwxrwx   1 root     other          7 Jan 25 00:17 bin -> usr/bin", {
      name: "bin",
      type: "symlink",
      target: "usr/bin",
      mtime: "2017-01-25T00:17:00.000Z",
    }],
    [
      "lrwxrwxrwx    1 0        1001           27 Jul 07  2017 R-3.4.0.pkg -> el-capitan/base/R-3.4.0.pkg",
      {
        name: "R-3.4.0.pkg",
        type: "symlink",
        target: "el-capitan/base/R-3.4.0.pkg",
      },
    ],
    // "Another ls style": a single column before the size.
    ["drwxr-xr-x               folder        0 Aug 15 05:49 !!!-Tipp des Haus!", {
      name: "!!!-Tipp des Haus!",
      type: "dir",
      size: 0,
      owner: "folder",
      mtime: "2016-08-15T05:49:00.000Z",
    }],
    ["-rw-r--r--        0   18446744073709551615 18446744073709551615 Nov 16  2006 VIDEO_TS.VOB", {
      name: "VIDEO_TS.VOB",
      type: "file",
      size: 18446744073709551615, // beyond 2^53: kept as the nearest double
    }],
    // Microsoft's FTP server in Unix mode.
    ["----------   1 owner    group         1803128 Jul 10 10:18 ls-lR.Z", {
      name: "ls-lR.Z",
      type: "file",
      mode: 0,
      mtime: "2016-07-10T10:18:00.000Z",
    }],
    ["d---------   1 owner    group               0 Nov  9 19:45 Softlib", {
      name: "Softlib",
      type: "dir",
      mtime: "2016-11-09T19:45:00.000Z",
    }],
    // WFTPD for MS-DOS.
    ["-rwxrwxrwx   1 noone    nogroup      322 Aug 19  1996 message.ftp", {
      name: "message.ftp",
      type: "file",
      size: 322,
      mtime: "1996-08-19T00:00:00.000Z",
    }],
    ["drwxr-xr-x    3 110      1002            3 Dec 02  2009 spaces   dir   name", {
      name: "spaces   dir   name",
      type: "dir",
    }],
    ["-rwxr-xr-x    3 110      1002            1234567 Dec 02  2009  foo bar ", {
      name: " foo bar ",
      type: "file",
      size: 1234567,
    }],
    // hostedftp.com: link count 0.
    ["-r--------   0 user group     65222236 Feb 24 00:39 RegularFile", {
      name: "RegularFile",
      type: "file",
      mode: 0o400,
      mtime: "2017-02-24T00:39:00.000Z",
    }],
    // ACL marker after the mode.
    ["-rwxrw-r--+  1 521      101         2080 May 21 10:53 data.csv", {
      name: "data.csv",
      type: "file",
      mode: 0o764,
      mtime: "2016-05-21T10:53:00.000Z",
    }],
  ]));

Deno.test("unix: jlaffaye/ftp unsupported lines are rejected", () => {
  for (
    const line of [
      "d [R----F--] supervisor            512       Jan 16 18:53 login",
      "- [R----F--] rhesus             214059       Oct 20 15:27 cx.exe",
      "drwxr-xr-x    3 110      1002            3 Dec 02  209 pub",
      "Zrwxrwxrwx   1 root     other          7 Jan 25 00:17 bin -> usr/bin",
      "000000000x ",
    ]
  ) {
    assert.throws(() => parseUnixLine(line, JLAFFAYE_NOW), ListingParseError, line);
  }
  assert.equal(unixParser.canParse("d [R----F--] supervisor  512  Jan 16 18:53 login"), false);
});

// ftputil test/test_stat.py (time_shift = 5 h). Deliberate differences: the
// Dec 19 line uses our pinned "now" instead of the wall clock; a `d` entry
// keeps " -> " in its name (only symlinks carry targets); with one column
// before the size (ticket #12) we call it the owner, ftputil the group.
const FTPUTIL_CTX: ParseContext = { now: new Date("2026-11-21T05:10:00Z"), timeShift: 5 * 3600 };
Deno.test("unix: ftputil valid lines with a 5 h time shift", () =>
  check(FTPUTIL_CTX, [
    ["drwxr-sr-x   2 45854    200           512 May  4  2000 chemeng link -> chemeng target", {
      name: "chemeng link -> chemeng target",
      type: "dir",
      mode: 0o2755,
      owner: "45854",
      group: "200",
      size: 512,
      mtime: "2000-05-03T19:00:00.000Z",
      precision: D,
    }],
    ["-rw-r--r--   1 45854    200          4604 Dec 19 23:11 index.html", {
      name: "index.html",
      type: "file",
      mode: 0o644,
      mtime: "2025-12-19T18:11:00.000Z",
      precision: M,
    }],
    ["drwxr-sr-x   2 45854    200           512 Jan 01  2000 os2", {
      name: "os2",
      type: "dir",
      mtime: "1999-12-31T19:00:00.000Z",
    }],
    ["----------   2 45854    200           512 May 29  2000 some_file", {
      name: "some_file",
      type: "file",
      mode: 0,
      mtime: "2000-05-28T19:00:00.000Z",
    }],
    ["lrwxrwxrwx   2 45854    200           512 May 29  2000 osup -> ../os2", {
      name: "osup",
      type: "symlink",
      target: "../os2",
      mode: 0o777,
    }],
    ["drwxr-sr-x   2   200           512 May  4  2000 chemeng", {
      name: "chemeng",
      type: "dir",
      owner: "200",
      group: undefined,
      size: 512,
    }],
    ["lrwxrwxrwx   2   200           512 May 29  2000 osup -> ../os2", {
      name: "osup",
      type: "symlink",
      owner: "200",
      group: undefined,
      target: "../os2",
    }],
    // Pre-epoch dates (ftputil ticket #83) are kept as the dates they are.
    ["-rw-r--r--   1 45854    200          4604 May  4  1800 index.html", {
      name: "index.html",
      type: "file",
      mtime: "1800-05-03T19:00:00.000Z",
    }],
  ]));

Deno.test("unix: ftputil invalid lines throw ListingParseError", () => {
  for (
    const line of [
      "drwxr-sr-x   2 45854    200           512 Max  4  2000 chemeng",
      "drwxr-sr-x   2 45854    200           512 May  4  abcd chemeng",
      "drwxr-sr-x   2 45854    200           512 May ab  2000 chemeng",
      "-rw-r--r--   1 45854    200          4604 Dec 19 ab:11 index.html",
      "-rw-r--r--   1 45854    200          4604 Dec 19 23:ab index.html",
      "drwxr-sr-x   2 45854    200           512 May 32  2000 chemeng",
      "drwxr-sr-x   2 45854    200           512 May 32 11:22 chemeng",
      "-rw-r--r--   1 45854    200          4604 Dec 19 24:11 index.html",
      "drwxr-sr-    2 45854    200           512 May  4  2000 chemeng",
      "xrwxr-sr-x   2 45854    200           512 May  4  2000 chemeng",
      "-rwxr-sr-x   2 45854    200           51x May  4  2000 chemeng",
      "-rwxr-sr-x   2 45854    200           512 May  4  2000 ",
      // basic-ftp #193 accepts an 8-letter mode; we keep ftputil's strictness,
      // because a short mode column cannot be read without guessing.
      "drw-r--rw   1     root     root         0 Apr 21 19:31 Directory1",
    ]
  ) {
    assert.throws(() => parseUnixLine(line, FTPUTIL_CTX), ListingParseError, line);
  }
});

// Representative lines (not captured: these servers are not installed here),
// built from each server's format string: proftpd "%s %3d %-8s %-8s %8lu",
// pure-ftpd src/ls.c "%s %4u %-10s %-10s %10llu %s %2d %s %s" (year "%5d"),
// busybox `ls -l` (device "major, minor" right-aligned), GNU ls on this
// machine (`ls -l /dev/null`), macOS ls with "@" xattrs, and an indented
// listing as basic-ftp's tests show.
Deno.test("unix: proftpd, pure-ftpd, busybox, GNU, macOS forms", () =>
  check(VSFTPD_NOW, [
    ["-rw-r--r--   1 ftp      ftp          1234 Jan  5 12:00 proftpd.txt", {
      name: "proftpd.txt",
      type: "file",
      size: 1234,
      owner: "ftp",
      group: "ftp",
      mtime: "2026-01-05T12:00:00.000Z",
    }],
    ["-rw-r--r--    1 ftpuser    ftpgroup         1234 Jan  5  2019 pure old.txt", {
      name: "pure old.txt",
      type: "file",
      owner: "ftpuser",
      group: "ftpgroup",
      mtime: "2019-01-05T00:00:00.000Z",
      precision: D,
    }],
    ["drwxr-xr-x    2 1000       1000             4096 Oct 30 09:15 pure-dir", {
      name: "pure-dir",
      type: "dir",
      owner: "1000",
      group: "1000",
    }],
    ["crw-rw-rw-    1 root     root        1,   3 Jan  1 00:00 null", {
      name: "null",
      type: "other",
      size: undefined,
      mode: 0o666,
    }],
    ["brw-rw----    1 0        6          8,   0 Nov 20 15:16 sda", { name: "sda", type: "other" }],
    ["crw-r--r-- 1 root root 1, 3 Nov 21 05:08 chardev", {
      name: "chardev",
      type: "other",
      owner: "root",
      group: "root",
      size: undefined,
    }],
    ["srwxrwxrwx 1 root root 0 Nov 21 05:08 sock", { name: "sock", type: "other" }],
    ["drwxrwxrwt   9 root  wheel  288 Nov 21 04:00 tmp", {
      name: "tmp",
      type: "dir",
      mode: 0o1777,
    }],
    ["-rw-r--r--@  1 bob  staff  42 Nov 20 18:00 notes.md", {
      name: "notes.md",
      type: "file",
      owner: "bob",
      group: "staff",
    }],
    ["-rw-r--r--.  1 root root    7 Nov 20 18:00 selinux.txt", {
      name: "selinux.txt",
      type: "file",
    }],
    [" drwxr-xr-x+  11 patrick  staff    374 Dec 11 21:24 .", {
      name: ".",
      type: "dir",
      mtime: "2025-12-11T21:24:00.000Z",
    }],
    ["-rw-r--r--  1 bob  staff  42 Nov 20 18:00:07 2026 bsd-T.txt", {
      name: "bsd-T.txt",
      type: "file",
      mtime: "2026-11-20T18:00:07.000Z",
      precision: Precision.seconds,
    }],
    // Symlinks whose names or targets hold an arrow: the first " -> " splits.
    ["lrwxrwxrwx 1 0 0 5 Nov 21 05:08 a -> b -> c", {
      name: "a",
      type: "symlink",
      target: "b -> c",
    }],
    // A regular file may contain " -> " in its name.
    ["-rw-r--r-- 1 0 0 5 Nov 21 05:08 not -> a link", { name: "not -> a link", type: "file" }],
    // Owner or group that looks like a month does not confuse the columns.
    ["-rw-r--r-- 1 1000 May 12 Jan  5 12:00 owner-may", {
      name: "owner-may",
      type: "file",
      owner: "1000",
      group: "May",
      size: 12,
    }],
  ]));

Deno.test("unix: total lines yield null; `Jan  1` and `Jan 01` agree", () => {
  assert.equal(parseUnixLine("total 28", VSFTPD_NOW), null);
  assert.equal(parseUnixLine("total 1.2K", VSFTPD_NOW), null);
  assert.equal(unixParser.canParse("total 0"), true);
  const a = parseUnixLine("-rw-r--r-- 1 0 0 1 Jan  1  2020 x", VSFTPD_NOW);
  const b = parseUnixLine("-rw-r--r-- 1 0 0 1 Jan 01  2020 x", VSFTPD_NOW);
  assert.deepEqual(a?.mtime, b?.mtime);
});

Deno.test("unix: year guess around New Year", () => {
  const jan1 = { now: new Date("2027-01-01T00:30:00Z"), timeShift: 0 };
  assert.equal(
    parseUnixLine("-rw-r--r-- 1 0 0 1 Dec 31 23:59 x", jan1)?.mtime?.toISOString(),
    "2026-12-31T23:59:00.000Z",
  );
  const dec31 = { now: new Date("2026-12-31T12:00:00Z"), timeShift: 0 };
  // Within the one-day tolerance: next year's Jan 1 (clock skew, unknown shift).
  assert.equal(
    parseUnixLine("-rw-r--r-- 1 0 0 1 Jan  1 10:00 x", dec31)?.mtime?.toISOString(),
    "2027-01-01T10:00:00.000Z",
  );
  // Beyond it: the Jan 2 that has passed.
  assert.equal(
    parseUnixLine("-rw-r--r-- 1 0 0 1 Jan  2 13:00 x", dec31)?.mtime?.toISOString(),
    "2026-01-02T13:00:00.000Z",
  );
});

Deno.test("unix: Feb 29 in a common year does not throw (ftputil #160)", () => {
  const ctx = { now: new Date("2026-06-01T00:00:00Z"), timeShift: 0 };
  const e = parseUnixLine("-rw-r--r-- 1 0 0 1 Feb 29 12:00 leap.txt", ctx);
  assert.equal(e?.mtime?.toISOString(), "2024-02-29T12:00:00.000Z");
  assert.equal(e?.precision, M);
  // Now is Feb 28 of a leap year's predecessor: the last Feb 29 that has passed.
  const feb = { now: new Date("2028-02-28T00:00:00Z"), timeShift: 0 };
  assert.equal(
    parseUnixLine("-rw-r--r-- 1 0 0 1 Feb 29 12:00 x", feb)?.mtime?.toISOString(),
    "2024-02-29T12:00:00.000Z",
  );
});

Deno.test("unix: time shift applies to times and years; year guessed in server frame", () => {
  // Server at UTC+14: its clock reads Dec 31 14:00 when UTC reads Dec 31 00:00.
  const ctx = { now: new Date("2026-12-31T00:00:00Z"), timeShift: 14 * 3600 };
  // 22 h after the server's "now": within tolerance there, 36 h in UTC terms.
  assert.equal(
    parseUnixLine("-rw-r--r-- 1 0 0 1 Jan  1 12:00 x", ctx)?.mtime?.toISOString(),
    "2026-12-31T22:00:00.000Z",
  );
  const kolkata = { now: new Date("2026-11-21T05:10:00Z"), timeShift: 19_800 };
  assert.equal(
    parseUnixLine("-rw-r--r-- 1 0 0 1 Nov 21 10:38 x", kolkata)?.mtime?.toISOString(),
    "2026-11-21T05:08:00.000Z",
  );
  assert.equal(
    parseUnixLine("-rw-r--r-- 1 0 0 1 Mar 05  2019 x", kolkata)?.mtime?.toISOString(),
    "2019-03-04T18:30:00.000Z",
  );
});

Deno.test("unix: modeFromString covers set-id, sticky and locking letters", () => {
  assert.equal(modeFromString("rwxr-xr-x"), 0o755);
  assert.equal(modeFromString("rwSr-Sr-T"), 0o7644);
  assert.equal(modeFromString("rwxr-lr--"), 0o2744);
  assert.equal(modeFromString("---------"), 0);
});

Deno.test("unix: error names the line and has code EFTPPARSE", () => {
  const line = "-rw-r--r-- 1 0 0 1 Foo 31 12:00 x";
  let err: unknown;
  try {
    parseUnixLine(line, VSFTPD_NOW);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ListingParseError);
  assert.equal(err.code, "EFTPPARSE");
  assert.equal(err.line, line);
  assert.match(err.message, /Foo 31 12:00 x/);
});
