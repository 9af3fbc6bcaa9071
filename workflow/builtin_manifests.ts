/**
 * The built-in plugin modules (plugins/) described without importing them, so
 * the CLI knows their commands and the registry their names at start-up and
 * imports a module only when something of it is used (`ferry serve` loads the
 * server, a `uftp://` URL the UFTP plugin). A test checks each manifest against
 * its module.
 * @module
 */
import type { PluginManifest } from "./registry.ts";

/** A built-in plugin: where its module is and what it adds. */
export interface BuiltinPlugin {
  /** Import URL, relative to this file, so it resolves from disk and by URL alike. */
  module: string;
  manifest: PluginManifest;
  /**
   * Per scheme, a module the CLI imports before anything else for a one-file
   * get/put of that scheme (see {@link headStartModule}).
   */
  headStart?: Record<string, string>;
}

/**
 * A scheme's head-start module: it exports `startHead(url, { ca })`, which
 * starts making the session a one-file get/put of `url` (an endpoint root)
 * will want, returning `{ dispose() }` to close it when nobody took it.
 *
 * @example
 * ```ts
 * headStartModule("uftp"); // "file:///.../plugins/uftp/head.ts"
 * headStartModule("s3");   // undefined
 * ```
 */
export function headStartModule(scheme: string): string | undefined {
  for (const plugin of BUILTIN_PLUGINS) {
    const module = plugin.headStart?.[scheme];
    if (module) return module;
  }
  return undefined;
}

/**
 * ferry's own job kinds (workflow/core_jobs.ts), for a registry that imports
 * the sync engine only when a job runs.
 *
 * @example
 * ```ts
 * CORE_JOBS.manifest.jobKinds; // ["mirror", "sync", ...]
 * ```
 */
export const CORE_JOBS: BuiltinPlugin = {
  module: new URL("./core_jobs.ts", import.meta.url).href,
  manifest: {
    name: "ferry-jobs",
    jobKinds: ["mirror", "sync", "walk", "rmtree", "upload-if-newer", "download-if-newer"],
  },
};

/**
 * ferry's built-in plugin modules and their manifests.
 *
 * @example
 * ```ts
 * BUILTIN_PLUGINS.map((p) => p.manifest.name); // ["server", "uftp", "s3"]
 * ```
 */
export const BUILTIN_PLUGINS: readonly BuiltinPlugin[] = [
  {
    module: new URL("../plugins/server/mod.ts", import.meta.url).href,
    manifest: {
      name: "server",
      commands: [{
        name: "serve",
        description: "serve a directory or an endpoint over FTP/FTPS",
        usage: "[options] [DIR|ENDPOINT_URL] | hash-password [PASSWORD]",
        endpointFlags: true,
      }],
    },
  },
  {
    module: new URL("../plugins/uftp/plugin.ts", import.meta.url).href,
    headStart: { uftp: new URL("../plugins/uftp/head.ts", import.meta.url).href },
    manifest: {
      name: "uftp",
      authMethods: ["unicore"],
      endpointSchemes: [{
        scheme: "uftp",
        description:
          "uftp://user@authhost:port[/prefix]/rest/auth/NAME:/base/dir (PyUNICORE's form)",
      }],
      commands: [{
        name: "uftp-serve",
        description: "serve a directory as a UFTP site (UFTPD + HTTPS auth service)",
        usage: "[options] [DIR]",
      }],
    },
  },
  {
    module: new URL("../plugins/s3/mod.ts", import.meta.url).href,
    manifest: {
      name: "s3",
      authMethods: ["s3"],
      endpointSchemes: [{
        scheme: "s3",
        description:
          "s3://BUCKET/PREFIX (keys, region and endpoint as the AWS CLI finds them; options: endpoint, region, pathStyle)",
      }],
    },
  },
];
