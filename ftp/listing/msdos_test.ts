import assert from "node:assert/strict";
import { type Expected, summarize } from "./_testing.ts";
import { ListingParseError } from "./errors.ts";
import { dosYear, looksLikeMsdos, msdosParser, parseMsdosLine } from "./msdos.ts";
import { Precision } from "./types.ts";

const M = Precision.minutes;

function check(rows: [string, Expected][], timeShift = 0): void {
  for (const [line, expected] of rows) {
    assert.deepEqual(summarize(parseMsdosLine(line, { timeShift }), expected), expected, line);
  }
}

// ftputil test/test_stat.py, MSParser (time_shift = 5 h). ftputil maps the
// pre-epoch 1968 line to the epoch with unknown precision; we keep the date.
Deno.test("msdos: ftputil lines with a 5 h time shift", () =>
  check([
    ["07-27-01  11:16AM       <DIR>          Test", {
      name: "Test",
      type: "dir",
      size: undefined,
      mtime: "2001-07-27T06:16:00.000Z",
      precision: M,
    }],
    ["10-23-95  03:25PM       <DIR>          WindowsXP", {
      name: "WindowsXP",
      type: "dir",
      mtime: "1995-10-23T10:25:00.000Z",
    }],
    ["07-17-00  02:08PM             12266720 test.exe", {
      name: "test.exe",
      type: "file",
      size: 12266720,
      mtime: "2000-07-17T09:08:00.000Z",
    }],
    ["07-17-09  12:08AM             12266720 test.exe", {
      name: "test.exe",
      type: "file",
      mtime: "2009-07-16T19:08:00.000Z",
    }],
    ["07-17-09  12:08PM             12266720 test.exe", {
      name: "test.exe",
      type: "file",
      mtime: "2009-07-17T07:08:00.000Z",
    }],
    ["10-19-2012  03:13PM       <DIR>          SYNCDEST", {
      name: "SYNCDEST",
      type: "dir",
      mtime: "2012-10-19T10:13:00.000Z",
    }],
    ["10-19-1968  03:13PM       <DIR>          SYNC", {
      name: "SYNC",
      type: "dir",
      mtime: "1968-10-19T10:13:00.000Z",
    }],
  ], 5 * 3600));

// jlaffaye/ftp parse_test.go "DOS DIR command output"; basic-ftp's listDOS;
// IIS 4-digit and 24-hour forms (representative: no IIS here); CRLF endings.
Deno.test("msdos: jlaffaye/ftp, basic-ftp and IIS forms", () =>
  check([
    ["08-07-15  07:50PM                  718 Post_PRR_20150901_1166_265118_13049.dat", {
      name: "Post_PRR_20150901_1166_265118_13049.dat",
      type: "file",
      size: 718,
      mtime: "2015-08-07T19:50:00.000Z",
    }],
    ["08-10-15  02:04PM       <DIR>          Billing", {
      name: "Billing",
      type: "dir",
      mtime: "2015-08-10T14:04:00.000Z",
    }],
    ["12-05-96  05:03PM       <DIR>          myDir", { name: "myDir", type: "dir" }],
    ["11-14-97  04:21PM                  953 MYFILE.INI\r\n", {
      name: "MYFILE.INI",
      type: "file",
      size: 953,
      mtime: "1997-11-14T16:21:00.000Z",
    }],
    ["10-23-01  03:25PM  <DIR>  name", {
      name: "name",
      type: "dir",
      mtime: "2001-10-23T15:25:00.000Z",
    }],
    ["01-02-2021  11:03AM  1234 name with spaces", {
      name: "name with spaces",
      type: "file",
      size: 1234,
      mtime: "2021-01-02T11:03:00.000Z",
      precision: M,
    }],
    ["01-02-2021  11:03AM  1234  leading and trailing ", {
      name: " leading and trailing ",
      type: "file",
    }],
    ["07-17-00  14:08             12266720 24h.exe", {
      name: "24h.exe",
      type: "file",
      mtime: "2000-07-17T14:08:00.000Z",
    }],
    ["01-02-2021  00:05       <DIR>          midnight", {
      name: "midnight",
      type: "dir",
      mtime: "2021-01-02T00:05:00.000Z",
    }],
    ["02-29-2024  09:00AM          1,234,567 grouped.bin", {
      name: "grouped.bin",
      type: "file",
      size: 1234567,
      mtime: "2024-02-29T09:00:00.000Z",
    }],
  ]));

Deno.test("msdos: two-digit years pivot at 70", () => {
  assert.equal(dosYear("69"), 2069);
  assert.equal(dosYear("70"), 1970);
  assert.equal(dosYear("99"), 1999);
  assert.equal(dosYear("00"), 2000);
  assert.equal(dosYear("2021"), 2021);
});

// ftputil's invalid MS lines, minus "AM/PM missing": we accept the 24-hour form.
Deno.test("msdos: invalid lines throw ListingParseError", () => {
  for (
    const line of [
      "07-27-01  11:16AM                      Test",
      "07-17-ab  02:08AM           12266720 test.exe",
      "ab-17-00  02:08AM           12266720 test.exe",
      "07-ab-00  02:08AM           12266720 test.exe",
      "07-17-00  ab:08AM           12266720 test.exe",
      "07-17-00  02:08AM           1226672x test.exe",
      "13-17-00  02:08AM           12266720 month13.exe",
      "02-29-2023  02:08AM         12266720 not-leap.exe",
      "07-17-00  13:08PM           12266720 pm13.exe",
      "07-17-00  25:08           12266720 h25.exe",
      "07-17-00  02:08AM       <DIR>       ",
    ]
  ) {
    assert.throws(() => parseMsdosLine(line), ListingParseError, line);
  }
});

Deno.test("msdos: detection", () => {
  assert.equal(looksLikeMsdos("10-23-01  03:25PM  <DIR>  name"), true);
  assert.equal(looksLikeMsdos("-rw-r--r-- 1 0 0 1 Jan  1 00:00 x"), false);
  assert.equal(looksLikeMsdos("type=file; 10-23-01  03:25PM"), false);
  assert.equal(msdosParser.name, "msdos");
});
