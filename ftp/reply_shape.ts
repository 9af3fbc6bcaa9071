/**
 * The shape of one FTP reply, below both the reply parser and the errors that
 * carry a reply (so neither imports the other back).
 * @module
 */

/** One complete server reply. */
export interface Reply {
  /** The three-digit code. */
  code: number;
  /** Every line of the reply, without line endings. */
  lines: string[];
  /** The text of all lines with the code prefixes removed, joined by "\n". */
  text: string;
}
