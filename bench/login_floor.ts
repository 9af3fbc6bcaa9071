/**
 * The runtime's floor for bench/login_speed.ts: a bare `node:net` server under
 * Deno that greets and answers USER, PASS and QUIT with fixed replies, no
 * session state, no logging, no password check. ferry serve's control
 * connections are node:net sockets, so what this costs per login is what
 * ferry cannot go below on this runtime.
 *
 *   deno run -A bench/login_floor.ts PORT
 * @module
 */
import net from "node:net";

const port = Number(Deno.args[0]);
const REPLIES: Record<string, string> = {
  USER: "331 Username ok, send password.\r\n",
  PASS: "230 Login successful.\r\n",
  QUIT: "221 Goodbye.\r\n",
};

net.createServer((sock) => {
  sock.setNoDelay(true);
  sock.on("error", () => {});
  sock.write("220 floor ready.\r\n");
  let buf = "";
  sock.on("data", (chunk: Uint8Array) => {
    buf += new TextDecoder().decode(chunk);
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const verb = buf.slice(0, i).trim().split(" ")[0].toUpperCase();
      buf = buf.slice(i + 1);
      sock.write(REPLIES[verb] ?? "500 Unknown command.\r\n");
      if (verb === "QUIT") sock.end();
    }
  });
}).listen({ host: "127.0.0.1", port, backlog: 1024 });
