import assert from "node:assert/strict";
import { parseIni, resolveS3Config } from "./config.ts";
import { badName, childName, rootPrefix } from "./keys.ts";
import { parseListPage } from "./xml.ts";
import { S3ConfigError, S3KeyError } from "./errors.ts";

const files = {
  credentials: parseIni(
    "[default]\naws_access_key_id = DEF\naws_secret_access_key = defsecret\n" +
      "[work]\naws_access_key_id = WORK\naws_secret_access_key = worksecret\n",
  ),
  config: parseIni(
    "[default]\nregion = eu-west-1\n[profile work]\nregion = eu-central-1\n" +
      "endpoint_url = http://127.0.0.1:9000\ns3 =\n  addressing_style = virtual\n",
  ),
};
const envOf = (e: Record<string, string>) => (k: string) => e[k];

Deno.test("s3 config: the AWS CLI's order (env keys, profile, region, endpoint)", () => {
  const fromEnv = resolveS3Config(
    {},
    envOf({ AWS_ACCESS_KEY_ID: "ENV", AWS_SECRET_ACCESS_KEY: "s" }),
    files,
  );
  assert.equal(fromEnv.keys?.accessKeyId, "ENV");
  assert.equal(fromEnv.region, "eu-west-1");
  assert.equal(fromEnv.endpoint, "https://s3.eu-west-1.amazonaws.com");
  assert.equal(fromEnv.pathStyle, false);
  const def = resolveS3Config({}, envOf({}), files);
  assert.equal(def.keys?.accessKeyId, "DEF");
  const work = resolveS3Config({}, envOf({ AWS_PROFILE: "work" }), files);
  assert.equal(work.keys?.accessKeyId, "WORK");
  assert.equal(work.region, "eu-central-1");
  assert.equal(work.endpoint, "http://127.0.0.1:9000");
  assert.equal(
    work.pathStyle,
    false,
    "addressing_style = virtual wins over the custom-endpoint default",
  );
  // A profile named in the workflow wins over the environment's keys.
  const named = resolveS3Config(
    { profile: "work" },
    envOf({ AWS_ACCESS_KEY_ID: "ENV", AWS_SECRET_ACCESS_KEY: "s" }),
    files,
  );
  assert.equal(named.keys?.accessKeyId, "WORK");
  const custom = resolveS3Config(
    {},
    envOf({ AWS_ENDPOINT_URL: "http://h:1/", AWS_REGION: "x-1" }),
    files,
  );
  assert.equal(custom.endpoint, "http://h:1");
  assert.equal(custom.pathStyle, true);
  assert.equal(custom.region, "x-1");
  assert.equal(resolveS3Config({ anonymous: true }, envOf({}), files).keys, undefined);
  assert.throws(() => resolveS3Config({}, envOf({ AWS_PROFILE: "nope" }), files), S3ConfigError);
  assert.throws(
    () => resolveS3Config({}, envOf({ AWS_ACCESS_KEY_ID: "X" }), { credentials: {}, config: {} }),
    /no secret key/,
  );
  assert.throws(() => resolveS3Config({ endpoint: "ftp://x" }, envOf({}), files), S3ConfigError);
});

Deno.test("s3 keys: names that cannot be local names are refused, naming the key", () => {
  assert.equal(rootPrefix("/a/b/"), "a/b/");
  assert.equal(rootPrefix(""), "");
  for (const bad of ["", ".", "..", "a\0b", "a\nb"]) assert.ok(badName(bad), bad);
  assert.equal(childName("d/", "d/x"), "x");
  assert.throws(
    () => childName("d/", "d/..", false),
    (e: unknown) => e instanceof S3KeyError && e.key === "d/..",
  );
  assert.throws(() => childName("", "/", true), /empty segment/);
  assert.throws(() => childName("a/", "a/./", true), /'\.' segment/);
});

Deno.test("s3 xml: a listing page with entities, prefixes and a token", () => {
  const page = parseListPage(
    `<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t&amp;1</NextContinuationToken>` +
      `<Contents><Key>a&amp;b</Key><Size>3</Size><ETag>&quot;abc-2&quot;</ETag><LastModified>2020-01-01T00:00:00.000Z</LastModified></Contents>` +
      `<CommonPrefixes><Prefix>d/</Prefix></CommonPrefixes></ListBucketResult>`,
  );
  assert.deepEqual(page.objects.map((o) => [o.key, o.size, o.etag]), [["a&b", 3, "abc-2"]]);
  assert.deepEqual(page.prefixes, ["d/"]);
  assert.equal(page.truncated, true);
  assert.equal(page.nextToken, "t&1");
});
