import assert from "node:assert/strict";
import { isTemporary } from "../sync/retry.ts";
import {
  errorForReply,
  FtpPermanentError,
  FtpTemporaryError,
  loginRefused,
  TooManyConnectionsError,
} from "./errors.ts";

const reply = (code: number, text: string) => ({ code, text, lines: [`${code} ${text}`] });

Deno.test("errorForReply: a session turned away as one too many, at the greeting or the login", () => {
  const vsftpd = errorForReply(
    reply(421, "There are too many connections from your internet address."),
  );
  assert.ok(vsftpd instanceof TooManyConnectionsError);
  assert.equal(vsftpd.ftpCode, 421);
  const proftpd = errorForReply(
    reply(530, "Sorry, the maximum number of clients (2) from your host are already connected."),
    "login",
  );
  assert.ok(proftpd instanceof TooManyConnectionsError);
  assert.equal(proftpd.ftpCode, 530);
  assert.ok(isTemporary(proftpd), "worth another try, though a 530");
});

Deno.test("errorForReply: a wrong password and a 421 to another command are not", () => {
  const wrong = errorForReply(reply(530, "Login incorrect."), "login");
  assert.ok(wrong instanceof FtpPermanentError);
  assert.ok(!isTemporary(wrong));
  const stalled = errorForReply(reply(421, "Data connection timed out."), "RETR a");
  assert.ok(stalled instanceof FtpTemporaryError);
  assert.ok(!(stalled instanceof TooManyConnectionsError));
});

Deno.test("loginRefused: names who and where with the reply, typed as errorForReply's login", () => {
  const wrong = loginRefused(reply(530, "Login incorrect."), "bob@127.0.0.1:21");
  assert.equal(wrong.message, "login as bob@127.0.0.1:21 refused: 530 Login incorrect.");
  assert.ok(wrong instanceof FtpPermanentError && !isTemporary(wrong));
  assert.equal(wrong.command, "login");
  const busy = loginRefused(reply(530, "Sorry, the maximum number of clients (2)"), "b@h:21");
  assert.ok(busy instanceof TooManyConnectionsError && isTemporary(busy));
  assert.ok(loginRefused(reply(421, "Too many."), "b@h:21") instanceof TooManyConnectionsError);
});
