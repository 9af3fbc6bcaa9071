import assert from "node:assert/strict";
import { FerryError } from "../../util/errors.ts";
import {
  createListingParser,
  defaultParsers,
  type ListEntry,
  ListingParseError,
  type ListingParser,
  ListingStreamParser,
  ListingTooLargeError,
  parseListing,
  parseNlst,
} from "./index.ts";

const NOW = { now: new Date("2026-11-21T05:10:00Z"), timeShift: 0 };

// vsftpd 3.0.3 `LIST -a`, captured on this machine (CRLF as on the wire).
const VSFTPD_LISTING = [
  "-rw-r--r--    1 0        0               2 Nov 21 05:08   leading.txt",
  "drwxr-xr-x    3 0        0            4096 Jan 01  2026 .",
  "drwxr-xr-x    3 0        0            4096 Jan 01  2026 ..",
  "crw-r--r--    1 0        0               0 Nov 21 05:08 chardev",
  "prw-r--r--    1 0        0               0 Nov 21 05:08 fifo",
  "-rw-r--r--    1 0        0               0 Feb 29  2024 leap.txt",
  "lrwxrwxrwx    1 0        0               9 Nov 21 05:08 link -> plain.txt",
  "-rw-r--r--    1 0        0               2 Nov 21 05:08 name with  spaces.txt",
  "-rw-r--r--    1 0        0               0 Mar 05  2019 old.bin",
  "-rwsr-xr-x    1 0        0               6 Nov 21 05:08 plain.txt",
  "-rw-r--r--    1 0        0               2 Nov 21 05:08 semi;colon = x.txt",
  "lrwxrwxrwx    1 0        0              21 Nov 21 05:08 sp link -> name with  spaces.txt",
  "drwxr-xr-x    2 0        0            4096 Nov 21 05:08 subdir",
].join("\r\n") + "\r\n";

const NAMES = [
  "  leading.txt",
  ".",
  "..",
  "chardev",
  "fifo",
  "leap.txt",
  "link",
  "name with  spaces.txt",
  "old.bin",
  "plain.txt",
  "semi;colon = x.txt",
  "sp link",
  "subdir",
];

function caught(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  assert.fail("expected an error");
}

Deno.test("parseListing: a whole vsftpd listing, CRLF or LF", () => {
  assert.deepEqual(parseListing(VSFTPD_LISTING, { context: NOW }).map((e) => e.name), NAMES);
  const lf = VSFTPD_LISTING.replaceAll("\r\n", "\n");
  assert.deepEqual(parseListing(lf, { context: NOW }).map((e) => e.name), NAMES);
  // No final terminator.
  assert.deepEqual(parseListing(lf.trimEnd(), { context: NOW }).map((e) => e.name), NAMES);
});

Deno.test("parseListing: blank and total lines yield nothing", () => {
  const text = "total 28\r\n\r\n   \r\n-rw-r--r-- 1 0 0 1 Jan  1  2020 a\r\n\n";
  assert.deepEqual(parseListing(text).map((e) => e.name), ["a"]);
  assert.deepEqual(parseListing(""), []);
  assert.deepEqual(parseListing("\r\n\r\n"), []);
});

Deno.test("parseListing: MLSD and MS-DOS listings", () => {
  const mlsd =
    "type=cdir;modify=20240101000000; .\r\ntype=file;size=3;modify=20240101000000;  x\r\n";
  assert.deepEqual(parseListing(mlsd).map((e) => [e.type, e.name]), [["cdir", "."], [
    "file",
    " x",
  ]]);
  const dos = "10-23-01  03:25PM       <DIR>          dir\r\n01-02-2021  11:03AM  1234 f g\r\n";
  assert.deepEqual(parseListing(dos).map((e) => [e.type, e.name, e.size]), [
    ["dir", "dir", undefined],
    ["file", "f g", 1234],
  ]);
});

Deno.test("parseListing: context reaches the parsers (time shift)", () => {
  const [e] = parseListing("type=file;modify=20240101053000; f\n", {
    context: { timeShift: 19_800 },
  });
  assert.equal(e.mtime?.toISOString(), "2024-01-01T00:00:00.000Z");
});

