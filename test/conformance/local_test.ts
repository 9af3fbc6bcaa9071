import { runConformance } from "./suite.ts";
import { LocalEndpoint } from "../../endpoint/local.ts";

runConformance("local", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ferry-conformance-" });
  return {
    endpoint: new LocalEndpoint(dir),
    cleanup: () => Deno.remove(dir, { recursive: true }),
  };
}, {
  symlink: (ep, target, path) => (ep as LocalEndpoint).symlink(target, path),
});
