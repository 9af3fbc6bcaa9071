import assert from "node:assert/strict";
import { VirtualAuthorizer } from "./authorizers.ts";
import { md5Password } from "../../plugin.ts";

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
