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
  /**
   * A long reply (see `ReplyParser.longReplies`) went past its byte cap: the
   * lines after it were read to the end of the reply and dropped.
   */
  truncated?: true;
  /**
   * A line of the reply ended in a bare LF, not CR LF (a multi-line reply):
   * in a listing sent over the control connection, a name with a line feed.
   */
  bareLineFeed?: true;
}
