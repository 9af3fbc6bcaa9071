import { Command } from "/work/wt/startup/deps/commander.ts";
new Command().version("1").parse(["node", "x", "--version"]);
