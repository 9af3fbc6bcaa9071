/**
 * How `FtpClient` logs in: USER, PASS (and ACCT) one by one, or pipelined
 * with what follows a login (PBSZ/PROT under TLS, FEAT, OPTS UTF8 ON, the
 * caller's `featuresAhead`, a port opened ahead) in one write, and what the
 * session takes from those answers. The lines themselves are chosen in
 * ./login_lines.ts (the CLI's head start writes the same ones).
 * @module
 */
import { CommandNotImplementedError, errorForReply, FtpError, loginRefused } from "./errors.ts";
import { loginAfterLines, pipelinedLoginLines, welcomePipelinesLogin } from "./login_lines.ts";
import { parseEpsv, parseFeatures, type Reply } from "./reply.ts";
import type { ClientSession } from "./client_session.ts";

/**
 * The client's commands a login runs once the server let the user in
 * (`FtpClient` has them): PBSZ/PROT, FEAT (with the caller's queries in its
 * write), OPTS UTF8 ON.
 */
export interface AfterLogin {
  /** PBSZ 0 + PROT level. */
  prot(level: "P" | "C"): Promise<void>;
  /** FEAT, cached; `ahead` sent in its write, their replies to `onAhead`. */
  features(
    queries?: { ahead?: readonly string[]; onAhead?: (replies: Reply[]) => void },
  ): Promise<Map<string, string>>;
  /** A command and its reply; 4xx/5xx thrown. */
  sendcmd(command: string): Promise<Reply>;
}

/**
 * Whether {@link loginSequence} pipelines: lines were written ahead
 * (`FtpClient.adopt`), else the option, else the welcome.
 *
 * @example
 * ```ts
 * if (pipelinesLogin(session)) console.log("one round trip for the login");
 * ```
 */
export function pipelinesLogin(s: ClientSession): boolean {
  return s.sentLogin !== undefined ||
    (s.options.pipelineLogin ?? welcomePipelinesLogin(s.welcome));
}

/**
 * Logs the session in (`FtpClient.login`): pipelined where
 * {@link pipelinesLogin}, else USER, PASS and ACCT one by one, then what
 * follows a login.
 *
 * @example
 * ```ts
 * const reply = await loginSequence(session, client, "bob", "secret", "");
 * ```
 */
export async function loginSequence(
  s: ClientSession,
  commands: AfterLogin,
  user: string,
  password: string,
  account: string,
  onPasswordSent?: () => void,
): Promise<Reply> {
  if (pipelinesLogin(s)) {
    return await pipelinedLogin(s, commands, user, password, account, onPasswordSent);
  }
  let told = false;
  const tell = () => {
    if (!told) onPasswordSent?.();
    told = true;
  };
  const reply = await s.exclusive(async () => {
    let reply: Reply;
    try {
      reply = await s.control.command(`USER ${user}`);
      if (reply.code === 331) {
        s.control.send(`PASS ${password}`);
        tell();
        reply = await s.control.read(undefined, `PASS ${password}`);
      }
    } finally {
      tell();
    }
    if (reply.code === 332) reply = await s.control.command(`ACCT ${account}`);
    if (reply.code !== 230 && reply.code !== 202) throw loginRefused(reply, who(s, user));
    s.loggedIn = true;
    return reply;
  });
  await afterLogin(s, commands);
  return reply;
}

/** Who logs in where, for a refusal's message: `bob@127.0.0.1:21`. */
function who(s: ClientSession, user: string): string {
  return `${user}@${s.control.peer}`;
}

/** PBSZ/PROT under TLS, then OPTS UTF8 ON when offered. */
async function afterLogin(s: ClientSession, commands: AfterLogin): Promise<void> {
  if (s.options.nudgeAcks) s.control.nudgeAcks = true;
  if (s.secure) await commands.prot(s.options.dataProtection ?? "P");
  if (s.options.encoding === "utf-8") {
    const ahead = s.features ? undefined : s.options.featuresAhead;
    const onAhead = (replies: Reply[]) => {
      ahead?.onReplies(replies);
      if (ahead) keepAheadAnswers(s, ahead.lines, replies);
    };
    const features = await commands.features(ahead ? { ahead: ahead.lines, onAhead } : {})
      .catch(() => new Map<string, string>());
    if (features.has("UTF8")) await commands.sendcmd("OPTS UTF8 ON").catch(() => undefined);
  }
}

/**
 * USER, PASS and the commands after a login in one write. Sent before the
 * login's outcome is known, those commands are answered 530 when it fails
 * (the login's error is thrown) and are asked again when the server wants
 * an account (332) first.
 */
