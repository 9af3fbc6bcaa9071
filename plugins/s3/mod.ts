/**
 * The S3 plugin: `s3://BUCKET/PREFIX` endpoints for every job and command
 * (and `ferry serve`), the `s3` auth method, and the small SigV4 client they
 * run on. Keys and endpoint are found the way the AWS CLI finds them.
 *
 * @example
 * ```ts
 * import s3, { openS3 } from "./plugins/s3/mod.ts";
 * s3.endpointSchemes?.map((s) => s.scheme); // ["s3"]
 * const ep = await openS3(new URL("s3://my-bucket/backups"));
 * ```
 * @module
 */
import { definePlugin } from "../../plugin.ts";
import { s3Auth } from "./auth_method.ts";
import { openS3 } from "./open.ts";

export * from "./errors.ts";
export * from "./sigv4.ts";
export * from "./config.ts";
export * from "./client.ts";
export * from "./keys.ts";
export * from "./upload.ts";
export * from "./endpoint.ts";
export * from "./auth_method.ts";
export * from "./open.ts";
export * from "./mtime_cache.ts";

export default definePlugin({
  name: "s3",
  version: "0.1.0",
  description: "S3 object storage: s3://BUCKET/PREFIX endpoints and the s3 auth method",
  authMethods: [s3Auth],
  endpointSchemes: [{
    scheme: "s3",
    description:
      "s3://BUCKET/PREFIX (keys, region and endpoint as the AWS CLI finds them; options: endpoint, region, pathStyle)",
    options: {
      endpoint: {
        type: "string",
        description: "the S3 service's URL (default AWS's for the region)",
      },
      region: { type: "string" },
      pathStyle: { type: "boolean", description: "bucket in the path, not the host name" },
      profile: { type: "string", description: "AWS profile for keys and region" },
      uploadCutoff: {
        type: "integer",
        description: "objects up to this many bytes go up as one PUT (default 200 MiB)",
      },
      partSize: { type: "integer", description: "bytes per multipart part (min 5 MiB)" },
      partsInFlight: { type: "integer", description: "parts uploaded at once (default 4)" },
      headConcurrency: { type: "integer", description: "HEAD requests at once (default 16)" },
      listingTrustMs: {
        type: "integer",
        description: 'ms a listing answers "not there" without a request (default 30000)',
      },
    },
    open: openS3,
  }],
});
