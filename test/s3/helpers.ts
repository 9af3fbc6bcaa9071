/**
 * What the s3 tests do with a running s3rver: open the plugin's endpoint on
 * its bucket with its keys, and record the requests it answers.
 * @module
 */
import { openS3, type S3Endpoint } from "../../plugins/s3/mod.ts";
import type { AnsweredRequest, S3rverHandle } from "./s3rver.ts";

/**
 * An S3 endpoint at `s3://BUCKET/PREFIX` of `s3`, with s3rver's keys;
 * `options` add to (or override) the endpoint option.
 *
 * @example
 * ```ts
 * await using s3 = await startS3rver();
 * const ep = await openOn(s3, "sp", { uploadCutoff: 10 * 1024 * 1024 });
 * ```
 */
export async function openOn(
  s3: Pick<S3rverHandle, "bucket" | "endpoint" | "accessKeyId" | "secretAccessKey">,
  prefix = "",
  options: Record<string, unknown> = {},
): Promise<S3Endpoint> {
  return await openS3(new URL(`s3://${s3.bucket}/${prefix}`), {
    credentials: { s3: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } },
    options: { endpoint: s3.endpoint, ...options },
  }) as S3Endpoint;
}

/**
 * Keeps every request `s3` answers from now on in `seen`, until `stop()`.
 *
 * @example
 * ```ts
 * const { seen, stop } = recordRequests(s3);
 * await ep.mkdir("t");
 * stop();
 * ```
 */
export function recordRequests(
  s3: Pick<S3rverHandle, "observe">,
): { seen: AnsweredRequest[]; stop: () => void } {
  const seen: AnsweredRequest[] = [];
  return { seen, stop: s3.observe((r) => seen.push(r)) };
}