async function pipelinedLogin(
  s: ClientSession,
  commands: AfterLogin,
  user: string,
  password: string,
  account: string,
  onPasswordSent?: () => void,
): Promise<Reply> {
  const level = s.options.dataProtection ?? "P";
  const lineOptions = {
    secure: s.secure,
    level,
    utf8: s.options.encoding === "utf-8",
    features: s.features,
    // No PWD: the host's own PWD (FtpHost.connect) is the session's first timed round
    // trip, which tells a far server from a near one (`fastestReplyMs`); a pipelined
    // reply's time says little (the server answers USER after its own work).
    portAhead: s.portAheadAtLogin ? "A" as const : undefined,
  };
  const sent = s.sentLogin;
  s.sentLogin = undefined;
  const lines = pipelinedLoginLines(user, password, lineOptions);
  // `featuresAhead` goes behind FEAT, as `afterLogin` sends it; OPTS UTF8 ON then only
  // when FEAT offers UTF8 (see `takeLoginAnswers`), as there.
  const ahead = sent || s.features || !lineOptions.utf8 ? undefined : s.options.featuresAhead;
  // A login written ahead (the CLI's head start) chose its own lines after USER and PASS.
  const after = sent
    ? sent.slice(2)
    : ahead
    ? [...loginAfterLines({ ...lineOptions, utf8: false }), "FEAT", ...ahead.lines]
    : loginAfterLines(lineOptions);
  if (sent && sent.slice(0, 2).join("\n") !== lines.slice(0, 2).join("\n")) {
    // Another login is on the wire already: its replies would be taken for these.
    s.control.destroy();
    throw new FtpError("internal: login differs from the one sent ahead", { code: "EINVAL" });
  }
  const { reply, answers } = await s.exclusive(async () => {
    try {
      if (!sent) s.control.sendMany([...lines.slice(0, 2), ...after]);
    } finally {
      onPasswordSent?.();
    }
    // The replies to the lines behind PASS come from a logged-in session: nudged too.
    if (s.options.nudgeAcks) s.control.nudgeAcks = true;
    // A refusal is thrown as soon as it is read (a server that turns a session away
    // may hang up before answering the rest); the replies still on their way would be
    // out of step, so the connection is closed then.
    const refuse = (reply: Reply): never => {
      s.control.destroy();
      throw loginRefused(reply, who(s, user));
    };
    const userReply = await s.control.read(s.timeout, `USER ${user}`);
    if (userReply.code >= 400) refuse(userReply);
    const passReply = await s.control.read(s.timeout, "PASS");
    // 230 to USER: no password wanted (PASS then gets 503 or 230, ignored).
    let reply = userReply.code === 331 ? passReply : userReply;
    if (reply.code >= 400) refuse(reply);
    s.loggedIn = reply.code === 230 || reply.code === 202;
    const answers: Reply[] = [];
    for (const line of after) {
      answers.push(await s.control.read(s.timeout, line));
    }
    if (reply.code === 332) {
      reply = await s.control.command(`ACCT ${account}`);
      answers.length = 0; // answered before the account was given: ask again below
    }
    if (reply.code !== 230 && reply.code !== 202) throw loginRefused(reply, who(s, user));
    s.loggedIn = true;
    return { reply, answers };
  });
  if (answers.length === 0) {
    await afterLogin(s, commands);
    return reply;
  }
  if (s.options.nudgeAcks) s.control.nudgeAcks = true;
  const probed = ahead ? answers.length - ahead.lines.length : answers.length;
  await takeLoginAnswers(s, commands, after.slice(0, probed), answers.slice(0, probed), level);
  if (ahead) {
    ahead.onReplies(answers.slice(probed));
    keepAheadAnswers(s, ahead.lines, answers.slice(probed));
  }
  return reply;
}

/**
 * What the session takes from the replies to `featuresAhead`'s lines: a
 * TYPE's (the session's type) and the MLSTs' (see {@link mlst}).
 */
function keepAheadAnswers(
  s: ClientSession,
  lines: readonly string[],
  replies: readonly Reply[],
): void {
  const stats = new Map<string, Reply>();
  for (const [i, line] of lines.entries()) {
    const answer = replies[i];
    if (!answer) break;
    if (/^TYPE [AI]$/.test(line) && answer.code >= 200 && answer.code < 300) {
      s.type = line.slice(5) as "A" | "I";
    } else if (line.startsWith("MLST ")) stats.set(line, answer);
  }
  if (stats.size > 0) {
    s.loginStats = { replies: stats, sent: s.control.sentLines };
  }
}

/** The replies to the commands a pipelined login sent after USER and PASS, in turn. */
async function takeLoginAnswers(
  s: ClientSession,
  commands: AfterLogin,
  after: readonly string[],
  answers: Reply[],
  level: "P" | "C",
): Promise<void> {
  let utf8Asked = false;
  let feat: Reply | undefined;
  for (const [i, line] of after.entries()) {
    const answer = answers[i];
    const ok = answer.code >= 200 && answer.code < 300;
    if (line === "PBSZ 0" || line.startsWith("PROT ")) {
      if (!ok) throw errorForReply(answer, line);
      if (line.startsWith("PROT ")) s.dataProtected = level === "P";
    } else if (line === "FEAT") {
      feat = answer;
      const refused = answer.code >= 400 ? errorForReply(answer, "FEAT") : undefined;
      if (!refused) s.features = parseFeatures(answer);
      else if (refused instanceof CommandNotImplementedError) s.features = new Map();
    } else if (line === "OPTS UTF8 ON") {
      utf8Asked = true; // a refusal (a server without UTF8) is passed over
    } else if (line === "PWD") {
      if (answer.code === 257) {
        s.loginDir = { reply: answer, sent: s.control.sentLines };
      }
    } else if (line.startsWith("TYPE ")) {
      if (ok) s.type = line.slice(5) as "A" | "I";
    } else if (line === "EPSV") {
      s.ready = undefined;
      if (answer.code === 229) {
        try {
          s.ready = { port: parseEpsv(answer.text), at: performance.now() };
          s.channel.epsvWorked = true; // as a 229 to a transfer's EPSV says (data.ts)
        } catch { /* no port to keep */ }
      } else if (answer.code >= 500) s.channel.epsv = false; // PASV from now on
    }
  }
  // A login sent ahead with FEAT but without OPTS UTF8 ON.
  if (feat && !utf8Asked && s.features?.has("UTF8")) {
    await commands.sendcmd("OPTS UTF8 ON").catch(() => undefined);
  }
}
