import assert from "node:assert/strict";
import { Command, Help } from "../../deps/commander.ts";
import { COMMAND_TABLE, commandName } from "./table.ts";
import { CliContext } from "../context.ts";
import { Registry } from "../../workflow/registry.ts";

Deno.test("command table: every row says what its module registers (name, usage, description)", async () => {
  const cli = new CliContext(new Registry());
  const help = new Help();
  for (const entry of COMMAND_TABLE) {
    const program = new Command();
    (await entry.load())(program as never, cli);
    const cmd = program.commands.find((c) => c.name() === entry.name);
    assert.ok(cmd, `${entry.name}: its module does not register it`);
    assert.equal(help.subcommandTerm(cmd), `${entry.name} ${entry.usage}`, entry.name);
    assert.equal(cmd.description(), entry.description, entry.name);
    const grouped = COMMAND_TABLE.filter((c) => c.group && c.group === entry.group);
    for (const other of program.commands) {
      assert.ok(
        other.name() === entry.name || grouped.some((g) => g.name === other.name()),
        `${entry.name}: registers ${other.name()} outside its group`,
      );
    }
  }
});

Deno.test("commandName: skips options and global option values; help X names X", () => {
  assert.equal(commandName(["-v", "--log-file", "x.log", "mirror", "a", "b"]), "mirror");
  assert.equal(commandName(["--plugin", "./p.ts", "hello"]), "hello");
  assert.equal(commandName(["--log-format=json", "ls", "ftp://h/"]), "ls");
  assert.equal(commandName(["help", "ls"]), "ls");
  assert.equal(commandName(["help"]), "help");
  assert.equal(commandName(["--version"]), undefined);
  assert.equal(commandName([]), undefined);
});
