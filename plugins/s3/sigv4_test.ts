import assert from "node:assert/strict";
import { canonicalQuery, signRequest, uriEncode } from "./sigv4.ts";

// AWS's published example (S3 SigV4 docs, "GET Object"): the expected signature is theirs.
Deno.test("sigv4: AWS's GET Object example signs as documented", () => {
  const headers = signRequest({
    method: "GET",
    url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
    headers: { range: "bytes=0-9" },
    region: "us-east-1",
    payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    now: new Date("2013-05-24T00:00:00Z"),
  }, {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  });
  assert.equal(
    headers.authorization,
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
      "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
  );
  assert.equal(headers["x-amz-date"], "20130524T000000Z");
});

Deno.test("sigv4: AWS's ListObjects example (query string) signs as documented", () => {
  const headers = signRequest({
    method: "GET",
    url: new URL("https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J"),
    headers: {},
    region: "us-east-1",
    payloadHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    now: new Date("2013-05-24T00:00:00Z"),
  }, {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  });
  assert.match(
    headers.authorization,
    /Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7$/,
  );
});

Deno.test("sigv4: encoding keeps unreserved characters and sorts the query", () => {
  assert.equal(uriEncode("a b/c*~"), "a%20b%2Fc%2A~");
  assert.equal(uriEncode("ü/x", true), "%C3%BC/x");
  assert.equal(
    canonicalQuery(new URLSearchParams("prefix=a b&list-type=2&delimiter=/")),
    "delimiter=%2F&list-type=2&prefix=a%20b",
  );
});
