/**
 * Connection and negotiation commands: PASV/EPSV/PORT/EPRT, TYPE/MODE/STRU,
 * ALLO, FEAT, OPTS, HELP, SYST, NOOP.
 * @module
 */
import net from "node:net";
import { HASH_ALGORITHMS } from "./cmd_files.ts";
import { parseEprt, parsePort } from "./data.ts";
import { ReplyError } from "./errors.ts";
import { MLST_FACTS } from "./listing.ts";
import type { Session } from "./session.ts";

function requireDataTls(s: Session) {
  if (s.options.tlsDataRequired && s.prot !== "P") {
    throw new ReplyError(550, "SSL/TLS required on the data channel.");
  }
}

/**
 * PASV: 227 with the (masqueraded) IPv4 address.
 *
 * @example
 * ```text
 * C: PASV
 * S: 227 Entering passive mode (127,0,0,1,156,64).
 * ```
 */
export function PASV(s: Session): void | Promise<void> {
  requireDataTls(s);
  if (s.state.epsvAll) throw new ReplyError(501, "PASV not allowed after EPSV ALL.");
  const ip = s.data.advertisedAddress();
  if (!net.isIPv4(ip)) throw new ReplyError(425, "PASV needs IPv4; use EPSV.");
  const answer = (port: number) =>
    s.reply(227, `Entering passive mode (${ip.replaceAll(".", ",")},${port >> 8},${port & 255}).`);
  return passiveThen(s, answer);
}

/**
 * Opens the passive listener and answers with its port: synchronously for a
 * plain one (the usual case: no promise for the command), after the bind
 * for PROT P's node:net listener.
 */
function passiveThen(s: Session, answer: (port: number) => void): void | Promise<void> {
  const port = s.data.passive(s.prot === "P");
  if (typeof port !== "number") return port.then(answer);
  answer(port);
}

/**
 * EPSV [1|2|ALL]: 229 with the port only (no address, so NAT-proof).
 *
 * @example
 * ```text
 * C: EPSV
 * S: 229 Entering extended passive mode (|||40000|).
 * ```
 */
export function EPSV(s: Session, arg: string): void | Promise<void> {
  requireDataTls(s);
  const a = arg.trim().toUpperCase();
  if (a === "ALL") {
    s.state.epsvAll = true;
    s.reply(200, "EPSV ALL ok.");
    return;
  }
  // The control connection's own address (plainIp: a mapped IPv4 is IPv4): an
  // IPv6 one has a colon, an IPv4 one never (no regular expression per EPSV).
  const family = s.localAddress.includes(":") ? "2" : "1";
  if (a && a !== family) {
    throw new ReplyError(522, `Network protocol not supported, use (${family}).`);
  }
  return passiveThen(s, (port) => s.reply(229, `Entering extended passive mode (|||${port}|).`));
}

/**
 * PORT h1,h2,h3,h4,p1,p2 (bounce checks in DataChannel.active).
 *
 * @example
 * ```text
 * C: PORT 127,0,0,1,156,64
 * S: 200 Active data connection established.
 * ```
 */
export async function PORT(s: Session, arg: string): Promise<void> {
  requireDataTls(s);
  if (s.state.epsvAll) throw new ReplyError(501, "PORT not allowed after EPSV ALL.");
  const target = parsePort(arg);
  if (!target) throw new ReplyError(501, "Invalid PORT format.");
  if (!net.isIPv4(s.remoteAddress)) throw new ReplyError(425, "PORT needs IPv4; use EPRT.");
  await s.data.active(target.host, target.port);
  s.reply(200, "Active data connection established.");
}

/**
 * EPRT |af|host|port|.
 *
 * @example
 * ```text
 * C: EPRT |1|127.0.0.1|40000|
 * S: 200 Active data connection established.
 * ```
 */
export async function EPRT(s: Session, arg: string): Promise<void> {
  requireDataTls(s);
  if (s.state.epsvAll) throw new ReplyError(501, "EPRT not allowed after EPSV ALL.");
  const target = parseEprt(arg.trim());
  if (!target) throw new ReplyError(501, "Invalid EPRT format.");
  const family = net.isIPv6(s.remoteAddress) ? 2 : 1;
  if (target.family !== family || target.port < 0) {
    throw new ReplyError(522, `Network protocol not supported, use (${family}).`);
  }
  await s.data.active(target.host, target.port);
  s.reply(200, "Active data connection established.");
}

/**
 * TYPE A | I | L 8.
 *
 * @example
 * ```text
 * C: TYPE I
 * S: 200 Type set to: Binary.
 * ```
 */
export function TYPE(s: Session, arg: string): void {
  const t = arg.trim().toUpperCase().replace(/\s+/g, " ");
  if (t === "A" || t === "A N") {
    s.state.type = "A";
    s.reply(200, "Type set to: ASCII.");
  } else if (t === "I" || t === "L8" || t === "L 8") {
    s.state.type = "I";
    s.reply(200, "Type set to: Binary.");
  } else throw new ReplyError(504, `Unsupported type "${arg.slice(0, 10)}".`);
}

