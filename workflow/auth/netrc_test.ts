import assert from "node:assert/strict";
import { defaultNetrcPath, findNetrc, parseNetrc } from "./netrc.ts";

const text = `# comment
machine ftp.example.org
  login bob
  password "s3cret pw"
macdef init
  cd /pub
  bin

machine ftp.example.org login alice password a1ice
default login anonymous password me@
`;

Deno.test("netrc: entries, quoted passwords, macdef skipped", () => {
  const entries = parseNetrc(text);
  assert.equal(entries.length, 3);
  assert.deepEqual(entries[0], { machine: "ftp.example.org", login: "bob", password: "s3cret pw" });
});

Deno.test("netrc: lookup by host and login, default fallback", () => {
  const entries = parseNetrc(text);
  assert.equal(findNetrc(entries, "FTP.example.org")?.login, "bob");
  assert.equal(findNetrc(entries, "ftp.example.org", "alice")?.password, "a1ice");
  assert.equal(findNetrc(entries, "other")?.login, "anonymous");
});

Deno.test("netrc: path from NETRC or HOME", () => {
  assert.equal(defaultNetrcPath((n) => ({ NETRC: "/x" } as Record<string, string>)[n]), "/x");
  assert.equal(
    defaultNetrcPath((n) => ({ HOME: "/home/b/" } as Record<string, string>)[n]),
    "/home/b/.netrc",
  );
});