Deno.test("parseListing: an unparsed line throws naming the line and its number", () => {
  const text = "-rw-r--r-- 1 0 0 1 Jan  1  2020 a\r\nthis is not a listing\r\n";
  const err = caught(() => parseListing(text));
  assert.ok(err instanceof ListingParseError);
  assert.ok(err instanceof FerryError);
  assert.equal(err.code, "EFTPPARSE");
  assert.equal(err.line, "this is not a listing");
  assert.equal(err.lineNumber, 2);
  assert.match(err.message, /line 2 "this is not a listing"/);
});

Deno.test("parseListing: a claimed but malformed line reports the parser's reason", () => {
  const err = caught(() => parseListing("\n-rw-r--r-- 1 0 0 1 Jan 32  2020 a\n"));
  assert.ok(err instanceof ListingParseError);
  assert.equal(err.lineNumber, 2);
  assert.match(err.message, /invalid date/);
});

Deno.test("parseListing: onUnparsed skip keeps the good lines", () => {
  const text = "garbage\n-rw-r--r-- 1 0 0 1 Jan  1  2020 a\n-rw-r--r-- 1 0 0 1 Jan 32  2020 b\n";
  const got = parseListing(text, { onUnparsed: "skip" });
  assert.deepEqual(got.map((e) => e.name), ["a"]);
});

Deno.test("parseListing: a user parser is tried first and can claim any format", () => {
  const seen: string[] = [];
  const eplf: ListingParser = {
    name: "eplf",
    canParse: (line) => line.startsWith("+"),
    parse: (line, ctx) => {
      seen.push(ctx.now.toISOString());
      // EPLF: +facts,\tname ; "/" marks a directory, "m" the mtime.
      const [facts, name] = line.slice(1).split("\t");
      const m = /(?:^|,)m(\d+)/.exec(facts);
      const entry: ListEntry = {
        name,
        type: facts.split(",").includes("/") ? "dir" : "file",
        precision: 1000,
        raw: line,
      };
      if (m) entry.mtime = new Date(Number(m[1]) * 1000);
      return entry;
    },
  };
  const got = parseListing(
    "+i8388621.48594,m825718503,r,s280,\tdjb.html\r\n+/,m824255907,\t514\r\n",
    {
      parsers: [eplf],
      context: NOW,
    },
  );
  assert.deepEqual(got.map((e) => [e.name, e.type]), [["djb.html", "file"], ["514", "dir"]]);
  assert.equal(got[0].mtime?.toISOString(), "1996-03-01T22:15:03.000Z");
  assert.deepEqual(seen, [NOW.now.toISOString(), NOW.now.toISOString()]);
  // Precedence over a built-in: a user parser that wants `ls` lines gets them.
  const mine: ListingParser = {
    name: "mine",
    canParse: (l) => l.startsWith("-"),
    parse: (l) => ({ name: "mine:" + l.length, type: "file", precision: Infinity, raw: l }),
  };
  assert.equal(
    parseListing("-rw-r--r-- 1 0 0 1 Jan  1  2020 a", { parsers: [mine] })[0].name,
    "mine:33",
  );
});

Deno.test("parseListing: a user parser's foreign error becomes a ListingParseError", () => {
  const broken: ListingParser = {
    name: "broken",
    canParse: () => true,
    parse: () => {
      throw new TypeError("boom");
    },
  };
  const err = caught(() => parseListing("x\n", { parsers: [broken] }));
  assert.ok(err instanceof ListingParseError);
  assert.ok(err.cause instanceof TypeError);
  assert.match(err.message, /parser "broken" failed: boom/);
});

