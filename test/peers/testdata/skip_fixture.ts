// Run by skip_test.ts as its own `deno test` with an empty PATH, so curl looks missing.
import { peerTest } from "../skip.ts";

peerTest("needs curl", ["curl"], () => Promise.resolve());
peerTest("needs python3", { peers: ["python3"] }, () => Promise.resolve());
