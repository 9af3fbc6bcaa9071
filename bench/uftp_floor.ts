/**
 * The floor of bench/uftp_transfer.ts: the least a Deno process can do to get
 * or put one file over UFTP, so that ferry's cost can be told apart from the
 * runtime's. Not ferry code and not a tool anyone should use: no error
 * handling beyond "not 2xx/3xx", no temporary name, no size check, no time
 * shift. One HTTPS request for a one-time secret, a bare `Deno.Conn` control
 * connection (`USER anonymous`, `PASS`, `EPSV`, `RETR`/`STOR`), the data
 * connection read into (or filled from) the file in 1 MiB blocks with
 * blocking file I/O.
 *
 *   deno run -A bench/uftp_floor.ts get|put AUTH_URL CA_FILE USER:PASSWORD BASE REMOTE LOCAL
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const BLOCK = 1024 * 1024;

const [mode, authUrl, caFile, userPass, base, remote, local] = Deno.args;
const client = Deno.createHttpClient({ caCerts: [Deno.readTextFileSync(caFile)] });
const answer = await fetch(authUrl, {
  method: "POST",
  client,
  headers: {
    authorization: `Basic ${btoa(userPass)}`,
    "content-type": "application/json",
    accept: "application/json",
  },
  body: JSON.stringify({ serverPath: `${base}/`, persistent: false }),
});
const grant = await answer.json() as { serverHost: string; serverPort: number; secret: string };
client.close();

const conn = await Deno.connect({ hostname: grant.serverHost, port: grant.serverPort });
let buffer = "";
const chunk = new Uint8Array(4096);
async function reply(): Promise<string> {
  for (;;) {
    const match = /^(\d{3}) [^\n]*\n/m.exec(buffer);
    if (match) {
      const end = match.index + match[0].length;
      const text = buffer.slice(0, end);
      buffer = buffer.slice(end);
      if (text[match.index] >= "4") throw new Error(`floor: ${text.trim()}`);
      return text;
    }
    const n = await conn.read(chunk);
    if (n === null) throw new Error("floor: control connection closed");
    buffer += decoder.decode(chunk.subarray(0, n));
  }
}
async function command(line: string): Promise<string> {
  await conn.write(encoder.encode(`${line}\r\n`));
  return await reply();
}

await reply();
await command("USER anonymous");
await command(`PASS ${grant.secret}`);
const port = Number(/\|\|\|(\d+)\|/.exec(await command("EPSV"))![1]);
const data = await Deno.connect({ hostname: grant.serverHost, port });
const block = new Uint8Array(BLOCK);
if (mode === "get") {
  await command(`RETR ${remote}`);
  const file = Deno.openSync(local, { write: true, create: true, truncate: true });
  for (let n = await data.read(block); n !== null; n = await data.read(block)) {
    for (let at = 0; at < n;) at += file.writeSync(block.subarray(at, n));
  }
  file.close();
} else {
  await command(`STOR ${remote}`);
  const file = Deno.openSync(local);
  for (let n = file.readSync(block); n !== null; n = file.readSync(block)) {
    for (let at = 0; at < n;) at += await data.write(block.subarray(at, n));
  }
  file.close();
  data.closeWrite();
}
await reply();
data.close();
await conn.write(encoder.encode("QUIT\r\n"));
conn.close();
