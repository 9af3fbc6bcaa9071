/**
 * The ceiling of one loopback TCP stream in Deno 2.9.6 through node:net
 * (what plugins/server uses for data connections) against Deno.Conn, with
 * Python on the other end (pinned to core 1; run this under `taskset -c 0`).
 *
 *   deno run -A bench/socket_ceiling.ts recv node|deno   # 1000 MiB in, 256 KiB writeSync batches to a temp file
 *   deno run -A bench/socket_ceiling.ts send node|deno   # 1000 MiB out in 256 KiB writes
 *
 * Measured 2026-11-21 (2 cores, quiet): recv node ~1015, deno ~2900 MiB/s;
 * send node ~2000, deno ~2270 (1 MiB writes: ~2660) MiB/s.
 * @module
 */
import net from "node:net";

const [dir, mode] = Deno.args;
const TOTAL = 1000 * 1048576;
const B = 256 * 1024;
const PY = {
  recv: `import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])));b=b"x"*262144
for _ in range(4000): s.sendall(b)
s.close()`,
  send: `import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])))
while s.recv(262144): pass`,
};
const client = (port: number) =>
  new Deno.Command("taskset", {
    args: ["-c", "1", "/usr/bin/python3", "-c", PY[dir as "recv" | "send"], String(port)],
  }).output();

const out = await Deno.makeTempFile();
const file = Deno.openSync(out, { write: true });
const buf = new Uint8Array(B);
let len = 0;
const put = (c: Uint8Array) => {
  for (let off = 0; off < c.length;) {
    const t = Math.min(c.length - off, B - len);
    buf.set(c.subarray(off, off + t), len);
    len += t;
    off += t;
    if (len === B) {
      file.writeSync(buf);
      len = 0;
    }
  }
};

let serve: Promise<void>;
let port: number;
let stop: () => void;
if (mode === "node") {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  port = (srv.address() as net.AddressInfo).port;
  stop = () => srv.close();
  serve = new Promise<void>((resolve) =>
    srv.on("connection", async (s) => {
      if (dir === "recv") {
        s.on("data", (c: Uint8Array) => put(c));
        s.on("end", () => resolve());
        return;
      }
      for (let sent = 0; sent < TOTAL; sent += B) {
        if (!s.write(new Uint8Array(B))) await new Promise((r) => s.once("drain", r));
      }
      s.end(() => {
        s.destroy();
        resolve();
      });
    })
  );
} else {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  port = (l.addr as Deno.NetAddr).port;
  stop = () => l.close();
  serve = (async () => {
    const c = await l.accept();
    if (dir === "recv") {
      while (true) {
        const n = await c.read(buf.subarray(len));
        if (n === null) break;
        len += n;
        if (len === B) {
          file.writeSync(buf);
          len = 0;
        }
      }
    } else {
      for (let sent = 0; sent < TOTAL; sent += B) {
        const b = new Uint8Array(B);
        for (let o = 0; o < B;) o += await c.write(b.subarray(o));
      }
    }
    c.close();
  })();
}
const t = performance.now();
await Promise.all([client(port), serve]);
console.log(dir, mode, (TOTAL / 1048576 / ((performance.now() - t) / 1000)).toFixed(0), "MiB/s");
stop();
file.close();
await Deno.remove(out);
