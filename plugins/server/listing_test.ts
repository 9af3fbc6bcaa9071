import assert from "node:assert/strict";
import { formatFacts, formatFtpTime, formatListLine, parseFtpTime } from "./listing.ts";

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
