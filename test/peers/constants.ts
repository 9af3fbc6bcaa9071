/**
 * Where the real peers live on Debian and who vsftpd serves: shared by detection
 * (skip.ts) and the starters without pulling the starters into every test.
 * @module
 */

/** The system Python: Debian's pyftpdlib/ftputil are installed for it, not for a pyenv python3. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** Debian's vsftpd binary. */
export const VSFTPD_BINARY = "/usr/sbin/vsftpd";

/** The one local system user every vsftpd peer serves (vsftpd logs local users in via PAM). */
export const VSFTPD_USER = "ferrytest";

/** Its fixed password: a throwaway account on test machines only. */
export const VSFTPD_PASSWORD = "ferrytest-pw";
