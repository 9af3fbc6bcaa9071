import assert from "node:assert/strict";
import { FILE_BLOCK, fileReadable, fileWritable } from "./files.ts";

Deno.test("fileWritable and fileReadable round-trip a file, from an offset too", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = new Uint8Array(FILE_BLOCK * 2 + 123).map((_, i) => i % 251);
    const path = `${dir}/f.bin`;
    await new Blob([data]).stream().pipeTo(
      fileWritable(Deno.openSync(path, { write: true, create: true })),
    );
    assert.deepEqual(await Deno.readFile(path), data);
    const back = new Uint8Array(
      await new Response(fileReadable(Deno.openSync(path))).arrayBuffer(),
    );
    assert.deepEqual(back, data);
    const tail = new Uint8Array(
      await new Response(fileReadable(Deno.openSync(path), FILE_BLOCK + 5)).arrayBuffer(),
    );
    assert.deepEqual(tail, data.subarray(FILE_BLOCK + 5));
    const reader = fileReadable(Deno.openSync(path)).getReader();
    await reader.read();
    await reader.cancel(); // closes the file: the resource sanitizer checks it
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