Deno.test("parseListing: too-long line and too many entries", () => {
  const long = "-rw-r--r-- 1 0 0 1 Jan  1  2020 " + "n".repeat(100);
  const err = caught(() => parseListing(`a=b; x\n${long}\n`, { maxLineLength: 64 }));
  assert.ok(err instanceof ListingTooLargeError);
  assert.equal(err.code, "EFTPLISTSIZE");
  assert.equal(err.kind, "line");
  assert.equal(err.lineNumber, 2);
  assert.ok(err instanceof FerryError);
  // Exactly at the bound is fine, CR not counted.
  const exact = "type=file; " + "n".repeat(53);
  assert.equal(parseListing(exact + "\r\n", { maxLineLength: 64 }).length, 1);
  // Default bound: 8 KiB.
  assert.ok(
    caught(() => parseListing("type=file; " + "n".repeat(9000))) instanceof ListingTooLargeError,
  );

  const many = "type=file; f\n".repeat(11);
  const tooMany = caught(() => parseListing(many, { maxEntries: 10 }));
  assert.ok(tooMany instanceof ListingTooLargeError);
  assert.equal(tooMany.kind, "entries");
  assert.equal(tooMany.limit, 10);
  assert.equal(tooMany.lineNumber, 11);
  assert.equal(parseListing(many, { maxEntries: 11 }).length, 11);
  // Blank and total lines do not count as entries.
  assert.equal(
    parseListing("total 3\n\n" + "type=file; f\n".repeat(2), { maxEntries: 2 }).length,
    2,
  );
});

Deno.test("stream: chunks split anywhere, even between CR and LF", () => {
  for (const size of [1, 2, 3, 7, 64, 4096]) {
    const p = createListingParser({ context: NOW });
    const got: ListEntry[] = [];
    for (let i = 0; i < VSFTPD_LISTING.length; i += size) {
      got.push(...p.push(VSFTPD_LISTING.slice(i, i + size)));
    }
    got.push(...p.end());
    assert.deepEqual(got.map((e) => e.name), NAMES, `chunk size ${size}`);
    assert.equal(p.parserName, "unix");
    assert.equal(p.entryCount, NAMES.length);
  }
});

Deno.test("stream: a line without end throws as soon as it passes the bound", () => {
  const p = new ListingStreamParser({ maxLineLength: 100 });
  assert.deepEqual(p.push("x".repeat(60)), []);
  const err = caught(() => p.push("x".repeat(60)));
  assert.ok(err instanceof ListingTooLargeError);
  assert.equal(err.kind, "line");
  assert.equal(err.lineNumber, 1);
});

Deno.test("stream: entry bound holds across chunks", () => {
  const p = new ListingStreamParser({ maxEntries: 3 });
  assert.equal(p.push("type=file; a\ntype=file; b\n").length, 2);
  assert.equal(p.push("type=file; c\n").length, 1);
  assert.ok(caught(() => p.push("type=file; d\n")) instanceof ListingTooLargeError);
});

Deno.test("stream: the parser that worked is tried first", () => {
  // This line satisfies both the user parser and MLSD detection; after the
  // first MLSD line the listing sticks to MLSD.
  let calls = 0;
  const greedy: ListingParser = {
    name: "greedy",
    canParse: (l) => l.startsWith("type=") && l.endsWith("greedy"),
    parse: (l) => {
      calls++;
      return { name: "G", type: "other", precision: Infinity, raw: l };
    },
  };
  const got = parseListing("type=file; first\ntype=file; greedy\n", { parsers: [greedy] });
  assert.deepEqual(got.map((e) => e.name), ["first", "greedy"]);
  assert.equal(calls, 0);
  assert.deepEqual(defaultParsers.map((p) => p.name), ["mlsd", "unix", "msdos"]);
});

Deno.test("parseNlst: names as sent, blank lines dropped, bounded", () => {
  assert.deepEqual(parseNlst("a.txt\r\n dir with space\r\n\r\nsub/b \n"), [
    "a.txt",
    " dir with space",
    "sub/b ",
  ]);
  assert.deepEqual(parseNlst(""), []);
  assert.ok(
    caught(() => parseNlst("a\nb\nc\n", { maxEntries: 2 })) instanceof ListingTooLargeError,
  );
  assert.ok(
    caught(() => parseNlst("abcdef\n", { maxLineLength: 5 })) instanceof ListingTooLargeError,
  );
});
