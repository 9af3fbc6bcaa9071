/**
 * How a scheme declares its `options:` map (a workflow endpoint's extras): its
 * keys and their types, as plain data, checked when a workflow is loaded.
 * @module
 */

/** One key of a scheme's `options:` map (a workflow endpoint's extras for its scheme). */
export interface SchemeOption {
  /** What the value must be. */
  type: "string" | "number" | "integer" | "boolean" | "object";
  /** The only values accepted, when there is such a list (`type` then only documents). */
  values?: readonly (string | number | boolean)[];
  /** One line saying what it does. */
  description?: string;
}

/**
 * The keys a scheme's `options:` map takes. A workflow naming another key, or a
 * value of another type, is invalid (file:line:col, the known keys, "did you
 * mean"). Plain data, so declaring it loads nothing.
 */
export type SchemeOptions = Readonly<Record<string, SchemeOption>>;
