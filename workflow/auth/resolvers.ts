/**
 * The built-in auth methods' resolvers: anonymous, password (inline, env or
 * file), netrc, command (run a program, use its output) and prompt (ask at the
 * terminal). Their option schemas (zod) are in methods.ts: the CLI resolves
 * credentials with these alone, so `ferry ls` starts without zod.
 * Every secret a method learns is registered before it is returned, so no
 * printer can show it.
 * @module
 */
import { resolve } from "../../util/paths.ts";
import type { AuthContext, AuthMethod, Credentials } from "../plugin.ts";
import { AuthError } from "../errors.ts";

// The netrc parser and the terminal prompt, imported by the methods that use
// them (a run with a password from the environment loads neither); specifiers
// in variables, which Deno does not read ahead when it loads this module.
const NETRC_MODULE = new URL("./netrc.ts", import.meta.url).href;
const PROMPT_MODULE = new URL("./prompt.ts", import.meta.url).href;

function userOf(options: { user?: string }, ctx: AuthContext): string | undefined {
  return options.user ?? (ctx.url.username ? decodeURIComponent(ctx.url.username) : undefined);
}

function needUser(options: { user?: string }, ctx: AuthContext, method: string): string {
  const u = userOf(options, ctx);
  if (!u) {
    throw new AuthError(`auth method ${method}: no user given (set user: or put it in the URL)`);
  }
  return u;
}

/** `anonymous`: user `anonymous`, the e-mail address as password (RFC 1635). */
export const anonymousResolver: AuthMethod<{ email?: string }> = {
  name: "anonymous",
  description: "anonymous login (user anonymous, an e-mail address as password)",
  resolve: (options) =>
    Promise.resolve({ user: "anonymous", password: options.email ?? "anonymous@" }),
};

const PASSWORD_SOURCES = ["password", "passwordEnv", "passwordFile"] as const;

/** Options of the `password` method. */
export type PasswordOptions = {
  user?: string;
  password?: string;
  passwordEnv?: string;
  passwordFile?: string;
};

/** `password`: inline (discouraged), from an env variable, or from a file. */
export const passwordResolver: AuthMethod<PasswordOptions> = {
  name: "password",
  description: "user and password; the password from passwordEnv, passwordFile or password",
  async resolve(options, ctx): Promise<Credentials> {
    const u = needUser(options, ctx, "password");
    const given = PASSWORD_SOURCES.filter((k) => options[k] !== undefined);
    if (given.length !== 1) {
      throw new AuthError(
        `auth method password: give exactly one of password, passwordEnv, passwordFile (got ${
          given.length === 0 ? "none" : given.join(", ")
        })`,
      );
    }
    let password: string | undefined = options.password;
    if (options.passwordEnv !== undefined) {
      password = ctx.env(options.passwordEnv);
      if (password === undefined) {
        throw new AuthError(`environment variable ${options.passwordEnv} is not set`);
      }
    } else if (options.passwordFile !== undefined) {
      const file = resolve(ctx.baseDir, options.passwordFile);
      try {
        password = firstLine(await Deno.readTextFile(file));
      } catch (e) {
        throw new AuthError(`cannot read password file ${file}: ${errName(e)}`, { cause: e });
      }
    }
    ctx.secrets.add(password);
    return { user: u, password };
  },
};

/** `netrc`: the host's entry of `~/.netrc` (or `$NETRC`, or `file:`). */
export const netrcResolver: AuthMethod<{ user?: string; file?: string; optional?: boolean }> = {
  name: "netrc",
  description: "login and password from ~/.netrc ($NETRC, or file:)",
  async resolve(options, ctx): Promise<Credentials> {
    const { defaultNetrcPath, findNetrc, parseNetrc } =
      await (import(NETRC_MODULE) as Promise<typeof import("./netrc.ts")>);
    const path = options.file ? resolve(ctx.baseDir, options.file) : defaultNetrcPath(ctx.env);
    const fallback = () => {
      const u = userOf(options, ctx);
      return u === undefined ? {} : { user: u };
    };
    if (!path) {
      if (options.optional) return fallback();
      throw new AuthError("netrc: no HOME and no NETRC to find the file");
    }
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      if (options.optional && e instanceof Deno.errors.NotFound) return fallback();
      throw new AuthError(`cannot read netrc file ${path}: ${errName(e)}`, { cause: e });
    }
    const entries = parseNetrc(text);
    for (const e of entries) ctx.secrets.add(e.password);
    const entry = findNetrc(entries, ctx.url.hostname, userOf(options, ctx));
    if (!entry && options.optional) return fallback();
    if (!entry) throw new AuthError(`netrc: no entry for ${ctx.url.hostname} in ${path}`);
    return {
      user: entry.login ?? userOf(options, ctx),
      password: entry.password,
      account: entry.account,
    };
  },
};

/** Options of the `command` method. */
export type CommandOptions = { user?: string; command: string | string[]; timeout?: number };

/** `command`: runs a program (a password manager) and uses its first output line. */
export const commandResolver: AuthMethod<CommandOptions> = {
  name: "command",
  description: "run a command and use the first line of its output as the password",
  async resolve(options, ctx): Promise<Credentials> {
    const u = needUser(options, ctx, "command");
    const argv = typeof options.command === "string"
      ? ["sh", "-c", options.command]
      : options.command;
    const timeout = AbortSignal.timeout((options.timeout ?? 30) * 1000);
    const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command(argv[0], {
        args: argv.slice(1),
        cwd: ctx.baseDir,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
        signal,
      }).output();
    } catch (e) {
      throw new AuthError(`password command ${argv[0]} could not run: ${errName(e)}`, { cause: e });
    }
    if (!out.success) {
      // Its output is not shown: it may hold the very secret.
      const why = timeout.aborted ? "timed out" : `exited with ${out.code}`;
      throw new AuthError(`password command ${argv[0]} ${why}`);
    }
    const password = firstLine(new TextDecoder().decode(out.stdout));
    if (password === "") throw new AuthError(`password command ${argv[0]} printed nothing`);
    ctx.secrets.add(password);
    return { user: u, password };
  },
};

/** `prompt`: asks at the terminal, once per run and endpoint. */
export const promptResolver: AuthMethod<{ user?: string; prompt?: string }> = {
  name: "prompt",
  description: "ask for the password at the terminal (fails when not interactive)",
  async resolve(options, ctx): Promise<Credentials> {
    const u = needUser(options, ctx, "prompt");
    if (!ctx.interactive) {
      throw new AuthError(
        `auth method prompt: no terminal to ask for the password of ${u}@${ctx.url.host}`,
      );
    }
    const { promptSecret } = await (import(PROMPT_MODULE) as Promise<typeof import("./prompt.ts")>);
    const password = await promptSecret(
      options.prompt ?? `Password for ${u}@${ctx.url.host}: `,
      ctx.signal,
    );
    ctx.secrets.add(password);
    return { user: u, password };
  },
};

/** All built-in methods, without their option schemas (methods.ts adds those). */
export const authResolvers: AuthMethod[] = [
  anonymousResolver,
  passwordResolver,
  netrcResolver,
  commandResolver,
  promptResolver,
] as AuthMethod[];

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? "";
}

function errName(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
