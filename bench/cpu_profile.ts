/**
 * A V8 CPU profile of the running Deno process through `node:inspector`
 * (Deno 2.9.6 has no `--cpu-prof`), and its self time per function.
 * bench/server_run.ts uses it with `--profile FILE`.
 * @module
 */
import { Session } from "node:inspector";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
}

/**
 * Starts profiling; the function returned stops, writes the profile as JSON
 * (loadable in Chrome DevTools) and returns the top self-time lines.
 *
 * @example
 * ```ts
 * const stop = await startProfile();
 * console.log(await stop("/tmp/server.cpuprofile"));
 * ```
 */
export async function startProfile(intervalUs = 500): Promise<(file: string) => Promise<string>> {
  const s = new Session();
  s.connect();
  const post = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve, reject) =>
      s.post(method, params, (e: Error | null, r?: object) => e ? reject(e) : resolve(r as T))
    );
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: intervalUs });
  await post("Profiler.start");
  return async (file) => {
    const { profile } = await post<{ profile: Profile }>("Profiler.stop");
    await Deno.writeTextFile(file, JSON.stringify(profile));
    return summarize(profile);
  };
}

/**
 * Self time per function (top 40), as text.
 *
 * @example
 * ```ts
 * console.log(summarize(JSON.parse(Deno.readTextFileSync("x.cpuprofile"))));
 * ```
 */
export function summarize(profile: Profile, top = 40): string {
  const total = profile.nodes.reduce((n, x) => n + (x.hitCount ?? 0), 0);
  const by = new Map<string, number>();
  for (const n of profile.nodes) {
    const f = n.callFrame;
    const where = f.url.replace(/^.*\/(ext|node|srvmem2|ferry)\//, "$1/");
    const key = `${f.functionName || "(anonymous)"} ${where}:${f.lineNumber + 1}`;
    by.set(key, (by.get(key) ?? 0) + (n.hitCount ?? 0));
  }
  return [...by].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([k, v]) => `${(100 * v / total).toFixed(1).padStart(5)} % ${k}`).join("\n");
}
