import assert from "node:assert/strict";
import { parseCredentials } from "./credentials.ts";

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
