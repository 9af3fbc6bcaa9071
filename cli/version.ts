/** The version printed by `ferry --version`. */
export const VERSION = "0.1.0";
