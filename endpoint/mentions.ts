/**
 * The endpoint contract and ferry's base error: for an entry point that
 * mentions them without exporting endpoint/types.ts whole (`./workflow`,
 * `./uftp`, `./server`, `./host`, `./sync`).
 * @module
 */
export type { FerryError } from "../util/errors.ts";
export type {
  Capabilities,
  DirectReadOptions,
  DirectSink,
  Endpoint,
  EntryType,
  MkdirOptions,
  ReadOptions,
  ReadSource,
  SkippedEntry,
  Stat,
  StatList,
  StatOptions,
  WriteAtOptions,
  WriteOptions,
} from "../endpoint/types.ts";
