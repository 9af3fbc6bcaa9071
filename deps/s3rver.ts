/**
 * s3rver: a Node S3 API server, used by the tests and bench/ only (never by the
 * library or the CLI): the s3 plugin is tested against it on a free loopback port.
 * Deno resolves it from npm like any import, so CI needs nothing extra.
 * @module
 */
export { default as S3rver } from "npm:s3rver@^3.7.1";
