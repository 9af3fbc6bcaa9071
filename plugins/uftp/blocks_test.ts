import assert from "node:assert/strict";
import {
  decodeBlockHeader,
  encodeBlockHeader,
  HEADER_BYTES,
  pieceLayout,
  splitBlock,
} from "./blocks.ts";
import { UftpProtocolError } from "./errors.ts";

Deno.test("blocks: 16-byte >HHIII headers, layout and checks", () => {
  const header = encodeBlockHeader({ stream: 1, seq: 7, size: 10, length: 5 });
  assert.deepEqual(
    [...header],
    [0xce, 0xbf, 0, 1, 0, 0, 0, 7, 0, 0, 0, 10, 0, 0, 0, 5],
  );
  assert.deepEqual(decodeBlockHeader(header, { stream: 1, seq: 7, streams: 2 }), {
    stream: 1,
    seq: 7,
    size: 10,
    length: 5,
  });
  assert.throws(
    () => decodeBlockHeader(header, { stream: 0, seq: 7, streams: 2 }),
    UftpProtocolError,
  );
  assert.throws(() => decodeBlockHeader(header, { stream: 1, seq: 8, streams: 2 }), /sequence/);
  const bad = header.slice();
  bad[0] = 0;
  assert.throws(() => decodeBlockHeader(bad, { stream: 1, seq: 7, streams: 2 }), /magic/);
  assert.deepEqual(pieceLayout(10, 3, 0), { offset: 0, length: 3 });
  assert.deepEqual(pieceLayout(10, 3, 2), { offset: 6, length: 4 });
  const data = Uint8Array.from({ length: 10 }, (_, i) => i);
  const pieces = splitBlock(data, 3, 0);
  assert.deepEqual(pieces.map((p) => p.length - HEADER_BYTES), [3, 3, 4]);
  assert.deepEqual([...pieces[2].subarray(HEADER_BYTES)], [6, 7, 8, 9]);
});
