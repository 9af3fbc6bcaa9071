/**
 * What an object (a stream above all) can do besides what its type says: a
 * backend offers a capability on the stream it returns, and the one consumer
 * that knows the capability takes it; every other consumer sees a plain stream.
 * rclone's backends offer optional features the same way, Go's readers
 * `io.WriterTo`. The uses: util/files.ts `ReadInto` (FTP and UFTP downloads),
 * endpoint/streams.ts `DirectRead` and `DirectWrite` (local files). Here, the
 * bottom layer, so that ftp/ and endpoint/ share one registry.
 * @module
 */

/** The key of one capability; `T` is what is offered under it. */
export interface Capability<T> {
  /** For messages and debugging only: keys are told apart by identity. */
  readonly name: string;
  /** Never set: carries `T`. */
  readonly offered?: T;
}

/**
 * A new capability key.
 *
 * @example
 * ```ts
 * const DIRECT_WRITE = capability<DirectWrite>("direct write");
 * ```
 */
export function capability<T>(name: string): Capability<T> {
  return { name };
}

const offers = new WeakMap<object, Map<Capability<unknown>, unknown>>();

/**
 * Says of `target` that it can also be used through `value`. Returns `target`.
 *
 * @example
 * ```ts
 * return offer(stream, DIRECT_WRITE, { writeSync: (chunk) => file.writeSync(chunk) });
 * ```
 */
export function offer<O extends object, T>(target: O, key: Capability<T>, value: T): O {
  let map = offers.get(target);
  if (!map) offers.set(target, map = new Map());
  map.set(key, value);
  return target;
}

/**
 * What was offered for `target` under `key`, handed over once: the offer is
 * then gone, so one consumer owns it. Undefined when nothing was offered.
 *
 * @example
 * ```ts
 * const direct = take(stream, DIRECT_WRITE);
 * ```
 */
export function take<T>(target: object, key: Capability<T>): T | undefined {
  const map = offers.get(target);
  if (!map?.has(key)) return undefined;
  const value = map.get(key) as T;
  map.delete(key);
  return value;
}

/**
 * {@link take} for a readable stream's reading side: only while nobody reads
 * the stream, which it then locks; the caller reads through `value` and
 * cancels through `reader` (which stops the source as cancelling the stream
 * would). Undefined for any other stream.
 *
 * @example
 * ```ts
 * const taken = takeReading(stream, READ_INTO);
 * if (taken) await taken.value.readInto(buffer);
 * ```
 */
export function takeReading<T>(
  stream: ReadableStream<Uint8Array>,
  key: Capability<T>,
): { value: T; reader: ReadableStreamDefaultReader<Uint8Array> } | undefined {
  if (stream.locked) return undefined;
  const value = take(stream, key);
  return value === undefined ? undefined : { value, reader: stream.getReader() };
}
