/**
 * The endpoint conformance suite over s3:// against one s3rver, each case
 * in a fresh bucket prefix, at the root of the prefix tree and below it.
 */
import { runConformance } from "../conformance/suite.ts";
import { openOn } from "./helpers.ts";
import { type S3rverHandle, startS3rver } from "./s3rver.ts";

let server: Promise<S3rverHandle> | undefined;
let n = 0;

for (const below of ["", "/deeper/prefix"]) {
  runConformance(`s3 (s3rver${below ? `, below a prefix` : ""})`, async () => {
    const s3 = await (server ??= startS3rver());
    const endpoint = await openOn(s3, `case${++n}${below}`);
    return { endpoint, cleanup: () => Promise.resolve() };
  }, {
    sanitizeResources: false,
    sanitizeOps: false,
  });
}

Deno.test({
  name: "s3 conformance: stop s3rver",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (server) await (await server).stop();
  },
});
