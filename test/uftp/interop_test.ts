/**
 * The self-hosted site against other clients, the way PyUNICORE talks to a
 * real one: curl POSTs the auth request (string booleans, as the Python
 * clients send them), then Python's ftplib logs in with the secret, lists,
 * downloads and uploads, and closes without QUIT (UFTPD sends no 221).
 */
import assert from "node:assert/strict";
import { SYSTEM_PYTHON } from "../peers/constants.ts";
import { peerTest } from "../peers/skip.ts";
import { startTestSite } from "./_site.ts";

const SCRIPT = `
import ftplib, io, sys
host, port, secret = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ftp = ftplib.FTP()
ftp.connect(host, port, timeout=10)
ftp.login("anonymous", secret)
print("PWD", ftp.pwd())
print("MLSD", sorted(name for name, facts in ftp.mlsd(".") if facts.get("type") == "file"))
out = io.BytesIO()
ftp.retrbinary("RETR in.txt", out.write)
print("RETR", out.getvalue().decode())
ftp.storbinary("STOR up.txt", io.BytesIO(b"from ftplib"))
print("SIZE", ftp.size("up.txt"))
ftp.close()
`;

peerTest("interop: curl authenticates, Python's ftplib uses the session (PyUNICORE's way)", [
  "openssl",
  "curl",
  "python3",
], async () => {
  await using site = await startTestSite();
  await Deno.writeTextFile(`${site.root}/data/in.txt`, "to ftplib");
  const caFile = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(caFile, site.ca);
    const curl = await new Deno.Command("curl", {
      args: [
        "-sS",
        "--cacert",
        caFile,
        "-u",
        "demouser:test123",
        "-H",
        "Accept: application/json",
        "-H",
        "Content-Type: application/json",
        "-d",
        '{"persistent": "true", "serverPath": "/data/___UFTP___MULTI___FILE___SESSION___MODE___"}',
        site.stack.authUrl,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(curl.success, new TextDecoder().decode(curl.stderr));
    const grant = JSON.parse(new TextDecoder().decode(curl.stdout));
    assert.equal(grant.success, true);
    assert.match(grant.secret, /^[a-z]{20}$/);
    const py = await new Deno.Command(SYSTEM_PYTHON, {
      args: ["-c", SCRIPT, grant.serverHost, String(grant.serverPort), grant.secret],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(py.stdout);
    assert.ok(py.success, `${out}\n${new TextDecoder().decode(py.stderr)}`);
    assert.equal(
      out,
      "PWD /data\nMLSD ['in.txt']\nRETR to ftplib\nSIZE 11\n",
    );
    assert.equal(await Deno.readTextFile(`${site.root}/data/up.txt`), "from ftplib");
  } finally {
    await Deno.remove(caFile);
  }
});
