/**
 * Keys that cannot be local names (issue 18 item 6), from a bucket that holds
 * them: `a/../b`, a leading or doubled `/`, NUL. s3rver cannot hold such keys
 * (it stores them as paths), so a small fake S3 answers ListObjectsV2 and GET
 * for a fixed set of keys. `ferry mirror s3://... DIR` fails with an error
 * naming the key, exits as a failed job does, and writes nothing outside DIR.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ferry } from "../cli/helpers.ts";
import { escapeXml } from "../../plugins/s3/xml.ts";

/** A bucket `test` holding `keys` (each object's bytes are its key), path-style, unsigned checks. */
function fakeS3(keys: string[]): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    const path = decodeURIComponent(url.pathname);
    if (req.method === "GET" && url.searchParams.get("list-type") === "2") {
      const prefix = url.searchParams.get("prefix") ?? "";
      const delimiter = url.searchParams.get("delimiter") ?? "";
      const objects: string[] = [];
      const prefixes = new Set<string>();
      for (const k of keys.filter((k) => k.startsWith(prefix)).sort()) {
        const at = delimiter ? k.indexOf(delimiter, prefix.length) : -1;
        if (at >= 0) prefixes.add(k.slice(0, at + 1));
        else objects.push(k);
      }
      // NUL cannot be written in XML 1.0, not even as a reference; a server that tries anyway
      // sends `&#0;`, which the listing's reader decodes.
      const x = (s: string) => escapeXml(s).replace(/\0/g, "&#0;");
      const body = `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>test</Name>` +
        `<Prefix>${x(prefix)}</Prefix><KeyCount>${objects.length + prefixes.size}</KeyCount>` +
        `<IsTruncated>false</IsTruncated>` +
        objects.map((k) =>
          `<Contents><Key>${x(k)}</Key><Size>${
            new TextEncoder().encode(k).byteLength
          }</Size><ETag>&quot;0&quot;</ETag><LastModified>2020-01-01T00:00:00.000Z</LastModified></Contents>`
        ).join("") +
        [...prefixes].map((p) => `<CommonPrefixes><Prefix>${x(p)}</Prefix></CommonPrefixes>`)
          .join("") +
        `</ListBucketResult>`;
      return new Response(body, { headers: { "content-type": "application/xml" } });
    }
    const key = path.replace(/^\/test\//, "");
    if ((req.method === "GET" || req.method === "HEAD") && keys.includes(key)) {
      return new Response(req.method === "HEAD" ? null : key, {
        headers: { "content-length": String(new TextEncoder().encode(key).byteLength) },
      });
    }
    return new Response(
      `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>no</Message></Error>`,
      { status: 404, headers: { "content-type": "application/xml" } },
    );
  });
}

/** Every path below `dir`, relative. */
function tree(dir: string, at = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(join(dir, at))) {
    const rel = at ? `${at}/${e.name}` : e.name;
    out.push(rel);
    if (e.isDirectory) out.push(...tree(dir, rel));
  }
  return out;
}

const cases: { what: string; keys: string[]; named: RegExp }[] = [
  {
    what: "a '..' segment (sub/../../evil.txt)",
    keys: ["p/ok.txt", "p/sub/../../evil.txt"],
    named: /s3 key "p\/sub\/\.\.\/" cannot be a local name: it has a '\.\.' segment/,
  },
  {
    what: "a doubled '/' (an empty segment)",
    keys: ["p/ok.txt", "p//x.txt"],
    named: /s3 key "p\/\/" cannot be a local name: it has an empty segment/,
  },
  {
    what: "a leading '/' (/x at the bucket's root)",
    keys: ["ok.txt", "/x.txt"],
    named: /s3 key "\/" cannot be a local name: it has an empty segment/,
  },
  {
    what: "NUL",
    keys: ["p/ok.txt", "p/nul\0.txt"],
    named: /s3 key "p\/nul\\u0000\.txt" cannot be a local name: it contains NUL/,
  },
];

for (const c of cases) {
  Deno.test({
    name: `s3 unsafe keys: ${c.what} fails the mirror naming the key; nothing lands outside`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const server = fakeS3(c.keys);
      const dir = await Deno.makeTempDir();
      try {
        const root = c.keys[0].startsWith("p/") ? "p/" : "";
        const r = await ferry(["mirror", `s3://test/${root}`, join(dir, "target")], {
          env: {
            AWS_ACCESS_KEY_ID: "K",
            AWS_SECRET_ACCESS_KEY: "S",
            AWS_REGION: "us-east-1",
            AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${server.addr.port}`,
            AWS_SHARED_CREDENTIALS_FILE: join(dir, "absent"),
            AWS_CONFIG_FILE: join(dir, "absent"),
          },
          cwd: dir,
        });
        assert.equal(r.code, 1, `exit 1, as a failed job:\n${r.stdout}\n${r.stderr}`);
        assert.match(r.stdout + r.stderr, c.named);
        const made = tree(dir);
        assert.ok(
          made.every((p) => p === "target" || p.startsWith("target/") || p.startsWith(".ferry")),
          `only under the target: ${made}`,
        );
        assert.ok(!made.some((p) => p.includes("evil")), `no evil.txt: ${made}`);
      } finally {
        await server.shutdown();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
