/**
 * Turns on a session's working directory. A sequence that moves it (CWD in,
 * something there, CWD back) or depends on where it is (a LIST with no path)
 * must not be cut by another one on the same session: a listing of
 * `/sp ace` made from inside it lists `/` when a concurrent check's CWD lands
 * between its CWD and its LIST. Every such sequence runs in {@link cwdTurn}
 * of its session, one at a time, in the order they asked. Commands on
 * absolute paths need no turn. A turn is not reentrant: inside one, use the
 * plain commands (`cwd`, `list("")`), never a function that takes a turn.
 * @module
 */

const turns = new WeakMap<object, Promise<unknown>>();

/**
 * A session object that is a view of another (a plugin's dialect over an
 * `FtpClient`) names the object whose turns it shares under this key: turns
 * taken on the view and on what it wraps are one queue.
 */
export const CWD_TURN_KEY: unique symbol = Symbol.for("ferry.cwdTurnKey");

/**
 * Runs `fn` once every sequence that asked for a turn on `session` before it
 * is done (whether it failed or not); its result or error is `fn`'s.
 *
 * @example
 * ```ts
 * const names = await cwdTurn(client, async () => {
 *   const back = await client.pwd();
 *   await client.cwd("/sp ace");
 *   try {
 *     return await client.nlst();
 *   } finally {
 *     await client.cwd(back);
 *   }
 * });
 * ```
 */
export function cwdTurn<T>(of: object, fn: () => Promise<T>): Promise<T> {
  const session = (of as { [CWD_TURN_KEY]?: object })[CWD_TURN_KEY] ?? of;
  const run = (turns.get(session) ?? Promise.resolve()).then(fn);
  const done = run.then(() => {}, () => {});
  turns.set(session, done);
  done.then(() => {
    if (turns.get(session) === done) turns.delete(session);
  });
  return run;
}
