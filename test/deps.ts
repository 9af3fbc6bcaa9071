/**
 * Packages only the tests use (never imported by the library or the CLI).
 * @module
 */
// ajv: checks that `ferry schema` accepts what `ferry validate` accepts (and rejects what it rejects).
export { Ajv2020 } from "npm:ajv@^8.17.1/dist/2020.js";
