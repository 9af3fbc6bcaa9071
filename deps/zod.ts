/**
 * zod 4: one definition of the workflow format for validation and `ferry schema`.
 * @module
 */
export { z } from "npm:zod@^4.6.7";
