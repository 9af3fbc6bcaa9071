import assert from "node:assert/strict";
import {
  confirmedBytes,
  confirmedExtent,
  parseSegmentState,
  pendingSegments,
  planSegments,
  resumable,
  SEGMENT_DEFAULTS,
  segmentCount,
  type SegmentState,
  splitLargest,
} from "./segments.ts";

const MIB = 1024 * 1024;
const able = { rangedReads: true, writeAt: true, maxConnections: 8 };

Deno.test("segmentCount: 8 from the threshold on, 1 below it, off with segments 1", () => {
  assert.equal(segmentCount(256 * MIB, {}, able), 8);
  assert.equal(segmentCount(SEGMENT_DEFAULTS.threshold, {}, able), 8);
  assert.equal(segmentCount(SEGMENT_DEFAULTS.threshold - 1, {}, able), 1);
  assert.equal(segmentCount(256 * MIB, { segments: 1 }, able), 1);
  assert.equal(segmentCount(256 * MIB, { segments: 3 }, able), 3);
});

Deno.test("segmentCount: never more than the source's connections, nor segments under minSegment", () => {
  assert.equal(segmentCount(256 * MIB, { segments: 16 }, { ...able, maxConnections: 4 }), 4);
  assert.equal(segmentCount(3 * MIB, { threshold: 0 }, able), 3);
  assert.equal(segmentCount(10, { threshold: 0, minSegment: 4 }, able), 2);
  assert.equal(segmentCount(0, { threshold: 0 }, able), 1);
});

Deno.test("segmentCount: 1 when either side cannot", () => {
  assert.equal(segmentCount(256 * MIB, {}, { ...able, rangedReads: false }), 1);
  assert.equal(segmentCount(256 * MIB, {}, { ...able, writeAt: undefined }), 1);
});

Deno.test("planSegments: contiguous ranges covering the file, the first ones longer by a byte", () => {
  const s = planSegments(10, 3, new Date(5000));
  assert.deepEqual(s, {
    version: 1,
    size: 10,
    mtime: 5000,
    segments: [{ start: 0, end: 4, done: 0 }, { start: 4, end: 7, done: 0 }, {
      start: 7,
      end: 10,
      done: 0,
    }],
  });
  assert.equal(planSegments(2, 8).segments.length, 2);
  assert.deepEqual(planSegments(0, 4).segments, [{ start: 0, end: 0, done: 0 }]);
  for (const size of [1, 7, 255 * MIB + 3]) {
    const p = planSegments(size, 8);
    assert.equal(p.segments.at(-1)!.end, size);
    for (let i = 1; i < p.segments.length; i++) {
      assert.equal(p.segments[i].start, p.segments[i - 1].end);
    }
  }
});

Deno.test("parseSegmentState: round trip, and refusals of what does not tile the file", () => {
  const s = planSegments(100, 4, new Date(1));
  s.segments[1].done = 10;
  assert.deepEqual(parseSegmentState(JSON.stringify(s)), s);
  const bad = (v: unknown) => "invalid" in (parseSegmentState(JSON.stringify(v)) as object);
  assert.ok("invalid" in (parseSegmentState("{") as object));
  assert.ok(bad({ ...s, version: 2 }));
  assert.ok(bad({ ...s, size: 99 }));
  assert.ok(bad({ ...s, segments: [] }));
  assert.ok(
    bad({ ...s, segments: [{ start: 0, end: 50, done: 0 }, { start: 51, end: 100, done: 0 }] }),
  );
  assert.ok(bad({ ...s, segments: [{ start: 0, end: 100, done: 101 }] }));
  assert.ok(bad({ ...s, segments: [{ start: 0, end: 100, done: -1 }] }));
});

Deno.test("resumable: same source and a partial holding every confirmed byte", () => {
  const s: SegmentState = {
    version: 1,
    size: 100,
    mtime: 1000,
    segments: [{ start: 0, end: 50, done: 20 }, { start: 50, end: 100, done: 30 }],
  };
  assert.equal(confirmedBytes(s), 50);
  assert.equal(confirmedExtent(s), 80);
  assert.deepEqual(pendingSegments(s).map((x) => x.start), [0, 50]);
  const mtime = new Date(1000);
  assert.equal(resumable(s, { size: 100, mtime, partialSize: 80 }), true);
  assert.equal(resumable(s, { size: 100, partialSize: 100 }), true);
  assert.match(String(resumable(s, { size: 101, mtime, partialSize: 80 })), /101 bytes/);
  assert.match(String(resumable(s, { size: 100, mtime: new Date(2000), partialSize: 80 })), /time/);
  assert.match(String(resumable(s, { size: 100, mtime, partialSize: 79 })), /partial holds 79/);
  assert.match(String(resumable(s, { size: 100, mtime, partialSize: undefined })), /partial/);
  const none = planSegments(100, 2);
  assert.equal(resumable(none, { size: 100, partialSize: undefined }), true);
});

Deno.test("planSegments: a one-stream partial's bytes are one done segment, the rest is cut", () => {
  assert.deepEqual(planSegments(10, 2, undefined, 6).segments, [
    { start: 0, end: 6, done: 6 },
    { start: 6, end: 8, done: 0 },
    { start: 8, end: 10, done: 0 },
  ]);
  assert.deepEqual(planSegments(10, 2, undefined, 10).segments, [
    { start: 0, end: 10, done: 10 },
    { start: 10, end: 10, done: 0 },
  ]);
  assert.throws(() => planSegments(10, 2, undefined, 11), RangeError);
  const s = planSegments(100, 4, undefined, 37);
  assert.ok(!("invalid" in parseSegmentState(JSON.stringify(s))));
});

Deno.test("splitLargest: halves what is left of the largest segment, keeping the tiling", () => {
  const s = planSegments(100, 2);
  s.segments[0].done = 40; // 10 left
  s.segments[1].done = 10; // 40 left
  const piece = splitLargest(s, () => 0, 20);
  assert.deepEqual(piece, { start: 80, end: 100, done: 0 });
  assert.deepEqual(s.segments.map((x) => [x.start, x.end, x.done]), [
    [0, 50, 40],
    [50, 80, 10],
    [80, 100, 0],
  ]);
  assert.ok(!("invalid" in parseSegmentState(JSON.stringify(s))));
  // Bytes claimed by a write in flight stay with the running segment.
  const t = planSegments(100, 1);
  assert.deepEqual(splitLargest(t, () => 30, 20), { start: 65, end: 100, done: 0 });
  // Too little left: nothing to take.
  assert.equal(splitLargest(planSegments(100, 1), () => 0, 101), undefined);
  const done = planSegments(10, 1);
  done.segments[0].done = 10;
  assert.equal(splitLargest(done, () => 0, 1), undefined);
});

Deno.test("segmentCount: a near source gets segments only when they are asked for", () => {
  const near = { ...able, longLink: false };
  assert.equal(segmentCount(256 * MIB, {}, near), 1);
  assert.equal(segmentCount(256 * MIB, { threshold: 0 }, near), 1);
  assert.equal(segmentCount(256 * MIB, { segments: 4 }, near), 4);
  assert.equal(segmentCount(256 * MIB, {}, { ...able, longLink: true }), 8);
});
