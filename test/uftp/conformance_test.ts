/**
 * The endpoint conformance suite on `uftp://` endpoints against the
 * self-hosted stack: single-stream with a fresh authenticated session per
 * pool connection, and multi-stream with one persistent secret.
 */
import { UftpEndpoint } from "../../plugins/uftp/mod.ts";
import { runConformance } from "../conformance/suite.ts";
import { missingReason } from "../peers/skip.ts";
import { startTestSite } from "./_site.ts";

const ignore = missingReason("openssl") !== null && Deno.env.get("FERRY_REQUIRE_PEERS") !== "1";

for (
  const [label, options] of [
    ["fresh session per connection", {}],
    ["persistent secret, 2 streams", { persistent: true, streams: 2 }],
  ] as const
) {
  runConformance(`uftp (${label})`, async () => {
    const site = await startTestSite({ utcOffset: () => -420 });
    try {
      const endpoint = await UftpEndpoint.open(`${site.uftpUrl}/data`, {
        credentials: { user: "demouser", password: "test123" },
        tls: { ca: site.ca },
        timeout: 10,
        options,
      });
      return { endpoint, cleanup: () => site.close() };
    } catch (error) {
      await site.close();
      throw error;
    }
  }, { ignore });
}
