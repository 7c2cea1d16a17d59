// The endpoints one ApplicationBuilder maps, and the two pipeline components
// that route to them: the matcher useRouting() places, and the executor that
// sits where the first endpoint was mapped (and matches itself when no
// matcher ran).

import {
  EndpointFeature,
  EndpointMetadata,
  type HttpContext,
  HttpError,
  type HttpRequest,
  type RouteEndpoint,
} from "../../features/mod.ts";
import type {
  Middleware,
  PipelineComponent,
  RequestDelegate,
} from "../pipeline.ts";
import type { LinkRegistry } from "./_link_generator.ts";
import { parseRouteTemplate } from "./_route_template.ts";
import { RouteTable } from "./_route_table.ts";
import type { MetadataType } from "../_endpoint_metadata_readers.ts";

/** What a group gives its endpoints: a prefix, middleware and metadata. */
export interface GroupState {
  readonly prefix: string;
  readonly parent: GroupState | undefined;
  readonly middleware: Middleware[];
  readonly metadata: unknown[];
}

/** One mapped endpoint, until the pipeline is built. */
export interface Registration {
  readonly methods: readonly string[] | undefined;
  /** The template, group prefixes included, relative to the branch. */
  readonly template: string;
  readonly handler: RequestDelegate;
  readonly group: GroupState | undefined;
  name: string | undefined;
  displayName: string;
  readonly metadata: unknown[];
}

/** Builds a handler with middleware around it, as a branch pipeline. */
export type Compose = (
  middleware: readonly Middleware[],
  handler: RequestDelegate,
) => RequestDelegate;

// Where useRouting() selected each request's endpoint: an error page's
// re-execution selects its own there, so that the middleware between
// routing and the endpoints (CORS, rate limits, timeouts) read the error
// endpoint's metadata, as in ASP.NET.
const selectors = new WeakMap<HttpContext, (ctx: HttpContext) => void>();

/**
 * Selects the endpoint for the request's current path where useRouting()
 * selected it first, when it did; for the exception handler and status code
 * pages, which re-execute at another path.
 */
export function reselectEndpoint(ctx: HttpContext): void {
  selectors.get(ctx)?.(ctx);
}

// What the matcher records when it found no endpoint.
const NONE: unique symbol = Symbol("no endpoint");

// What the matcher chose, and for which path.
interface Selection {
  path: string;
  delegate: RequestDelegate | typeof NONE;
}

/** Joins a group prefix and a template: `"/api"` + `"/books"`. */
export function joinTemplates(prefix: string, template: string): string {
  const head = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  if (template === "" || template === "/") return head === "" ? "/" : head;
  return template.startsWith("/") ? head + template : `${head}/${template}`;
}

function displayNameOf(
  methods: readonly string[] | undefined,
  template: string,
): string {
  return `${methods === undefined ? "Fallback" : methods.join(", ")} ${
    template.startsWith("/") ? template : `/${template}`
  }`;
}

interface Matched {
  readonly feature: EndpointFeature;
  readonly delegate: RequestDelegate;
}

/** The endpoints of one ApplicationBuilder. */
export class EndpointRouter {
  readonly #table = new RouteTable<Registration>();
  readonly #fallbacks = new RouteTable<Registration>();
  readonly #registrations: Registration[] = [];
  readonly #links: LinkRegistry;
  readonly #branchPrefix: string;
  readonly #delegates = new Map<Registration, RequestDelegate>();
  readonly #endpoints = new Map<Registration, RouteEndpoint>();
  // The endpoint the matcher selected (or NONE) for a path, for the
  // executor after it.
  readonly #pending = new WeakMap<HttpContext, Selection>();
  #built = false;
  /** Whether useRouting() placed a matcher ahead of the endpoints. */
  routing = false;
  /** Whether the executor is in the pipeline. */
  placed = false;

  /**
   * @param links Where named endpoints are registered.
   * @param branchPrefix The `map()` prefixes above this builder, for links.
   */
  constructor(links: LinkRegistry, branchPrefix: string) {
    this.#links = links;
    this.#branchPrefix = branchPrefix;
  }

  /**
   * Maps an endpoint.
   *
   * @throws {TypeError} For a malformed template, or one that an endpoint
   * already mapped matches the same way.
   */
  add(
    methods: readonly string[] | undefined,
    template: string,
    handler: RequestDelegate,
    group: GroupState | undefined,
  ): Registration {
    if (this.#built) {
      throw new TypeError(
        `Cannot map "${template}": the pipeline is already built. Map endpoints while configuring the app.`,
      );
    }
    if (typeof handler !== "function") {
      throw new TypeError(
        `The handler of "${template}" must be a function (ctx) => …, got ${typeof handler}`,
      );
    }
    const pattern = parseRouteTemplate(template);
    const registration: Registration = {
      methods,
      template,
      handler,
      group,
      name: undefined,
      displayName: displayNameOf(methods, template),
      metadata: [],
    };
    const table = methods === undefined ? this.#fallbacks : this.#table;
    table.add({
      pattern,
      methods,
      displayName: registration.displayName,
      value: registration,
    });
    this.#registrations.push(registration);
    return registration;
  }

