import assert from "node:assert/strict";
import { hashPassword, md5Password, verifyPassword } from "./passwords.ts";

Deno.test("passwords: scrypt round trip, FsTPy MD5, wrong passwords fail", async () => {
  const stored = await hashPassword("s3cret", { ln: 10, r: 8, p: 1 });
  assert.match(stored, /^\$scrypt\$ln=10,r=8,p=1\$/);
  assert.ok(await verifyPassword(stored, "s3cret"));
  assert.ok(!(await verifyPassword(stored, "s3cret ")));
  assert.equal(md5Password("12345"), "827ccb0eea8a706c4c34a16891f84e7b");
  assert.ok(await verifyPassword("827ccb0eea8a706c4c34a16891f84e7b", "12345"));
  await assert.rejects(() => verifyPassword("plaintext", "plaintext"), /unknown password hash/);
});
