/**
 * ajv: used by the tests only (never by the library or the CLI), to check that
 * `ferry schema` accepts what `ferry validate` accepts (and rejects what it rejects).
 * @module
 */
export { Ajv2020 } from "npm:ajv@^8.17.1/dist/2020.js";
