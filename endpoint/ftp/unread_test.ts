import assert from "node:assert/strict";
import type { Listing } from "../../ftp/listing/index.ts";
import type { ListEntry } from "../../ftp/listing/types.ts";
import { mayBeUnread } from "./unread.ts";

const dir = (name: string): ListEntry => ({ name, type: "dir", precision: 60_000, raw: "" });
const file = (name: string): ListEntry => ({ name, type: "file", precision: 60_000, raw: "" });
const all = (entries: ListEntry[]): Listing => Object.assign(entries, { listedAll: true });

Deno.test("mayBeUnread: empty, or only the directory itself (vsftpd's line), is checked", () => {
  assert.equal(mayBeUnread([], "/pub/locked", false), true);
  assert.equal(mayBeUnread([dir("..")], "/pub/locked", false), true);
  assert.equal(mayBeUnread([dir("locked")], "/pub/locked", false), true);
  // A file of that name, or another entry beside it, is a listing to believe.
  assert.equal(mayBeUnread([file("locked")], "/pub/locked", false), false);
  assert.equal(mayBeUnread([dir("locked"), file("a")], "/pub/locked", false), false);
  assert.equal(mayBeUnread([file("a")], "/pub/locked", false), false);
});

Deno.test("mayBeUnread: a LIST -a without its '.' where the server has shown one is checked", () => {
  assert.equal(mayBeUnread(all([dir("."), dir("..")]), "/pub/empty", true), false);
  assert.equal(mayBeUnread(all([file("a")]), "/pub/d", true), true);
  // Plain LIST (the server refused -a) shows no "." anyway.
  assert.equal(mayBeUnread([file("a")], "/pub/d", true), false);
  assert.equal(mayBeUnread(all([file("a")]), "/pub/d", false), false);
});
