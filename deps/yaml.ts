/**
 * yaml: parseDocument + LineCounter keep node positions, so every workflow
 * problem is reported as file:line:col, and it reports all syntax errors, not
 * only the first.
 * @module
 */
export * as yaml from "npm:yaml@^2.9.1";
