import assert from "node:assert/strict";
import { CWD_TURN_KEY, cwdTurn } from "./cwd_turn.ts";
import { fromInside } from "./listing_commands.ts";

const macrotask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A session's directory, one command at a time in the order sent, each a macrotask long. */
class Dirs {
  where = "/";
  readonly log: string[] = [];
  #lock: Promise<unknown> = Promise.resolve();
  #run<T>(line: string, fn: () => T): Promise<T> {
    const run = this.#lock.then(async () => {
      this.log.push(line);
      const result = fn();
      await macrotask();
      return result;
    });
    this.#lock = run.catch(() => {});
    return run;
  }
  pwd() {
    return this.#run("PWD", () => this.where);
  }
  cwd(path: string) {
    return this.#run(`CWD ${path}`, () => void (this.where = path));
  }
  list(path: string) {
    return this.#run(`LIST ${path}`, () => path === "" ? `listed ${this.where}` : `listed ${path}`);
  }
}

Deno.test("cwdTurn: a CWD elsewhere waits for a listing made from inside (FtpClient.list's way)", async () => {
  for (let offset = 0; offset < 6; offset++) {
    const dirs = new Dirs();
    const later = async () => {
      for (let i = 0; i < offset; i++) await macrotask();
      await cwdTurn(dirs, () => dirs.cwd("/pub"));
    };
    const [listed] = await Promise.all([
      fromInside(dirs, "/sp ace", (p) => dirs.list(p)),
      later(),
    ]);
    assert.equal(listed, "listed /sp ace", `offset ${offset}: ${dirs.log.join(", ")}`);
    assert.equal(dirs.where, "/pub", `offset ${offset}: ${dirs.log.join(", ")}`);
  }
});

Deno.test("cwdTurn: turns run in the order asked; a failed one does not stop the next", async () => {
  const session = {};
  const order: string[] = [];
  const a = cwdTurn(session, async () => {
    await macrotask();
    order.push("a");
    throw new Error("a failed");
  });
  const b = cwdTurn(session, () => Promise.resolve(order.push("b")));
  await assert.rejects(a, /a failed/);
  assert.equal(await b, 2);
  assert.deepEqual(order, ["a", "b"]);
});

Deno.test("cwdTurn: a view naming its session under CWD_TURN_KEY shares the session's queue", async () => {
  const session = {};
  const view = { [CWD_TURN_KEY]: session };
  const order: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => release = resolve);
  const first = cwdTurn(session, async () => {
    order.push("session in");
    await held;
    order.push("session out");
  });
  const second = cwdTurn(view, () => Promise.resolve(void order.push("view")));
  await macrotask();
  assert.deepEqual(order, ["session in"]);
  release();
  await Promise.all([first, second]);
  assert.deepEqual(order, ["session in", "session out", "view"]);
});