/**
 * MODE S only.
 *
 * @example
 * ```text
 * C: MODE S
 * S: 200 Transfer mode set to: S
 * ```
 */
export function MODE(s: Session, arg: string): void {
  const m = arg.trim().toUpperCase();
  if (m === "S") s.reply(200, "Transfer mode set to: S");
  else if (m === "B" || m === "C" || m === "Z") {
    throw new ReplyError(504, "Unimplemented MODE type.");
  } else throw new ReplyError(501, "Unrecognized MODE type.");
}

/**
 * STRU F only.
 *
 * @example
 * ```text
 * C: STRU F
 * S: 200 File transfer structure set to: F.
 * ```
 */
export function STRU(s: Session, arg: string): void {
  const m = arg.trim().toUpperCase();
  if (m === "F") s.reply(200, "File transfer structure set to: F.");
  else if (m === "P" || m === "R") throw new ReplyError(504, "Unimplemented STRU type.");
  else throw new ReplyError(501, "Unrecognized STRU type.");
}

/**
 * ALLO: nothing to allocate.
 *
 * @example
 * ```text
 * C: ALLO 1000
 * S: 202 No storage allocation necessary.
 * ```
 */
export function ALLO(s: Session): void {
  s.reply(202, "No storage allocation necessary.");
}

/**
 * SYST.
 *
 * @example
 * ```text
 * C: SYST
 * S: 215 UNIX Type: L8
 * ```
 */
export function SYST(s: Session): void {
  s.reply(215, "UNIX Type: L8");
}

/**
 * NOOP.
 *
 * @example
 * ```text
 * C: NOOP
 * S: 200 NOOP ok.
 * ```
 */
export function NOOP(s: Session): void {
  s.reply(200, "NOOP ok.");
}

/**
 * FEAT: derived from configuration and the served endpoint's capabilities.
 *
 * @example
 * ```text
 * C: FEAT
 * S: 211-Features supported: ... 211 End FEAT.
 * ```
 */
export function FEAT(s: Session): void {
  const caps = (s.state.account?.endpoint ?? s.options.endpoint).capabilities();
  const feats: string[] = [];
  if (s.host.tlsContext) feats.push("AUTH TLS", "AUTH SSL");
  feats.push("EPRT", "EPSV");
  feats.push(
    "HASH " +
      Object.keys(HASH_ALGORITHMS).map((a) => a === s.state.hashAlgorithm ? `${a}*` : a).join(";"),
  );
  feats.push("MDTM");
  if (caps.setMtime) feats.push("MFMT");
  feats.push(
    "MLST " + MLST_FACTS.map((f) => s.state.mlstFacts.includes(f) ? `${f}*;` : `${f};`).join(""),
  );
  if (s.host.tlsContext) feats.push("PBSZ", "PROT");
  feats.push("REST STREAM", "SIZE", "TVFS", "UTF8");
  s.reply(211, ["Features supported:", ...feats, "End FEAT."].join("\n"));
}

/**
 * OPTS UTF8 | MLST facts | HASH [algorithm].
 *
 * @example
 * ```text
 * C: OPTS HASH SHA-1
 * S: 200 SHA-1
 * ```
 */
export function OPTS(s: Session, arg: string): void {
  const [what, ...rest] = arg.trim().split(/\s+/);
  const value = rest.join(" ");
  switch (what.toUpperCase()) {
    case "UTF8":
    case "UTF-8":
      s.reply(200, "Always in UTF8 mode.");
      return;
    case "MLST": {
      const wanted = value.toLowerCase().split(";").filter((f) => f);
      s.state.mlstFacts = MLST_FACTS.filter((f) => wanted.includes(f));
      if (!value) s.state.mlstFacts = [];
      s.reply(200, `MLST OPTS ${s.state.mlstFacts.map((f) => `${f};`).join("")}`);
      return;
    }
    case "HASH": {
      if (!value) {
        s.reply(200, s.state.hashAlgorithm);
        return;
      }
      const algo = Object.keys(HASH_ALGORITHMS).find((a) => a === value.toUpperCase());
      if (!algo) throw new ReplyError(501, "Unknown algorithm, current selection not changed.");
      s.state.hashAlgorithm = algo;
      s.reply(200, algo);
      return;
    }
  }
  throw new ReplyError(501, "Invalid argument.");
}

/**
 * HELP [command].
 *
 * @example
 * ```text
 * C: HELP MFMT
 * S: 214 Syntax: MFMT <SP> timeval <SP> path ...
 * ```
 */
export function HELP(s: Session, arg: string): void {
  if (arg) {
    const name = arg.trim().toUpperCase();
    const spec = s.host.commands[name];
    if (!spec) throw new ReplyError(501, "Unrecognized command.");
    s.reply(214, spec.help);
    return;
  }
  const names = Object.keys(s.host.commands).filter((n) => !n.includes(" ")).sort();
  const rows: string[] = [];
  for (let i = 0; i < names.length; i += 8) {
    rows.push(names.slice(i, i + 8).map((n) => n.padEnd(7)).join(" ").trimEnd());
  }
  s.reply(
    214,
    ["The following commands are recognized:", ...rows, "Help command successful."].join("\n"),
  );
}
