import { runConformance } from "./suite.ts";
import { MemoryEndpoint } from "../../endpoint/memory.ts";

runConformance(
  "memory",
  () => Promise.resolve({ endpoint: new MemoryEndpoint(), cleanup: () => Promise.resolve() }),
  {
    symlink: (ep, target, path) => (ep as MemoryEndpoint).symlink(target, path),
  },
);

runConformance(
  "memory (minute precision, rooted below the store)",
  () =>
    Promise.resolve({
      endpoint: new MemoryEndpoint({ base: "some/base", precision: 60_000 }),
      cleanup: () => Promise.resolve(),
    }),
);