  /**
   * The display names of the endpoints whose metadata (their own, or their
   * groups') holds an instance of one of `types`.
   */
  endpointsWith(types: readonly MetadataType[]): string[] {
    const carries = (metadata: unknown[]) =>
      metadata.some((item) => types.some((type) => item instanceof type));
    return this.#registrations.filter((registration) => {
      if (carries(registration.metadata)) return true;
      for (let g = registration.group; g !== undefined; g = g.parent) {
        if (carries(g.metadata)) return true;
      }
      return false;
    }).map((registration) => registration.displayName);
  }

  /** Parses `template`, so a malformed one fails where it was written. */
  check(template: string): void {
    parseRouteTemplate(template);
  }

  /** Names an endpoint, so links can be made to it. */
  name(registration: Registration, name: string): void {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(
        `An endpoint name must be a non-empty string, got ${
          JSON.stringify(name)
        } for "${registration.displayName}"`,
      );
    }
    if (registration.name !== undefined) {
      throw new TypeError(
        `"${registration.displayName}" is already named "${registration.name}": an endpoint has one name`,
      );
    }
    this.#links.add(
      name,
      registration.displayName,
      joinTemplates(this.#branchPrefix, registration.template),
    );
    registration.name = name;
  }

  /** Builds every endpoint: its metadata, and its handler with its groups' middleware. */
  #build(compose: Compose): void {
    if (this.#built) return;
    this.#built = true;
    for (const registration of this.#registrations) {
      const middleware: Middleware[] = [];
      const metadata: unknown[] = [];
      const groups: GroupState[] = [];
      for (let g = registration.group; g !== undefined; g = g.parent) {
        groups.unshift(g);
      }
      for (const group of groups) {
        middleware.push(...group.middleware);
        metadata.push(...group.metadata);
      }
      metadata.push(...registration.metadata);
      this.#endpoints.set(
        registration,
        Object.freeze({
          displayName: registration.displayName,
          name: registration.name,
          routePattern: joinTemplates(
            this.#branchPrefix,
            registration.template,
          ),
          methods: registration.methods,
          metadata: new EndpointMetadata(metadata),
        }),
      );
      this.#delegates.set(
        registration,
        compose(middleware, registration.handler),
      );
    }
  }

  #find(method: string, path: string): Matched | undefined {
    let found = this.#table.match(method, path);
    if (found === undefined && this.#fallbacks.size > 0) {
      found = this.#fallbacks.match(method, path);
    }
    if (found === undefined) return undefined;
    if ("allow" in found) return methodNotAllowed(method, found.allow);
    const registration = found.entry.value;
    return {
      feature: {
        endpoint: this.#endpoints.get(registration),
        routeValues: found.values,
      },
      delegate: this.#delegates.get(registration) as RequestDelegate,
    };
  }

  #match(ctx: HttpContext): Matched | undefined {
    const request = ctx.request;
    const method = request.method;
    const matched = this.#find(method, request.path);
    if (method !== "OPTIONS" || matched === undefined) return matched;
    // A CORS preflight asks about another method: like ASP.NET, select the
    // endpoint for that method, so CORS middleware after useRouting() reads
    // its policy. What runs stays the OPTIONS answer (an endpoint of its
    // own, or 405) when no CORS middleware answers first.
    const asked = preflightMethod(request);
    // Only in place of a 405: an OPTIONS endpoint of the app's own answers.
    if (
      asked === undefined || matched.feature.endpoint?.methods?.length !== 0
    ) {
      return matched;
    }
    const target = this.#find(asked, request.path);
    if (target === undefined || !target.feature.endpoint?.methods?.length) {
      return matched;
    }
    return { feature: target.feature, delegate: matched.delegate };
  }

  /** The component useRouting() places: selects the endpoint, runs nothing. */
  matcher(compose: Compose): PipelineComponent {
    return (next) => {
      this.#build(compose);
      return (ctx) => {
        this.#select(ctx);
        return next(ctx);
      };
    };
  }

  /** The component that runs the selected endpoint, or the rest of the pipeline. */
  executor(compose: Compose): PipelineComponent {
    return (next) => {
      this.#build(compose);
      if (this.routing) {
        return (ctx) => {
          const selection = this.#pending.get(ctx);
          if (selection?.path !== ctx.request.path) {
            // The path changed since the matcher ran: an error page
            // re-executed (the exception handler, status code pages). It is
            // matched here, as ASP.NET routes the error path again.
            return this.#run(ctx, next);
          }
          const delegate = selection.delegate;
          return delegate === NONE ? next(ctx) : delegate(ctx);
        };
      }
      return (ctx) => this.#run(ctx, next);
    };
  }

  // Selects the endpoint for the request's path, for the executor, and
  // says where to select again (an error page's re-execution).
  #select(ctx: HttpContext): void {
    const matched = this.#match(ctx);
    if (matched !== undefined) {
      ctx.features.set(EndpointFeature, matched.feature);
    }
    this.#pending.set(ctx, {
      path: ctx.request.path,
      delegate: matched?.delegate ?? NONE,
    });
    selectors.set(ctx, this.#reselect);
  }

  readonly #reselect = (ctx: HttpContext): void => this.#select(ctx);

  // Selects the endpoint for the request's path now, and runs it.
  #run(ctx: HttpContext, next: RequestDelegate): ReturnType<RequestDelegate> {
    const matched = this.#match(ctx);
    if (matched === undefined) return next(ctx);
    ctx.features.set(EndpointFeature, matched.feature);
    return matched.delegate(ctx);
  }
}

// The method a CORS preflight asks about, when the request is one.
function preflightMethod(request: HttpRequest): string | undefined {
  if (request.header("origin") === null) return undefined;
  return request.header("access-control-request-method")?.trim()
    .toUpperCase() || undefined;
}

function methodNotAllowed(method: string, allow: string): Matched {
  const endpoint: RouteEndpoint = Object.freeze({
    displayName: "405 HTTP Method Not Supported",
    name: undefined,
    routePattern: "",
    methods: [],
    metadata: new EndpointMetadata(),
  });
  const error = new HttpError(
    405,
    `The method ${method} is not allowed here. Allowed: ${allow}.`,
    { headers: { allow } },
  );
  return {
    feature: { endpoint, routeValues: {} },
    delegate: () => Promise.reject(error),
  };
}
