/**
 * The hosting environment: name, content root, web root.
 *
 * @module
 */

/**
 * Where and as what the app runs (`IWebHostEnvironment`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HostingEnvironment } from "../mod.ts";
 *
 * const environment = new HostingEnvironment({ name: "Development", contentRootPath: "/srv/app" });
 * assert.equal(environment.isDevelopment(), true);
 * assert.equal(environment.webRootPath, "/srv/app/wwwroot");
 * ```
 */
export class HostingEnvironment {
  /** The environment's name: `Production`, `Development`, `Staging`, …. */
  readonly name: string;
  /** The application's name. */
  readonly applicationName: string;
  /** The directory the app's files are relative to. */
  readonly contentRootPath: string;
  /** The directory static files are served from. */
  readonly webRootPath: string;

  /**
   * Makes an environment.
   *
   * @param options Name and paths; `webRootPath` defaults to `wwwroot` under
   * the content root.
   */
  constructor(options: {
    name?: string;
    applicationName?: string;
    contentRootPath?: string;
    webRootPath?: string;
  } = {}) {
    this.name = options.name || "Production";
    this.applicationName = options.applicationName ?? "roost-app";
    const root = options.contentRootPath ?? Deno.cwd();
    this.contentRootPath = root;
    const web = options.webRootPath ?? "wwwroot";
    this.webRootPath = web.startsWith("/")
      ? web
      : `${root.replace(/\/$/, "")}/${web}`;
  }

  /**
   * Whether the environment has this name (case-insensitive).
   *
   * @param name The name to compare.
   */
  isEnvironment(name: string): boolean {
    return this.name.toLowerCase() === name.toLowerCase();
  }

  /** Whether this is `Development`. */
  isDevelopment(): boolean {
    return this.isEnvironment("Development");
  }

  /** Whether this is `Staging`. */
  isStaging(): boolean {
    return this.isEnvironment("Staging");
  }

  /** Whether this is `Production`. */
  isProduction(): boolean {
    return this.isEnvironment("Production");
  }
}
