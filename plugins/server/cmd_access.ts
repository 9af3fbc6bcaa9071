/**
 * Access commands: USER, PASS, REIN, QUIT and the RFC 4217 security
 * commands AUTH, PBSZ, PROT.
 * @module
 */
import { logger } from "../../plugin.ts";
import { ReplyError } from "./errors.ts";
import { runHooks } from "./hooks.ts";
import type { Session } from "./session.ts";

const log = logger("server");

function requireControlTls(s: Session) {
  if (s.options.tlsControlRequired && !s.secure) {
    throw new ReplyError(550, "SSL/TLS required on the control channel.");
  }
}

/**
 * USER: always 331, whether the user exists or not (RFC 2577 §7).
 *
 * @example
 * ```text
 * C: USER bob
 * S: 331 Username ok, send password.
 * ```
 */
export async function USER(s: Session, arg: string): Promise<void> {
  requireControlTls(s);
  let note = "";
  if (s.state.account) {
    await s.reinitialize();
    note = "Previous account information was flushed, send password.";
  }
  s.state.pendingUser = arg;
  s.reply(331, note || "Username ok, send password.");
}

/**
 * PASS: one choke point for every login outcome (delay, limit, hooks, log).
 *
 * @example
 * ```text
 * C: PASS secret
 * S: 230 Login successful.
 * ```
 */
export async function PASS(s: Session, arg: string): Promise<void> {
  requireControlTls(s);
  if (s.state.account) throw new ReplyError(503, "User already authenticated.");
  const username = s.state.pendingUser;
  if (username === undefined) throw new ReplyError(503, "Login with USER first.");
  s.state.pendingUser = undefined;
  let account;
  try {
    account = await s.options.authorizer.authenticate(username, arg, {
      remoteAddress: s.remoteAddress,
      secure: s.secure,
    });
  } catch (e) {
    log.error("{tag} authorizer failed: {error}", { tag: s.tag, error: (e as Error)?.message });
    account = undefined;
  }
  if (account) {
    await s.login(account);
    s.reply(230, account.loginMessage ?? "Login successful.");
    return;
  }
  s.loginFailures++;
  log.info("{tag} Authentication failed for user '{user}'.", { tag: s.tag, user: username });
  await runHooks(s.hooks, "onLoginFailed", { ...s.info(), username });
  // The delay slows down guessing; the limit ends the session (pyftpdlib's defaults: 3 s, 3).
  await s.sleep(s.options.authFailedDelayMs);
  if (s.closed) return;
  if (s.loginFailures >= s.options.maxLoginAttempts) {
    s.reply(530, "Maximum login attempts. Disconnecting.");
    s.close("too many failed logins", true);
    return;
  }
  s.reply(530, "Authentication failed.");
}

/**
 * REIN: log out, keep the connection (and its TLS).
 *
 * @example
 * ```text
 * C: REIN
 * S: 230 Ready for new user.
 * ```
 */
export async function REIN(s: Session): Promise<void> {
  await s.reinitialize();
  s.reply(230, "Ready for new user.");
}

/**
 * QUIT: goodbye, then close once the reply is flushed.
 *
 * @example
 * ```text
 * C: QUIT
 * S: 221 Goodbye.
 * ```
 */
export function QUIT(s: Session): void {
  s.reply(221, s.state.account?.quitMessage ?? "Goodbye.");
  s.close("quit", true);
}

/**
 * AUTH TLS (also SSL, TLS-C, TLS-P): upgrade the control connection.
 *
 * @example
 * ```text
 * C: AUTH TLS
 * S: 234 AUTH TLS successful.
 * ```
 */
export async function AUTH(s: Session, arg: string): Promise<void> {
  if (!s.host.tlsContext) {
    throw new ReplyError(502, "AUTH not supported: no certificate configured.");
  }
  if (s.secure) throw new ReplyError(503, "Already using TLS.");
  const kind = arg.trim().toUpperCase();
  if (!["TLS", "TLS-C", "SSL", "TLS-P"].includes(kind)) {
    throw new ReplyError(504, "Unrecognized AUTH type.");
  }
  await s.upgradeTls(`AUTH ${kind} successful.`);
}

/**
 * PBSZ: only 0 makes sense for TLS.
 *
 * @example
 * ```text
 * C: PBSZ 0
 * S: 200 PBSZ=0 successful.
 * ```
 */
export function PBSZ(s: Session): void {
  if (!s.secure) throw new ReplyError(503, "PBSZ not allowed on insecure control connection.");
  s.pbsz = true;
  s.reply(200, "PBSZ=0 successful.");
}

/**
 * PROT C or P.
 *
 * @example
 * ```text
 * C: PROT P
 * S: 200 Protection set to Private
 * ```
 */
export function PROT(s: Session, arg: string): void {
  if (!s.secure) throw new ReplyError(503, "PROT not allowed on insecure control connection.");
  if (!s.pbsz) throw new ReplyError(503, "You must issue the PBSZ command prior to PROT.");
  const level = arg.trim().toUpperCase();
  if (level === "C") {
    s.prot = "C";
    s.reply(200, "Protection set to Clear");
  } else if (level === "P") {
    s.prot = "P";
    s.reply(200, "Protection set to Private");
  } else if (level === "S" || level === "E") {
    throw new ReplyError(536, `PROT ${level} unsupported (use C or P).`);
  } else throw new ReplyError(502, "Unrecognized PROT type (use C or P).");
}
