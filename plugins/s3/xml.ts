/**
 * The few S3 XML documents ferry reads, taken apart without a package: S3's
 * replies are flat, machine-written and never nest an element in one of the
 * same name, so element extraction by name is exact for them.
 * @module
 */

/**
 * Decodes XML character references and the five named entities.
 *
 * @example
 * ```ts
 * unescapeXml("a&amp;b&#38;&#x41;"); // "a&b&A"
 * ```
 */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    if (e[0] === "#") {
      return String.fromCodePoint(
        e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : +e.slice(1),
      );
    }
    return ({ amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" } as Record<string, string>)[
      e.toLowerCase()
    ];
  });
}

/**
 * Escapes text for an XML element.
 *
 * @example
 * ```ts
 * escapeXml("a<b&c"); // "a&lt;b&amp;c"
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!,
  );
}

/**
 * The inner texts of every `<tag>` element (raw, not unescaped).
 *
 * @example
 * ```ts
 * elements("<a><K>1</K><K>2</K></a>", "K"); // ["1", "2"]
 * ```
 */
export function elements(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${tag}>)`, "g");
  for (const m of xml.matchAll(re)) out.push(m[1] ?? "");
  return out;
}

/**
 * The unescaped text of the first `<tag>` element, or undefined.
 *
 * @example
 * ```ts
 * text("<E><Code>NoSuchKey</Code></E>", "Code"); // "NoSuchKey"
 * ```
 */
export function text(xml: string, tag: string): string | undefined {
  const first = elements(xml, tag)[0];
  return first === undefined ? undefined : unescapeXml(first);
}

/** One object of a listing page. */
export interface ListedObject {
  key: string;
  size: number;
  lastModified?: Date;
  /** Without quotes. */
  etag?: string;
}

/** One page of ListObjectsV2. */
export interface ListPage {
  objects: ListedObject[];
  prefixes: string[];
  truncated: boolean;
  nextToken?: string;
}

/**
 * Parses a `ListBucketResult` (ListObjectsV2).
 *
 * @example
 * ```ts
 * parseListPage("<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a</Key><Size>1</Size></Contents></ListBucketResult>");
 * ```
 */
export function parseListPage(xml: string): ListPage {
  const objects = elements(xml, "Contents").map((c) => {
    const modified = text(c, "LastModified");
    const etag = text(c, "ETag");
    return {
      key: text(c, "Key") ?? "",
      size: Number(text(c, "Size") ?? 0),
      lastModified: modified ? new Date(modified) : undefined,
      etag: etag?.replace(/^"|"$/g, ""),
    };
  });
  const prefixes = elements(xml, "CommonPrefixes").map((p) => text(p, "Prefix") ?? "");
  return {
    objects,
    prefixes,
    truncated: text(xml, "IsTruncated") === "true",
    nextToken: text(xml, "NextContinuationToken"),
  };
}

/** One failure of a DeleteObjects batch. */
export interface DeleteFailure {
  key: string;
  code: string;
  message: string;
}

/**
 * The failures of a `DeleteResult` (quiet mode lists only those).
 *
 * @example
 * ```ts
 * parseDeleteResult("<DeleteResult><Error><Key>a</Key><Code>AccessDenied</Code></Error></DeleteResult>");
 * ```
 */
export function parseDeleteResult(xml: string): DeleteFailure[] {
  return elements(xml, "Error").map((e) => ({
    key: text(e, "Key") ?? "",
    code: text(e, "Code") ?? "",
    message: text(e, "Message") ?? "",
  }));
}
