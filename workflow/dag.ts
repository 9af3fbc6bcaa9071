/**
 * The job graph made by `needs:`: cycle detection for the validator, and the
 * selection and ordering the runner uses. Pure functions over plain maps.
 * @module
 */

/** Job name -> names of the jobs it needs. */
export type Needs = ReadonlyMap<string, readonly string[]>;

/**
 * Every elementary cycle found by a depth-first search, each as the list of jobs
 * in order with the first repeated at the end (`["a", "b", "a"]`). Each cycle is
 * reported once, starting at its first job in `needs` order.
 *
 * @example
 * ```ts
 * findCycles(new Map([["a", ["b"]], ["b", ["a"]], ["c", []]])); // [["a", "b", "a"]]
 * ```
 */
export function findCycles(needs: Needs): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (job: string) => {
    state.set(job, "active");
    stack.push(job);
    for (const dep of needs.get(job) ?? []) {
      if (!needs.has(dep)) continue; // unknown names are reported elsewhere
      const s = state.get(dep);
      if (s === "active") {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        const key = canonical(cycle);
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (s === undefined) visit(dep);
    }
    stack.pop();
    state.set(job, "done");
  };
  for (const job of needs.keys()) if (!state.has(job)) visit(job);
  return cycles;
}

function canonical(cycle: string[]): string {
  const ring = cycle.slice(0, -1);
  const min = ring.reduce((m, x, i) => (x < ring[m] ? i : m), 0);
  return [...ring.slice(min), ...ring.slice(0, min)].join("\0");
}

/**
 * The jobs to run for a selection: the selected ones plus everything they need,
 * transitively; all jobs when `selected` is empty or undefined. Keeps `needs` order.
 *
 * @example
 * ```ts
 * selectJobs(new Map([["a", []], ["b", ["a"]], ["c", []]]), ["b"]); // ["a", "b"]
 * ```
 */
export function selectJobs(needs: Needs, selected?: readonly string[]): string[] {
  if (!selected || selected.length === 0) return [...needs.keys()];
  const keep = new Set<string>();
  const add = (job: string) => {
    if (keep.has(job)) return;
    keep.add(job);
    for (const dep of needs.get(job) ?? []) add(dep);
  };
  for (const job of selected) add(job);
  return [...needs.keys()].filter((j) => keep.has(j));
}

/**
 * A topological order (dependencies first; ties keep declaration order). Throws
 * on a cycle; the validator reports cycles before a run can get here.
 *
 * @example
 * ```ts
 * topoOrder(new Map([["b", ["a"]], ["a", []]])); // ["a", "b"]
 * ```
 */
export function topoOrder(needs: Needs): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  let progressed = true;
  while (order.length < needs.size && progressed) {
    progressed = false;
    for (const [job, deps] of needs) {
      if (done.has(job)) continue;
      if (deps.every((d) => done.has(d) || !needs.has(d))) {
        order.push(job);
        done.add(job);
        progressed = true;
      }
    }
  }
  if (order.length < needs.size) throw new Error("cycle in needs");
  return order;
}
