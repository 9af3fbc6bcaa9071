import assert from "node:assert/strict";
import { extractPages, helpCommand, helpSources } from "./extract.ts";
import { HELP_PAGES, HELP_SOURCES, HELP_SOURCES_HASH } from "./pages.ts";
import { helpRequest, pagesFresh, renderHelp } from "./render.ts";
import { COMMAND_TABLE } from "../commands/table.ts";

const names = ["", ...COMMAND_TABLE.map((c) => c.name)];

Deno.test("help pages: pages.ts is what commander renders today (else: deno task help-pages)", async () => {
  assert.deepEqual(await extractPages(), HELP_PAGES);
  assert.deepEqual(HELP_SOURCES, await helpSources(), "run deno task help-pages");
  const pagesUrl = new URL("./pages.ts", import.meta.url).href;
  assert.ok(
    await pagesFresh(HELP_SOURCES, HELP_SOURCES_HASH, pagesUrl),
    "a command module changed after cli/help/pages.ts was made: run deno task help-pages",
  );
});

Deno.test("help pages: stale pages (or unreadable sources) are not used; off file: URLs they are", async () => {
  const pagesUrl = new URL("./pages.ts", import.meta.url).href;
  assert.equal(await pagesFresh(HELP_SOURCES, "00000000", pagesUrl), false);
  assert.equal(await pagesFresh(["../nope.ts"], HELP_SOURCES_HASH, pagesUrl), false);
  assert.equal(
    await pagesFresh(HELP_SOURCES, "00000000", "https://example.org/cli/help/pages.ts"),
    true,
  );
});

Deno.test("help pages: rendered byte for byte as commander prints them, at any width", async () => {
  for (const name of names) {
    for (const width of [80, 120, 200, 60, 40, 20]) {
      const { command } = await helpCommand(name);
      command.configureOutput({ getOutHelpWidth: () => width, getOutHasColors: () => false });
      assert.equal(
        renderHelp(HELP_PAGES[name], width),
        command.helpInformation(),
        `${name} @${width}`,
      );
    }
  }
});

Deno.test("help pages: the whole process prints the same bytes as commander, exit 0", async () => {
  const main = new URL("../main.ts", import.meta.url).pathname;
  for (const args of [["--help"], ["help"], ["mirror", "--help"], ["help", "ls"], ["get", "-h"]]) {
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", main, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const name = args[0] === "help" ? args[1] ?? "" : args[0].startsWith("-") ? "" : args[0];
    const { command } = await helpCommand(name);
    command.configureOutput({ getOutHelpWidth: () => 80, getOutHasColors: () => false });
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.equal(new TextDecoder().decode(stdout), command.helpInformation(), args.join(" "));
  }
});

Deno.test("helpRequest: only plain help requests for known commands", () => {
  const known = ["mirror", "ls"];
  assert.equal(helpRequest(["--help"], known), "");
  assert.equal(helpRequest(["-h"], known), "");
  assert.equal(helpRequest(["help"], known), "");
  assert.equal(helpRequest(["mirror", "--help"], known), "mirror");
  assert.equal(helpRequest(["ls", "-h"], known), "ls");
  assert.equal(helpRequest(["help", "ls"], known), "ls");
  assert.equal(helpRequest(["serve", "--help"], known), undefined); // a plugin's own help
  assert.equal(helpRequest(["help", "nope"], known), undefined);
  assert.equal(helpRequest(["-v", "--help"], known), undefined);
  assert.equal(helpRequest(["--plugin", "./p.ts", "--help"], known), undefined);
  assert.equal(helpRequest(["mirror", "a", "--help"], known), undefined);
  assert.equal(helpRequest([], known), undefined);
});
