/**
 * commander + extra-typings: typed sub-commands and options for cli/.
 * @module
 */
export {
  Command,
  CommanderError,
  Help,
  InvalidArgumentError,
  Option,
} from "npm:@commander-js/extra-typings@^15.1.0";
