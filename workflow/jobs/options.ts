/**
 * Option schemas of the built-in job kinds. Names follow sync/ (the functions
 * they are handed to) and, where sync/ is silent, rclone and lftp.
 * @module
 */
import { z } from "../../deps/zod.ts";
import { DeleteLimit, Filters, fromText, Target } from "../schema.ts";
import { CONFLICT_SUFFIX_PATTERN } from "../patterns.ts";
import { CONFLICT_POLICIES } from "../../sync/conflict_policies.ts";

const compare = z.enum(["size+mtime", "size", "checksum"]).optional().meta({
  description: "how files are judged equal (default size+mtime, precision-aware)",
});
const symlinks = z.enum(["skip", "follow", "copy-as-link"]).optional().meta({
  description: "what to do with symlinks (default skip)",
});
const maxDelete = DeleteLimit.optional().meta({
  description: 'stop before deleting more than this many files, or "10%" of the target',
});

/** `mirror:` one-way, source to target. */
export const MirrorOptions = z.strictObject({
  from: Target,
  to: Target,
  delete: fromText(z.boolean(), "boolean").optional().meta({
    description: "delete target files the source lacks",
  }),
  ...Filters,
  symlinks,
  compare,
  maxDelete,
  backupDir: z.string().optional().meta({
    description: "move deleted and replaced target files here (path on the target endpoint)",
  }),
});
/** Validated `mirror:` options. */
export type MirrorOptions = z.infer<typeof MirrorOptions>;

/** `sync:` two-way between a and b with a state store. */
export const SyncOptions = z.strictObject({
  a: Target,
  b: Target,
  conflict: z.enum(CONFLICT_POLICIES).optional().meta({
    description: "when both sides changed: keep-both (default: the older moves aside under a " +
      "conflict name), newer, a, b (that side wins) or skip",
  }),
  conflictSuffix: z.string().regex(CONFLICT_SUFFIX_PATTERN, "letters, digits, _ . - only")
    .optional()
    .meta({ description: "word in a kept version's name (default sync-conflict)" }),
  state: z.string().optional().meta({
    description: "state database file, relative to the state dir (default state.db)",
  }),
  ...Filters,
  symlinks,
  compare,
  maxDelete: DeleteLimit.optional().meta({
    description:
      'deletions allowed per side: a count or a percentage of that side\'s files (default "50%")',
  }),
  force: fromText(z.boolean(), "boolean").optional().meta({
    description: "pass the deletion guards",
  }),
});
/** Validated `sync:` options. */
export type SyncOptions = z.infer<typeof SyncOptions>;

/** `walk:` list a tree. */
export const WalkOptions = z.strictObject({
  at: Target,
  output: z.string().optional().meta({
    description: "file to write (relative to the workflow); default: the report only",
  }),
  format: z.enum(["json", "ndjson", "csv", "tree"]).optional().meta({
    description: "listing format (default json; tree is for terminals)",
  }),
  totals: fromText(z.boolean(), "boolean").optional().meta({
    description: "add file, dir and byte totals",
  }),
  ...Filters,
  symlinks,
});
/** Validated `walk:` options. */
export type WalkOptions = z.infer<typeof WalkOptions>;

/** `rmtree:` remove a tree. */
export const RmtreeOptions = z.strictObject({
  at: Target,
  ignoreErrors: fromText(z.boolean(), "boolean").optional().meta({
    description: "carry on past errors",
  }),
  force: fromText(z.boolean(), "boolean").optional().meta({
    description: "allow removing the endpoint root",
  }),
});
/** Validated `rmtree:` options. */
export type RmtreeOptions = z.infer<typeof RmtreeOptions>;

/** `upload-if-newer:` / `download-if-newer:` ftputil's rule, for a file or a tree. */
export const IfNewerOptions = z.strictObject({
  from: Target,
  to: Target,
  ...Filters,
  symlinks: z.enum(["follow", "skip"]).optional().meta({
    description: "links are followed (default, as ftputil does) or skipped",
  }),
});
/** Validated `*-if-newer` options. */
export type IfNewerOptions = z.infer<typeof IfNewerOptions>;
