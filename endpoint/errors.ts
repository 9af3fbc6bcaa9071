/**
 * Errors of the endpoint contract. They carry OS-style codes (`ENOENT`, `EEXIST`,
 * ...) so code written against `Deno.errors`/Node conventions can branch on `code`.
 * @module
 */
import { FerryError } from "../util/errors.ts";

/** Base of all endpoint errors; `path` names the offending path. */
export class EndpointError extends FerryError {
  /** The offending path, relative to the endpoint root. */
  readonly path?: string;
  /** Makes the error; the message names the path (or operation) and the reason. */
  constructor(message: string, options: { code?: string; path?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? "EENDPOINT", cause: options.cause });
    this.path = options.path;
  }
}

/** The path does not exist. */
export class NotFoundError extends EndpointError {
  /** Makes the error; the message names the path (or operation) and the reason. */
  constructor(path: string, options: { cause?: unknown; message?: string } = {}) {
    super(options.message ?? `no such file or directory: ${path}`, {
      code: "ENOENT",
      path,
      cause: options.cause,
    });
  }
}

/** The path exists but should not (mkdir without parents, rename onto a directory...). */
export class AlreadyExistsError extends EndpointError {
  /** Makes the error; the message names the path (or operation) and the reason. */
  constructor(path: string, options: { cause?: unknown } = {}) {
    super(`already exists: ${path}`, { code: "EEXIST", path, cause: options.cause });
  }
}

/** A directory was expected. */
export class NotADirectoryError extends EndpointError {
  /** Makes the error; the message names the path (or operation) and the reason. */
  constructor(path: string, options: { cause?: unknown; message?: string } = {}) {
    super(options.message ?? `not a directory: ${path}`, {
      code: "ENOTDIR",
      path,
      cause: options.cause,
    });
  }
}

/** A file was expected. */
export class IsADirectoryError extends EndpointError {
  /** Makes the error; the message names the path (or operation) and the reason. */
  constructor(path: string, options: { cause?: unknown } = {}) {
    super(`is a directory: ${path}`, { code: "EISDIR", path, cause: options.cause });
  }
}

/** rmdir on a directory that still has entries. */
export class NotEmptyError extends EndpointError {
  /** Makes the error; the message names the path (or operation) and the reason. */
  constructor(path: string, options: { cause?: unknown } = {}) {
    super(`directory not empty: ${path}`, { code: "ENOTEMPTY", path, cause: options.cause });
  }
}

/** The backend refused for lack of permission. */
export class PermissionDeniedError extends EndpointError {
  /** Makes the error; the message names the path (or operation) and the reason. */
  constructor(path: string, options: { cause?: unknown; message?: string } = {}) {
    super(options.message ?? `permission denied: ${path}`, {
      code: "EACCES",
      path,
      cause: options.cause,
    });
  }
}

/** The operation is not supported by this backend (see `capabilities()`). */
export class UnsupportedError extends EndpointError {
  /** Makes the error; the message names the path (or operation) and the reason. */
  constructor(operation: string, url: string, options: { cause?: unknown } = {}) {
    super(`${operation} is not supported by ${url}`, { code: "ENOTSUP", cause: options.cause });
  }
}

/** A path that would leave the endpoint root or contains forbidden characters. */
export class InvalidPathError extends EndpointError {
  /** Makes the error; the message names the path (or operation) and the reason. */
  constructor(path: string, reason: string) {
    super(`invalid path ${JSON.stringify(path)}: ${reason}`, { code: "EINVAL", path });
  }
}

/**
 * A write ended with a different number of bytes than `WriteOptions.size` said.
 * An atomic write that fails this way leaves the target as it was.
 */
export class SizeMismatchError extends EndpointError {
  /** The size the write was told to produce. */
  readonly expected: number;
  /** The size that arrived. */
  readonly actual: number;
  /** Makes the error; the message names the path (or operation) and the reason. */
  constructor(path: string, expected: number, actual: number) {
    super(`size mismatch for ${path}: expected ${expected} bytes, got ${actual}`, {
      code: "ESIZE",
      path,
    });
    this.expected = expected;
    this.actual = actual;
  }
}

/** A resumed write's offset is not the size of the partial data that is there. */
export class InvalidOffsetError extends EndpointError {
  /** The offset asked for. */
  readonly offset: number;
  /** How many bytes there are to resume from. */
  readonly available: number;
  /** Makes the error; the message names the path (or operation) and the reason. */
  constructor(path: string, offset: number, available: number, options: { cause?: unknown } = {}) {
    super(`cannot resume ${path} at offset ${offset}: the partial data has ${available} bytes`, {
      code: "ERANGE",
      path,
      cause: options.cause,
    });
    this.offset = offset;
    this.available = available;
  }
}

/** Following symlinks went round in a circle (or too deep). */
export class SymlinkLoopError extends EndpointError {
  /** Makes the error; the message names the path (or operation) and the reason. */
  constructor(path: string) {
    super(`too many levels of symbolic links: ${path}`, { code: "ELOOP", path });
  }
}

/** An endpoint URL whose scheme no built-in or plugin handles. */
export class UnknownSchemeError extends EndpointError {
  /** The scheme no opener knows. */
  readonly scheme: string;
  /** Makes the error; the message names the path (or operation) and the reason. */
  constructor(scheme: string, known: string[]) {
    super(`no endpoint handles ${scheme}: URLs (known: ${known.join(", ")})`, { code: "ESCHEME" });
    this.scheme = scheme;
  }
}
