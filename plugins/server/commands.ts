/**
 * The command table (pyftpdlib's `proto_cmds`): for each command its
 * permission letter, whether login is needed, its argument rule, whether the
 * argument is a path, and its HELP text. The session's gate applies it before
 * any handler runs; HELP is derived from it. The server hands it to each
 * session (SessionHost.commands), so session.ts does not import this file.
 * @module
 */
import * as access from "./cmd_access.ts";
import * as files from "./cmd_files.ts";
import * as misc from "./cmd_misc.ts";
import * as xfer from "./cmd_transfer.ts";
import type { CommandSpec } from "./session.ts";

export type { CommandSpec, Handler } from "./session.ts";
export { URGENT_WHILE_TRANSFER } from "./session.ts";

const c = (spec: CommandSpec) => spec;

/** Every command the server understands. */
export const COMMANDS: Record<string, CommandSpec> = {
  ABOR: c({ auth: true, arg: "none", help: "Syntax: ABOR (abort transfer).", handler: xfer.ABOR }),
  ALLO: c({
    auth: true,
    arg: "required",
    help: "Syntax: ALLO <SP> bytes (noop; allocate storage).",
    handler: misc.ALLO,
  }),
  APPE: c({
    perm: "a",
    auth: true,
    arg: "required",
    path: true,
    help: "Syntax: APPE <SP> file-name (append data to file).",
    handler: xfer.APPE,
  }),
  AUTH: c({
    auth: false,
    arg: "required",
    help: "Syntax: AUTH <SP> TLS|SSL (set up secure control channel).",
    handler: access.AUTH,
  }),
  CDUP: c({
    auth: true,
    arg: "none",
    help: "Syntax: CDUP (go to parent directory).",
    handler: files.CDUP,
  }),
  CWD: c({
    perm: "e",
    auth: true,
    arg: "optional",
    path: true,
    dirTarget: true,
    help: "Syntax: CWD [<SP> dir-name] (change working directory).",
    handler: files.CWD,
  }),
  DELE: c({
    perm: "d",
    auth: true,
    arg: "required",
    path: true,
    help: "Syntax: DELE <SP> file-name (delete file).",
    handler: files.DELE,
  }),
  EPRT: c({
    auth: true,
    arg: "required",
    help: "Syntax: EPRT <SP> |proto|ip|port| (extended active mode).",
    handler: misc.EPRT,
  }),
  EPSV: c({
    auth: true,
    arg: "optional",
    help: 'Syntax: EPSV [<SP> proto/"ALL"] (extended passive mode).',
    handler: misc.EPSV,
  }),
  FEAT: c({
    auth: false,
    arg: "none",
    help: "Syntax: FEAT (list all new features supported).",
    handler: misc.FEAT,
  }),
  HASH: c({
    perm: "r",
    auth: true,
    arg: "required",
    path: true,
    help: "Syntax: HASH <SP> file-name (hash of a file, see OPTS HASH).",
    handler: files.HASH,
  }),
  HELP: c({
    auth: false,
    arg: "optional",
    help: "Syntax: HELP [<SP> cmd] (show help).",
    handler: misc.HELP,
  }),
  LIST: c({
    perm: "l",
    auth: true,
    arg: "optional",
    path: true,
    dirTarget: true,
    listing: true,
    help: "Syntax: LIST [<SP> path] (list files).",
    handler: xfer.LIST,
  }),
  MDTM: c({
    perm: "l",
    auth: true,
    arg: "required",
    path: true,
    help: "Syntax: MDTM [<SP> path] (file last modification time).",
    handler: files.MDTM,
  }),
  MFMT: c({
    auth: true,
    arg: "required",
    help: "Syntax: MFMT <SP> timeval <SP> path (file update last modification time).",
    handler: files.MFMT,
  }),
  MKD: c({
    perm: "m",
    auth: true,
    arg: "required",
    path: true,
    help: "Syntax: MKD <SP> path (create directory).",
    handler: files.MKD,
  }),
  MLSD: c({
    perm: "l",
    auth: true,
    arg: "optional",
    path: true,
    dirTarget: true,
    help: "Syntax: MLSD [<SP> path] (list directory).",
    handler: xfer.MLSD,
  }),
  MLST: c({
    perm: "l",
    auth: true,
    arg: "optional",
    path: true,
    help: "Syntax: MLST [<SP> path] (show information about path).",
    handler: xfer.MLST,
  }),
  MODE: c({
    auth: true,
    arg: "required",
    help: "Syntax: MODE <SP> mode (noop; set data transfer mode).",
    handler: misc.MODE,
  }),
  NLST: c({
    perm: "l",
    auth: true,
    arg: "optional",
    path: true,
    dirTarget: true,
    listing: true,
    help: "Syntax: NLST [<SP> path] (list path in a compact form).",
    handler: xfer.NLST,
  }),
  NOOP: c({
    auth: false,
    arg: "none",
    help: "Syntax: NOOP (just do nothing).",
    handler: misc.NOOP,
  }),
  OPTS: c({
    auth: true,
    arg: "required",
    help: "Syntax: OPTS <SP> cmd [<SP> option] (set option for command).",
    handler: misc.OPTS,
  }),
  PASS: c({
    auth: false,
    arg: "optional",
    help: "Syntax: PASS [<SP> password] (set user password).",
    handler: access.PASS,
  }),
  PASV: c({
    auth: true,
    arg: "none",
    help: "Syntax: PASV (open passive data connection).",
    handler: misc.PASV,
  }),
  PBSZ: c({
    auth: false,
    arg: "required",
    help: "Syntax: PBSZ <SP> 0 (negotiate TLS buffer).",
    handler: access.PBSZ,
  }),
  PORT: c({
    auth: true,
    arg: "required",
    help: "Syntax: PORT <sp> h,h,h,h,p,p (open active data connection).",
    handler: misc.PORT,
  }),
  PROT: c({
    auth: false,
    arg: "required",
    help: "Syntax: PROT <SP> [C|P] (set up un/secure data channel).",
    handler: access.PROT,
  }),
  PWD: c({
    auth: true,
    arg: "none",
    help: "Syntax: PWD (get current working directory).",
    handler: files.PWD,
  }),
  QUIT: c({
    auth: false,
    arg: "none",
    help: "Syntax: QUIT (quit current session).",
    handler: access.QUIT,
  }),
  REIN: c({ auth: true, arg: "none", help: "Syntax: REIN (flush account).", handler: access.REIN }),
  REST: c({
    auth: true,
    arg: "required",
    help: "Syntax: REST <SP> offset (set file offset).",
    handler: xfer.REST,
  }),
  RETR: c({
    perm: "r",
    auth: true,
    arg: "required",
    path: true,
    help: "Syntax: RETR <SP> file-name (retrieve a file).",
    handler: xfer.RETR,
  }),
  RMD: c({
    perm: "d",
    auth: true,
    arg: "required",
    path: true,
    dirTarget: true,
    help: "Syntax: RMD <SP> dir-name (remove directory).",
    handler: files.RMD,
  }),
  RNFR: c({
    perm: "f",
    auth: true,
    arg: "required",
    path: true,
    help: "Syntax: RNFR <SP> file-name (rename (source name)).",
    handler: files.RNFR,
  }),
  RNTO: c({
    perm: "f",
    auth: true,
    arg: "required",
    path: true,
    help: "Syntax: RNTO <SP> file-name (rename (destination name)).",
    handler: files.RNTO,
  }),
  SITE: c({
    auth: false,
    arg: "required",
    help: "Syntax: SITE <SP> site-command (execute SITE command).",
    handler: () => {},
  }),
  "SITE CHMOD": c({
    auth: true,
    arg: "required",
    help: "Syntax: SITE CHMOD <SP> mode path (change file mode).",
    handler: files.SITE_CHMOD,
  }),
  "SITE HELP": c({
    auth: false,
    arg: "optional",
    help: "Syntax: SITE HELP [<SP> cmd] (show SITE command help).",
    handler: files.SITE_HELP,
  }),
  SIZE: c({
    perm: "l",
    auth: true,
    arg: "required",
    path: true,
    help: "Syntax: SIZE <SP> file-name (get file size).",
    handler: files.SIZE,
  }),
  STAT: c({
    auth: false,
    arg: "optional",
    help: "Syntax: STAT [<SP> path name] (server stats [list files]).",
    handler: xfer.STAT,
  }),
  STOR: c({
    perm: "w",
    auth: true,
    arg: "required",
    path: true,
    help: "Syntax: STOR <SP> file-name (store a file).",
    handler: xfer.STOR,
  }),
  STOU: c({
    auth: true,
    arg: "optional",
    help: "Syntax: STOU [<SP> name] (store a file with a unique name).",
    handler: xfer.STOU,
  }),
  STRU: c({
    auth: true,
    arg: "required",
    help: "Syntax: STRU <SP> type (noop; set file structure).",
    handler: misc.STRU,
  }),
  SYST: c({
    auth: false,
    arg: "none",
    help: "Syntax: SYST (get operating system type).",
    handler: misc.SYST,
  }),
  TYPE: c({
    auth: true,
    arg: "required",
    help: "Syntax: TYPE <SP> [A | I] (set transfer type).",
    handler: misc.TYPE,
  }),
  USER: c({
    auth: false,
    arg: "required",
    help: "Syntax: USER <SP> user-name (set username).",
    handler: access.USER,
  }),
};

// RFC 1123 X* synonyms share their RFC 959 twin's row.
COMMANDS.XCUP = { ...COMMANDS.CDUP, help: "Syntax: XCUP (obsolete; go to parent directory)." };
COMMANDS.XCWD = {
  ...COMMANDS.CWD,
  help: "Syntax: XCWD [<SP> dir-name] (obsolete; change directory).",
};
COMMANDS.XMKD = { ...COMMANDS.MKD, help: "Syntax: XMKD <SP> path (obsolete; create directory)." };
COMMANDS.XPWD = { ...COMMANDS.PWD, help: "Syntax: XPWD (obsolete; get current dir)." };
COMMANDS.XRMD = {
  ...COMMANDS.RMD,
  help: "Syntax: XRMD <SP> dir-name (obsolete; remove directory).",
};
