import assert from "node:assert/strict";
import { listLine, localTimeVal, mlsdLine, parseLocalTimeVal, statLine } from "./listing.ts";

Deno.test("uftpd listing: MLSD in local time, STAT in epoch ms, ls-style LIST", () => {
  const mtime = new Date("2024-01-02T03:04:05Z");
  const file = { name: "a b", type: "file" as const, size: 3, mtime, precision: 1, mode: 0o640 };
  const dir = { name: "d", type: "dir" as const, size: 4096, mtime, precision: 1, mode: 0o755 };
  const ist = () => 330;
  assert.equal(
    mlsdLine(file, "a b", ist),
    "size=3;modify=20240102083405;type=file;perm=rw;UNIX.mode=100640; a b",
  );
  assert.equal(
    mlsdLine(dir, "d", () => 0),
    "size=0;modify=20240102030405;type=dir;perm=lwe;UNIX.mode=40755; d",
  );
  assert.equal(statLine(file, "a b"), `-rw- 3 ${mtime.getTime()} a b`);
  assert.equal(statLine(dir, ""), `drwx 0 ${mtime.getTime()} .`);
  assert.equal(
    listLine(file, "a b", new Date("2024-02-01Z"), ist),
    "-rw-------   1 dummy dummy 3 Jan 02 08:34 a b",
  );
  assert.equal(
    listLine(file, "a b", new Date("2025-02-01Z"), ist),
    "-rw-------   1 dummy dummy 3 Jan 02 2024 a b",
  );
  assert.equal(localTimeVal(mtime, () => -420), "20240101200405");
  assert.equal(parseLocalTimeVal("20240102083405", ist)?.toISOString(), mtime.toISOString());
  assert.equal(parseLocalTimeVal("2024", ist), undefined);
  assert.equal(parseLocalTimeVal("20241302083405", ist), undefined);
});
