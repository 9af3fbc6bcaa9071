/**
 * The built-in auth methods: anonymous, password (inline, env or file), netrc,
 * command (run a program, use its output) and prompt (ask at the terminal).
 * Every secret a method learns is registered before it is returned, so no
 * printer can show it.
 * @module
 */
import { resolve } from "node:path";
import { z } from "../../deps/zod.ts";
import type { AuthContext, AuthMethod, Credentials } from "../plugin.ts";
import { AuthError } from "../errors.ts";
import { defaultNetrcPath, findNetrc, parseNetrc } from "./netrc.ts";
import { promptSecret } from "./prompt.ts";

const user = z.string().min(1).optional().meta({
  description: "user name (default: the one in the URL)",
});

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
export const anonymousAuth: AuthMethod<{ email?: string }> = {
  name: "anonymous",
  description: "anonymous login (user anonymous, an e-mail address as password)",
  schema: z.object({ email: z.string().optional() }),
  resolve: (options) =>
    Promise.resolve({ user: "anonymous", password: options.email ?? "anonymous@" }),
};

const PASSWORD_SOURCES = ["password", "passwordEnv", "passwordFile"] as const;

type PasswordOptions = {
  user?: string;
  password?: string;
  passwordEnv?: string;
  passwordFile?: string;
};

/** `password`: inline (discouraged), from an env variable, or from a file. */
export const passwordAuth: AuthMethod<PasswordOptions> = {
  name: "password",
  description: "user and password; the password from passwordEnv, passwordFile or password",
  schema: z.object({
    user,
    password: z.string().optional().meta({ description: "use ${env:NAME} rather than a literal" }),
    passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional().meta({
      description: "name of the environment variable holding the password",
    }),
    passwordFile: z.string().optional().meta({
      description: "file whose first line is the password",
    }),
  }).check((ctx) => {
    const given = PASSWORD_SOURCES.filter((k) => ctx.value[k] !== undefined);
    if (given.length !== 1) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        message: `give exactly one of password, passwordEnv, passwordFile (got ${
          given.length === 0 ? "none" : given.join(", ")
        })`,
      });
    }
  }),
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
export const netrcAuth: AuthMethod<{ user?: string; file?: string; optional?: boolean }> = {
  name: "netrc",
  description: "login and password from ~/.netrc ($NETRC, or file:)",
  schema: z.object({
    user,
    file: z.string().optional(),
    optional: z.boolean().optional().meta({
      description: "no file or no entry: go on without credentials (as lftp does)",
    }),
  }),
  async resolve(options, ctx): Promise<Credentials> {
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

type CommandOptions = { user?: string; command: string | string[]; timeout?: number };

/** `command`: runs a program (a password manager) and uses its first output line. */
export const commandAuth: AuthMethod<CommandOptions> = {
  name: "command",
  description: "run a command and use the first line of its output as the password",
  schema: z.object({
    user,
    command: z.union([z.string().min(1), z.array(z.string()).min(1)]).meta({
      description: 'a shell command line, or an argv list like ["pass", "show", "ftp"]',
    }),
    timeout: z.number().positive().optional().meta({ description: "seconds (default 30)" }),
  }),
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
export const promptAuth: AuthMethod<{ user?: string; prompt?: string }> = {
  name: "prompt",
  description: "ask for the password at the terminal (fails when not interactive)",
  schema: z.object({ user, prompt: z.string().optional() }),
  async resolve(options, ctx): Promise<Credentials> {
    const u = needUser(options, ctx, "prompt");
    if (!ctx.interactive) {
      throw new AuthError(
        `auth method prompt: no terminal to ask for the password of ${u}@${ctx.url.host}`,
      );
    }
    const password = await promptSecret(
      options.prompt ?? `Password for ${u}@${ctx.url.host}: `,
      ctx.signal,
    );
    ctx.secrets.add(password);
    return { user: u, password };
  },
};

/** All built-in methods. */
export const builtinAuthMethods: AuthMethod[] = [
  anonymousAuth,
  passwordAuth,
  netrcAuth,
  commandAuth,
  promptAuth,
] as AuthMethod[];

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0] ?? "";
}

function errName(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
