/**
 * Where a traced `ferry sync` spent its time (bench tool, not a test): reads
 * the JSON log of one run (`--debug --log-file F`, as `bench/wan_sync.ts
 * --log-dir` writes it) up to its first run-end record, and prints the
 * phases (first reply, walk, plan, execution, state save) in seconds from the
 * first record, then per control connection its span and commands by verb.
 *
 *   deno run -A bench/sync_phases.ts LOG.jsonl [--rtt 40]   (--rtt: also in round trips)
 * @module
 */
import { parseArgs } from "node:util";

/** One line of the JSON log (the fields read here). */
export interface LogLine {
  time: string;
  category: string;
  message: string;
  conn?: number;
}

/** The phases of one traced sync, in seconds from its first record. */
export interface SyncPhases {
  firstReply?: number;
  walked?: number;
  planned?: number;
  executed?: number;
  saved?: number;
  end?: number;
  /** Per control connection: first and last line, and commands sent by verb. */
  connections: Map<number, { from: number; to: number; verbs: Map<string, number> }>;
}

/**
 * Reads the phases of the first run in `lines`.
 *
 * @example
 * ```ts
 * const p = syncPhases(text.split("\n").filter(Boolean).map((l) => JSON.parse(l)));
 * console.log(p.walked, p.executed);
 * ```
 */
export function syncPhases(lines: LogLine[]): SyncPhases {
  const out: SyncPhases = { connections: new Map() };
  if (lines.length === 0) return out;
  const t0 = Date.parse(lines[0].time);
  const marks: [RegExp, keyof Omit<SyncPhases, "connections">][] = [
    [/^walked/, "walked"],
    [/^planned/, "planned"],
    [/^executed/, "executed"],
    [/^state saved/, "saved"],
  ];
  for (const line of lines) {
    const t = (Date.parse(line.time) - t0) / 1000;
    if (line.category === "ferry.run-end") {
      out.end = t;
      break;
    }
    if (line.category === "ferry.sync.two-way") {
      for (const [re, key] of marks) if (re.test(line.message)) out[key] = t;
    }
    if (line.category !== "ferry.ftp.control" || line.conn === undefined) continue;
    if (line.message.startsWith("< ")) out.firstReply ??= t;
    const c = out.connections.get(line.conn) ?? { from: t, to: t, verbs: new Map() };
    c.to = t;
    if (line.message.startsWith("> ")) {
      const verb = line.message.slice(2).split(" ")[0];
      c.verbs.set(verb, (c.verbs.get(verb) ?? 0) + 1);
    }
    out.connections.set(line.conn, c);
  }
  return out;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { rtt: { type: "string" } },
  });
  const rtt = values.rtt ? Number(values.rtt) / 1000 : undefined;
  const text = await Deno.readTextFile(positionals[0]);
  const p = syncPhases(text.split("\n").filter(Boolean).map((l) => JSON.parse(l)));
  const show = (name: string, from = 0, to?: number) => {
    if (to === undefined) return;
    const s = to - from;
    const rounds = rtt ? ` (${(s / rtt).toFixed(1)} RTT)` : "";
    console.log(`${name.padEnd(28)} ${s.toFixed(3)} s${rounds}`);
  };
  show("start to first reply", 0, p.firstReply);
  show("start to walked", 0, p.walked);
  show("plan", p.walked, p.planned);
  show("execution", p.planned, p.executed);
  show("state save", p.executed, p.saved);
  show("save to run-end", p.saved, p.end);
  show("total (log)", 0, p.end);
  for (const [conn, c] of [...p.connections].sort(([a], [b]) => a - b)) {
    const verbs = [...c.verbs].map(([v, n]) => `${v} ${n}`).join(", ");
    console.log(`conn ${conn}: ${c.from.toFixed(3)}-${c.to.toFixed(3)} s: ${verbs}`);
  }
}
