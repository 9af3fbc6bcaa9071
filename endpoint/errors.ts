/**
 * Errors of the endpoint contract. They carry OS-style codes (`ENOENT`, `EEXIST`,
 * ...) so code written against `Deno.errors`/Node conventions can branch on `code`.
 * @module
 */
import { FerryError } from "../util/errors.ts";

/** Base of all endpoint errors; `path` names the offending path. */
export class EndpointError extends FerryError {
  readonly path?: string;
  constructor(message: string, options: { code?: string; path?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? "EENDPOINT", cause: options.cause });
    this.path = options.path;
  }
}

/** The path does not exist. */
export class NotFoundError extends EndpointError {
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
  constructor(path: string, options: { cause?: unknown } = {}) {
    super(`already exists: ${path}`, { code: "EEXIST", path, cause: options.cause });
  }
}

/** A directory was expected. */
export class NotADirectoryError extends EndpointError {
  constructor(path: string) {
    super(`not a directory: ${path}`, { code: "ENOTDIR", path });
  }
}

/** A file was expected. */
export class IsADirectoryError extends EndpointError {
  constructor(path: string) {
    super(`is a directory: ${path}`, { code: "EISDIR", path });
  }
}

/** rmdir on a directory that still has entries. */
export class NotEmptyError extends EndpointError {
  constructor(path: string) {
    super(`directory not empty: ${path}`, { code: "ENOTEMPTY", path });
  }
}

/** The backend refused for lack of permission. */
export class PermissionDeniedError extends EndpointError {
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
  constructor(operation: string, url: string, options: { cause?: unknown } = {}) {
    super(`${operation} is not supported by ${url}`, { code: "ENOTSUP", cause: options.cause });
  }
}

/** A path that would leave the endpoint root or contains forbidden characters. */
export class InvalidPathError extends EndpointError {
  constructor(path: string, reason: string) {
    super(`invalid path ${JSON.stringify(path)}: ${reason}`, { code: "EINVAL", path });
  }
}
