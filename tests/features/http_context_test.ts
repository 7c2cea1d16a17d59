import assert from "node:assert/strict";
import {
  FeatureCollection,
  type FeatureKey,
  HttpConnectionFeature,
  HttpContext,
  HttpError,
  HttpRequestFeature,
  HttpRequestIdentifierFeature,
  HttpRequestLifetimeFeature,
  type HttpResponseBodyFeature,
  HttpResponseBodyFeature as HttpResponseBodyFeatureKey,
  HttpResponseFeature,
  ItemsFeature,
  type ProblemDetails,
  type ResponseCallback,
  type SendFileOptions,
  ServiceProvidersFeature,
} from "../../mod.ts";
import {
  deferred,
  type RunningServer,
  SERVER_KINDS,
  type ServerKind,
  startHost,
  startServer,
  within,
} from "../_helpers.ts";

// -- hand-made features ------------------------------------------------------

function requestFeature(
  fields: Partial<HttpRequestFeature> = {},
): HttpRequestFeature {
  return {
    protocol: "HTTP/1.1",
    scheme: "http",
    method: "GET",
    host: "example.test",
    pathBase: "",
    path: "/",
    queryString: "",
    rawTarget: "/",
    headers: new Headers(),
    body: null,
    ...fields,
  };
}

function streamOf(text: string): ReadableStream<Uint8Array> {
  return new Response(text).body!;
}

class FakeResponse implements HttpResponseFeature {
  status = 200;
  reasonPhrase: string | undefined = undefined;
  readonly headers = new Headers();
  hasStarted = false;
  readonly starting: ResponseCallback[] = [];
  readonly completed: ResponseCallback[] = [];
  onStarting(callback: ResponseCallback): void {
    this.starting.push(callback);
  }
  onCompleted(callback: ResponseCallback): void {
    this.completed.push(callback);
  }
}

type BodyCall =
  | ["start"]
  | ["write", Uint8Array | string]
  | ["complete", BodyInit | Response | null | undefined]
  | ["sendFile", string, SendFileOptions | undefined]
  | ["clear"];

class FakeBody implements HttpResponseBodyFeature {
  readonly calls: BodyCall[] = [];
  readonly stream = new WritableStream<Uint8Array>();
  start(): Promise<void> {
    this.calls.push(["start"]);
    return Promise.resolve();
  }
  write(chunk: Uint8Array | string): Promise<void> {
    this.calls.push(["write", chunk]);
    return Promise.resolve();
  }
  complete(body?: BodyInit | Response | null): Promise<void> {
    this.calls.push(["complete", body]);
    return Promise.resolve();
  }
  sendFile(path: string, options?: SendFileOptions): Promise<void> {
    this.calls.push(["sendFile", path, options]);
    return Promise.resolve();
  }
  clear(): void {
    this.calls.push(["clear"]);
  }
}

/** A collection that counts lookups per feature name. */
class CountingCollection extends FeatureCollection {
  readonly lookups = new Map<string, number>();
  override get<T>(key: FeatureKey<T>): T | undefined {
    this.lookups.set(key.name, (this.lookups.get(key.name) ?? 0) + 1);
    return super.get(key);
  }
}

function plainContext(
  request: Partial<HttpRequestFeature> = {},
  features: FeatureCollection = new FeatureCollection(),
): {
  ctx: HttpContext;
  features: FeatureCollection;
  request: HttpRequestFeature;
  response: FakeResponse;
  body: FakeBody;
} {
  const req = requestFeature(request);
  const response = new FakeResponse();
  const body = new FakeBody();
  features.set(HttpRequestFeature, req);
  features.set(HttpResponseFeature, response);
  features.set(HttpResponseBodyFeatureKey, body);
  return {
    ctx: new HttpContext(features),
    features,
    request: req,
    response,
    body,
  };
}

// -- served requests -----------------------------------------------------------

type Handler = (ctx: HttpContext) => void | Promise<void>;

/** A server of `kind` running `handler` on a bare HttpContext (no pipeline). */
function serve(
  kind: ServerKind,
  handler: Handler,
  options?: Parameters<typeof startServer>[2],
): Promise<RunningServer> {
  return startServer(kind, {
    createContext: (features) => new HttpContext(features),
    processRequest: async (ctx) => {
      await handler(ctx);
    },
    disposeContext() {},
  }, options);
}

async function withTempFile(
  suffix: string,
  content: string,
  body: (path: string) => Promise<void>,
): Promise<void> {
  const path = await Deno.makeTempFile({ suffix });
  try {
    await Deno.writeTextFile(path, content);
    await body(path);
  } finally {
    await Deno.remove(path);
  }
}

// -- HttpContext over a plain FeatureCollection -------------------------------

Deno.test("HttpContext exposes the collection it was made over", () => {
  const { ctx, features } = plainContext();
  assert.equal(ctx.features, features);
});

Deno.test("HttpContext.request reads the collection's HttpRequestFeature", () => {
  const { ctx } = plainContext({
    method: "PUT",
    path: "/items/1",
    pathBase: "/api",
    scheme: "https",
    host: "shop.test:8443",
    protocol: "HTTP/2",
  });
  assert.equal(ctx.request.method, "PUT");
  assert.equal(ctx.request.path, "/items/1");
  assert.equal(ctx.request.pathBase, "/api");
  assert.equal(ctx.request.scheme, "https");
  assert.equal(ctx.request.isHttps, true);
  assert.equal(ctx.request.host, "shop.test:8443");
  assert.equal(ctx.request.protocol, "HTTP/2");
});

Deno.test("HttpRequest writes its setters through to the feature", () => {
  const { ctx, request } = plainContext();
  ctx.request.method = "POST";
  ctx.request.path = "/new";
  ctx.request.pathBase = "/base";
  ctx.request.queryString = "?q=1";
  ctx.request.host = "other.test";
  ctx.request.scheme = "https";
  assert.equal(request.method, "POST");
  assert.equal(request.path, "/new");
  assert.equal(request.pathBase, "/base");
  assert.equal(request.queryString, "?q=1");
  assert.equal(request.host, "other.test");
  assert.equal(request.scheme, "https");
});

Deno.test("HttpContext looks the request feature up once while the revision stays the same", () => {
  const features = new CountingCollection();
  const { ctx } = plainContext({ method: "GET" }, features);
  features.lookups.clear();
  for (let i = 0; i < 5; i++) {
    void ctx.request.method;
    void ctx.request.path;
    void ctx.request.headers;
  }
  assert.equal(features.lookups.get(HttpRequestFeature.name), 1);
});

Deno.test("HttpContext looks the response features up once while the revision stays the same", () => {
  const features = new CountingCollection();
  const { ctx } = plainContext({}, features);
  features.lookups.clear();
  for (let i = 0; i < 5; i++) {
    void ctx.response.status;
    void ctx.response.headers;
    void ctx.response.hasStarted;
  }
  assert.equal(features.lookups.get(HttpResponseFeature.name), 1);
  assert.ok((features.lookups.get(HttpResponseBodyFeatureKey.name) ?? 0) <= 1);
});

Deno.test("HttpContext.request picks up an HttpRequestFeature replaced in the collection", () => {
  const { ctx, features } = plainContext({ path: "/before" });
  const facade = ctx.request;
  assert.equal(facade.path, "/before");
  features.set(HttpRequestFeature, requestFeature({ path: "/after" }));
  assert.equal(ctx.request, facade, "the facade object itself is kept");
  assert.equal(ctx.request.path, "/after");
});

Deno.test("HttpContext.request sees a replaced feature even when the collection's defaults change", () => {
  const server = new FeatureCollection();
  const features = new FeatureCollection(server);
  const { ctx } = plainContext({ path: "/own" }, features);
  assert.equal(ctx.request.path, "/own");
  // The request's own value is removed; the server's shows through.
  server.set(HttpRequestFeature, requestFeature({ path: "/server" }));
  features.set(HttpRequestFeature, undefined);
  assert.equal(ctx.request.path, "/server");
});

Deno.test("HttpContext.response picks up response features replaced in the collection", async () => {
  const { ctx, features, response, body } = plainContext();
  ctx.response.status = 201;
  assert.equal(response.status, 201);
  const newResponse = new FakeResponse();
  const newBody = new FakeBody();
  features.set(HttpResponseFeature, newResponse);
  features.set(HttpResponseBodyFeatureKey, newBody);
  assert.equal(ctx.response.status, 200);
  ctx.response.status = 404;
  assert.equal(newResponse.status, 404);
  assert.equal(response.status, 201);
  await ctx.response.send("x");
  assert.deepEqual(newBody.calls, [["complete", "x"]]);
  assert.deepEqual(body.calls, []);
});

Deno.test("HttpContext.request throws a TypeError when the server set no HttpRequestFeature", () => {
  const ctx = new HttpContext(new FeatureCollection());
  assert.throws(() => ctx.request.path, (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /HttpRequestFeature/);
    return true;
  });
});

Deno.test("HttpContext.response throws a TypeError when the server set no response features", () => {
  const ctx = new HttpContext(new FeatureCollection());
  assert.throws(() => ctx.response.status, (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /HttpResponseFeature/);
    return true;
  });
});

Deno.test("HttpContext.items makes an ItemsFeature when there is none and keeps using it", () => {
  const { ctx, features } = plainContext();
  assert.equal(features.get(ItemsFeature), undefined);
  ctx.items.set("user", "ada");
  assert.equal(ctx.items.get("user"), "ada");
  assert.equal(features.get(ItemsFeature)?.items, ctx.items);
  assert.equal(ctx.items, ctx.items);
});

Deno.test("HttpContext.items uses the collection's ItemsFeature and follows a replacement", () => {
  const { ctx, features } = plainContext();
  const first = new Map<unknown, unknown>([["k", 1]]);
  features.set(ItemsFeature, { items: first });
  assert.equal(ctx.items, first);
  const second = new Map<unknown, unknown>([["k", 2]]);
  features.set(ItemsFeature, { items: second });
  assert.equal(ctx.items.get("k"), 2);
});

Deno.test("HttpContext.items keeps its map when another feature is set in between", () => {
  const { ctx, features } = plainContext();
  ctx.items.set("a", 1);
  features.set(HttpRequestFeature, requestFeature({ path: "/other" }));
  void ctx.requestAborted;
  assert.equal(ctx.items.get("a"), 1);
});

Deno.test("HttpContext.traceIdentifier is generated once, kept, and unique per context", () => {
  const first = plainContext();
  const second = plainContext();
  const id = first.ctx.traceIdentifier;
  assert.ok(id.length > 0);
  assert.equal(first.ctx.traceIdentifier, id);
  assert.equal(
    first.features.get(HttpRequestIdentifierFeature)?.traceIdentifier,
    id,
  );
  assert.notEqual(second.ctx.traceIdentifier, id);
});

Deno.test("HttpContext.traceIdentifier reads and writes the HttpRequestIdentifierFeature", () => {
  const { ctx, features } = plainContext();
  const feature = { traceIdentifier: "from-header" };
  features.set(HttpRequestIdentifierFeature, feature);
  assert.equal(ctx.traceIdentifier, "from-header");
  ctx.traceIdentifier = "changed";
  assert.equal(feature.traceIdentifier, "changed");

  const bare = plainContext();
  bare.ctx.traceIdentifier = "set-first";
  assert.equal(bare.ctx.traceIdentifier, "set-first");
  assert.equal(
    bare.features.get(HttpRequestIdentifierFeature)?.traceIdentifier,
    "set-first",
  );
});

Deno.test("HttpContext.requestAborted falls back to its own signal when no lifetime feature is set", () => {
  const { ctx, features } = plainContext();
  const signal = ctx.requestAborted;
  assert.equal(signal.aborted, false);
  assert.equal(ctx.requestAborted, signal);
  assert.equal(
    features.get(HttpRequestLifetimeFeature)?.requestAborted,
    signal,
  );
  ctx.abort("gone");
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, "gone");
});

Deno.test("HttpContext.requestAborted and abort() use the collection's lifetime feature", () => {
  const { ctx, features } = plainContext();
  const controller = new AbortController();
  const reasons: unknown[] = [];
  features.set(HttpRequestLifetimeFeature, {
    requestAborted: controller.signal,
    abort: (reason) => reasons.push(reason),
  });
  assert.equal(ctx.requestAborted, controller.signal);
  ctx.abort("why");
  assert.deepEqual(reasons, ["why"]);
  const other = new AbortController();
  features.set(HttpRequestLifetimeFeature, {
    requestAborted: other.signal,
    abort: () => {},
  });
  assert.equal(ctx.requestAborted, other.signal);
});

Deno.test("HttpContext answers connection, webSockets and requestServices without their features", () => {
  const { ctx, features } = plainContext();
  assert.equal(ctx.connection.remoteAddress, "");
  assert.equal(ctx.connection.remotePort, 0);
  assert.equal(ctx.webSockets.isWebSocketRequest, false);
  assert.throws(() => ctx.webSockets.accept(), TypeError);
  assert.equal(ctx.requestServices, undefined);

  const connection = {
    connectionId: "c1",
    remoteAddress: "10.0.0.9",
    remotePort: 5555,
    localAddress: "10.0.0.1",
    localPort: 80,
  };
  features.set(HttpConnectionFeature, connection);
  const services = {
    get: <T>() => undefined as T | undefined,
    getRequired: <T>(): T => {
      throw new Error("none");
    },
  };
  features.set(ServiceProvidersFeature, { requestServices: services });
  assert.equal(ctx.connection, connection);
  assert.equal(ctx.requestServices, services);
});

Deno.test("HttpRequest.query parses the query string", () => {
  const { ctx } = plainContext({ queryString: "?a=1&a=2&b=x%20y" });
  assert.deepEqual(ctx.request.query.getAll("a"), ["1", "2"]);
  assert.equal(ctx.request.query.get("b"), "x y");
  assert.equal(plainContext().ctx.request.query.size, 0);
});

Deno.test("HttpRequest.query is parsed once and again when the query string changes", () => {
  const { ctx, request, features } = plainContext({ queryString: "?a=1" });
  const first = ctx.request.query;
  assert.equal(ctx.request.query, first, "same object while unchanged");
  ctx.request.queryString = "?a=2";
  assert.equal(ctx.request.query.get("a"), "2");
  request.queryString = "?a=3"; // changed on the feature behind the facade
  assert.equal(ctx.request.query.get("a"), "3");
  features.set(HttpRequestFeature, requestFeature({ queryString: "?b=4" }));
  assert.equal(ctx.request.query.get("a"), null);
  assert.equal(ctx.request.query.get("b"), "4");
});

Deno.test("HttpRequest.url joins scheme, host, pathBase, path and query", () => {
  const { ctx } = plainContext({
    scheme: "https",
    host: "shop.test:8443",
    pathBase: "/api",
    path: "/items",
    queryString: "?page=2",
  });
  assert.equal(ctx.request.url.href, "https://shop.test:8443/api/items?page=2");
});

Deno.test("HttpRequest.url uses localhost when the request named no host", () => {
  const { ctx } = plainContext({ host: "", path: "/x" });
  assert.equal(ctx.request.url.href, "http://localhost/x");
});

Deno.test("HttpRequest reads a body as text, JSON, bytes and an ArrayBuffer", async () => {
  assert.equal(
    await plainContext({ body: streamOf("héllo") }).ctx.request.text(),
    "héllo",
  );
  assert.deepEqual(
    await plainContext({ body: streamOf('{"a":[1,2]}') }).ctx.request.json(),
    { a: [1, 2] },
  );
  assert.deepEqual(
    await plainContext({ body: streamOf("abc") }).ctx.request.bytes(),
    new Uint8Array([97, 98, 99]),
  );
  const buffer = await plainContext({ body: streamOf("ab") }).ctx.request
    .arrayBuffer();
  assert.ok(buffer instanceof ArrayBuffer);
  assert.deepEqual(new Uint8Array(buffer), new Uint8Array([97, 98]));
  assert.equal(await plainContext().ctx.request.text(), "");
});

Deno.test("HttpRequest.formData reads urlencoded and multipart bodies by content type", async () => {
  const urlencoded = plainContext({
    method: "POST",
    headers: new Headers({
      "content-type": "application/x-www-form-urlencoded",
    }),
    body: streamOf("name=Ada&lang=en"),
  });
  const form = await urlencoded.ctx.request.formData();
  assert.equal(form.get("name"), "Ada");
  assert.equal(form.get("lang"), "en");

  const data = new FormData();
  data.set("file", new Blob(["content"]), "a.txt");
  data.set("field", "value");
  const encoded = new Request("http://x/", { method: "POST", body: data });
  const multipart = plainContext({
    method: "POST",
    headers: encoded.headers,
    body: encoded.body,
  });
  const parsed = await multipart.ctx.request.formData();
  assert.equal(parsed.get("field"), "value");
  const file = parsed.get("file");
  assert.ok(file instanceof File);
  assert.equal(await file.text(), "content");
});

Deno.test("HttpRequest.json rejects a malformed body with an HttpError 400 that says what was wrong", async () => {
  for (
    const [body, message] of [
      ["{x", /^The request body is not valid JSON: .*position 1/],
      [
        "",
        /^The request body is not valid JSON: Unexpected end of JSON input$/,
      ],
    ] as const
  ) {
    const { ctx } = plainContext({ method: "POST", body: streamOf(body) });
    const error = await ctx.request.json().catch((caught) => caught);
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.status, 400);
    assert.match(error.message, message);
    assert.ok(error.cause instanceof SyntaxError);
  }
});

Deno.test("HttpRequest.json passes on a failure that is not the client's JSON", async () => {
  const tooLarge = new HttpError(413, "too large");
  const failing = new ReadableStream<Uint8Array>({
    pull: (controller) => controller.error(tooLarge),
  });
  const { ctx } = plainContext({ method: "POST", body: failing });
  await assert.rejects(() => ctx.request.json(), (error) => error === tooLarge);
});

Deno.test("HttpRequest's buffered readers share one read of the body", async () => {
  const { ctx } = plainContext({
    request: new Request("http://x/", {
      method: "POST",
      body: '{"name":"Ada"}',
      headers: { "content-type": "application/json" },
    }),
  });
  assert.equal(await ctx.request.text(), '{"name":"Ada"}');
  assert.deepEqual(await ctx.request.json(), { name: "Ada" });
  assert.equal((await ctx.request.bytes()).byteLength, 14);
  assert.equal((await ctx.request.arrayBuffer()).byteLength, 14);
  // The stream is another way to read the same body: it says which came first.
  assert.throws(() => ctx.request.body, /already read with text\(\)/);
});

Deno.test("HttpRequest refuses a buffered read after the body was used as a stream", async () => {
  for (const use of ["cancel", "read a chunk", "hold a reader"]) {
    const { ctx } = plainContext({ method: "POST", body: streamOf("abc") });
    const stream = ctx.request.body!;
    if (use === "cancel") await stream.cancel();
    else if (use === "hold a reader") stream.getReader();
    else {
      const reader = stream.getReader();
      await reader.read();
      reader.releaseLock();
    }
    await assert.rejects(
      () => ctx.request.text(),
      /already read as a stream \(ctx\.request\.body\)/,
      use,
    );
  }
});

Deno.test("HttpRequest reads a body whose stream was only looked at", async () => {
  // `ctx.request.body !== null` asks whether there is a body; as with a
  // Deno.serve request, that does not use it up.
  const { ctx } = plainContext({ method: "POST", body: streamOf('{"a":1}') });
  assert.notEqual(ctx.request.body, null);
  assert.deepEqual(await ctx.request.json(), { a: 1 });
  assert.equal(await ctx.request.text(), '{"a":1}');
});

Deno.test("HttpRequest.formData rejects a body that is no form, or a malformed one, with an HttpError 400", async () => {
  const cases: [string | null, string, RegExp][] = [
    [null, "name=Ada", /expected content type .* got none$/],
    [
      "text/plain",
      "name=Ada",
      /^The request body is not a form: expected content type multipart\/form-data or application\/x-www-form-urlencoded, got "text\/plain"$/,
    ],
    [
      "multipart/form-data; boundary=b",
      "garbage",
      /^The request body is not a valid multipart\/form-data form: /,
    ],
  ];
  for (const [type, body, message] of cases) {
    const { ctx } = plainContext({
      method: "POST",
      headers: new Headers(type === null ? {} : { "content-type": type }),
      body: streamOf(body),
    });
    const error = await ctx.request.formData().catch((caught) => caught);
    assert.ok(error instanceof HttpError, `${type}: ${error}`);
    assert.equal(error.status, 400);
    assert.match(error.message, message);
  }
});

Deno.test("HttpRequest.toRequest returns the feature's own Request when it has one", () => {
  const original = new Request("http://example.test/x");
  const { ctx } = plainContext({ path: "/x", request: original });
  assert.equal(ctx.request.toRequest(), original);
});

Deno.test("HttpRequest.toRequest builds a Request from the fields when the feature has none", async () => {
  const { ctx } = plainContext({
    method: "POST",
    host: "example.test",
    pathBase: "/api",
    path: "/echo",
    queryString: "?x=1",
    headers: new Headers({ "x-test": "yes" }),
    body: streamOf("payload"),
  });
  const request = ctx.request.toRequest();
  assert.equal(request.url, "http://example.test/api/echo?x=1");
  assert.equal(request.method, "POST");
  assert.equal(request.headers.get("x-test"), "yes");
  assert.equal(await request.text(), "payload");
});

Deno.test("HttpRequest.toRequest leaves pathBase out when asked", () => {
  const { ctx } = plainContext({ pathBase: "/api", path: "/users" });
  assert.equal(
    ctx.request.toRequest({ stripPathBase: true }).url,
    "http://example.test/users",
  );
});

// -- HttpResponse over hand-made features --------------------------------------

Deno.test("HttpResponse refuses a status change once the response has started", () => {
  const { ctx, response } = plainContext();
  ctx.response.status = 202;
  response.hasStarted = true;
  assert.equal(ctx.response.hasStarted, true);
  assert.throws(() => {
    ctx.response.status = 500;
  }, (error: unknown) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /500/);
    assert.match(error.message, /started/);
    return true;
  });
  assert.equal(response.status, 202);
});

Deno.test("HttpResponse.json sets the content type and completes with the JSON text", async () => {
  const { ctx, response, body } = plainContext();
  await ctx.response.json({ ok: true }, {
    status: 201,
    headers: { "x-a": "1" },
  });
  assert.equal(response.status, 201);
  assert.equal(response.headers.get("x-a"), "1");
  assert.equal(body.calls.length, 1);
  const [call, sent] = body.calls[0];
  assert.equal(call, "complete");
  // The JSON goes to the body feature as a Response that carries its type.
  assert.ok(sent instanceof Response);
  assert.equal(sent.status, 201);
  assert.equal(sent.headers.get("content-type"), "application/json");
  assert.equal(await sent.text(), '{"ok":true}');
});

Deno.test("HttpResponse.redirect sets status and location and ends the body", async () => {
  const { ctx, response, body } = plainContext();
  await ctx.response.redirect("/login");
  assert.equal(response.status, 302);
  assert.equal(response.headers.get("location"), "/login");
  assert.deepEqual(body.calls, [["complete", null]]);

  const permanent = plainContext();
  await permanent.ctx.response.redirect(new URL("https://new.test/"), 308);
  assert.equal(permanent.response.status, 308);
  assert.equal(
    permanent.response.headers.get("location"),
    "https://new.test/",
  );
});

Deno.test("HttpResponse.redirect rejects a status that is not a redirect with a RangeError", async () => {
  for (const status of [200, 300, 304, 404]) {
    const { ctx, response, body } = plainContext();
    await assert.rejects(
      async () => await ctx.response.redirect("/x", status),
      (error: unknown) => {
        assert.ok(error instanceof RangeError);
        assert.match(error.message, new RegExp(String(status)));
        return true;
      },
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("location"), null);
    assert.deepEqual(body.calls, []);
  }
});

Deno.test("HttpResponse.send hands a Response or a BodyInit to the body feature", async () => {
  const first = plainContext();
  const answer = new Response("hi", { status: 202 });
  await first.ctx.response.send(answer);
  assert.equal(first.body.calls.length, 1);
  assert.equal(first.body.calls[0][1], answer);

  const second = plainContext();
  await second.ctx.response.send("text", {
    status: 203,
    headers: { "x-b": "2" },
  });
  assert.equal(second.response.status, 203);
  assert.equal(second.response.headers.get("x-b"), "2");
  assert.deepEqual(second.body.calls, [["complete", "text"]]);

  const third = plainContext();
  await third.ctx.response.send();
  assert.deepEqual(third.body.calls, [["complete", null]]);
});

Deno.test("HttpResponse.write, start and complete go to the body feature in order", async () => {
  const { ctx, body } = plainContext();
  await ctx.response.start();
  await ctx.response.write("a");
  await ctx.response.write(new Uint8Array([98]));
  await ctx.response.complete();
  assert.deepEqual(body.calls, [
    ["start"],
    ["write", "a"],
    ["write", new Uint8Array([98])],
    ["complete", undefined],
  ]);
});

Deno.test("HttpResponse.sendFile sets a content type by extension unless one is set", async () => {
  const { ctx, response, body } = plainContext();
  await ctx.response.sendFile("/srv/www/logo.PNG", { offset: 1, count: 2 });
  assert.equal(response.headers.get("content-type"), "image/png");
  assert.deepEqual(body.calls, [
    ["sendFile", "/srv/www/logo.PNG", { offset: 1, count: 2 }],
    ["complete", undefined],
  ]);

  const typed = plainContext();
  typed.ctx.response.contentType = "text/x-custom";
  await typed.ctx.response.sendFile("/srv/www/page.html");
  assert.equal(typed.response.headers.get("content-type"), "text/x-custom");

  const unknown = plainContext();
  await unknown.ctx.response.sendFile("/srv/www/.hidden");
  assert.equal(
    unknown.response.headers.get("content-type"),
    "application/octet-stream",
  );
});

Deno.test("HttpResponse.contentType reads, sets and clears the content-type header", () => {
  const { ctx, response } = plainContext();
  assert.equal(ctx.response.contentType, null);
  ctx.response.contentType = "text/plain";
  assert.equal(response.headers.get("content-type"), "text/plain");
  ctx.response.contentType = null;
  assert.equal(response.headers.has("content-type"), false);
});

Deno.test("HttpResponse registers onStarting and onCompleted on the response feature", () => {
  const { ctx, response } = plainContext();
  const starting = () => {};
  const completed = () => {};
  ctx.response.onStarting(starting);
  ctx.response.onCompleted(completed);
  assert.deepEqual(response.starting, [starting]);
  assert.deepEqual(response.completed, [completed]);
});

// -- served, on TestServer and on a DenoServer over loopback --------------------

for (const kind of SERVER_KINDS) {
  Deno.test(`HttpContext picks up an HttpRequestFeature that middleware replaced mid-request (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(async (ctx, next) => {
        void ctx.request.path; // read (and cache) the server's feature first
        const original = ctx.features.get(HttpRequestFeature)!;
        ctx.features.set(HttpRequestFeature, {
          protocol: original.protocol,
          scheme: original.scheme,
          method: "PATCH",
          host: original.host,
          pathBase: "",
          path: "/rewritten",
          queryString: "?by=middleware",
          rawTarget: original.rawTarget,
          headers: original.headers,
          body: null,
        });
        await next();
      });
      app.run((ctx) =>
        ctx.response.send(
          `${ctx.request.method} ${ctx.request.path} ${
            ctx.request.query.get("by")
          } ${new URL(ctx.request.toRequest().url).pathname}`,
        )
      );
    });
    const response = await running.fetch("/original?by=client");
    assert.equal(
      await response.text(),
      "PATCH /rewritten middleware /rewritten",
    );
  });

  Deno.test(`HttpContext picks up an HttpResponseBodyFeature that middleware replaced mid-request (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(async (ctx, next) => {
        void ctx.response.status; // cache the server's features first
        const inner = ctx.features.get(HttpResponseBodyFeatureKey)!;
        const shout: HttpResponseBodyFeature = {
          get stream() {
            return inner.stream;
          },
          start: () => inner.start(),
          write: (chunk) =>
            inner.write(
              typeof chunk === "string" ? chunk.toUpperCase() : chunk,
            ),
          complete: (body) =>
            inner.complete(
              typeof body === "string" ? body.toUpperCase() : body,
            ),
          sendFile: (path, options) => inner.sendFile(path, options),
          clear: () => inner.clear(),
        };
        ctx.features.set(HttpResponseBodyFeatureKey, shout);
        await next();
      });
      app.run((ctx) => ctx.response.send("quiet please"));
    });
    assert.equal(await (await running.fetch("/")).text(), "QUIET PLEASE");
  });

  Deno.test(`HttpContext gives each request its own items and trace identifier (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(async (ctx, next) => {
        assert.equal(ctx.items.get("seen"), undefined);
        ctx.items.set("seen", ctx.request.path);
        await next();
      });
      app.run((ctx) =>
        ctx.response.json({
          seen: ctx.items.get("seen"),
          trace: ctx.traceIdentifier,
          again: ctx.traceIdentifier,
        })
      );
    });
    const first = await (await running.fetch("/one")).json();
    const second = await (await running.fetch("/two")).json();
    assert.equal(first.seen, "/one");
    assert.equal(second.seen, "/two");
    assert.equal(typeof first.trace, "string");
    assert.ok(first.trace.length > 0);
    assert.equal(first.trace, first.again);
    assert.notEqual(first.trace, second.trace);
  });

  Deno.test(`HttpContext.requestAborted stays quiet during a normal request (${kind})`, async () => {
    let signal: AbortSignal | undefined;
    const completed = deferred();
    await using server = await serve(kind, (ctx) => {
      signal = ctx.requestAborted;
      assert.equal(signal.aborted, false);
      ctx.response.onCompleted(completed.resolve);
      return ctx.response.send("ok");
    });
    const response = await server.fetch("/");
    assert.equal(await response.text(), "ok");
    // Still quiet once the response was delivered, not only while it was sent.
    await within(completed.promise, "the response to be delivered");
    assert.equal(signal?.aborted, false);
  });

  Deno.test(`HttpContext.abort fires requestAborted and breaks the response (${kind})`, async () => {
    let signal: AbortSignal | undefined;
    await using server = await serve(kind, (ctx) => {
      signal = ctx.requestAborted;
      ctx.abort(new Error("stop"));
    }, { onError: () => {} });
    // The client sees a broken response: in memory its body errors; on a
    // socket the connection is reset, before or after the head.
    await assert.rejects(async () => await (await server.fetch("/")).text());
    assert.equal(signal?.aborted, true);
  });

  Deno.test(`HttpRequest reads the query of a served request, and re-parses after a change (${kind})`, async () => {
    await using server = await serve(kind, async (ctx) => {
      const before = ctx.request.query.getAll("a").join(",");
      ctx.request.queryString = "?a=9";
      await ctx.response.send(`${before}|${ctx.request.query.get("a")}`);
    });
    assert.equal(await (await server.fetch("/?a=1&a=2")).text(), "1,2|9");
  });

  Deno.test(`HttpRequest.url of a served request is the URL the client asked for (${kind})`, async () => {
    await using server = await serve(
      kind,
      (ctx) => ctx.response.send(ctx.request.url.href),
    );
    // In memory the client may name any host; on a socket, the one it reached.
    const url = kind === "TestServer"
      ? "http://example.test:8080/a/b?c=d"
      : `${server.base}/a/b?c=d`;
    assert.equal(await (await server.fetch(url)).text(), url);
  });

  Deno.test(`HttpRequest reads a served request's body as text, JSON, bytes and an ArrayBuffer (${kind})`, async () => {
    await using server = await serve(kind, async (ctx) => {
      switch (ctx.request.path) {
        case "/text":
          return ctx.response.send(`text:${await ctx.request.text()}`);
        case "/json": {
          const value = await ctx.request.json() as { n: number };
          return ctx.response.send(`json:${value.n + 1}`);
        }
        case "/bytes":
          return ctx.response.send(
            `bytes:${(await ctx.request.bytes()).join(",")}`,
          );
        case "/buffer":
          return ctx.response.send(
            `buffer:${(await ctx.request.arrayBuffer()).byteLength}`,
          );
      }
    });
    const post = (path: string, body: BodyInit) =>
      server.fetch(path, { method: "POST", body }).then((r) => r.text());
    assert.equal(await post("/text", "hello"), "text:hello");
    assert.equal(await post("/json", '{"n":41}'), "json:42");
    assert.equal(
      await post("/bytes", new Uint8Array([1, 2, 3])),
      "bytes:1,2,3",
    );
    assert.equal(await post("/buffer", "12345"), "buffer:5");
  });

  // A middleware that logs text() ahead of a handler that reads bytes() or
  // formData(): those got the text's UTF-8 again, which for bytes that are
  // not UTF-8 is other bytes (a binary upload doubled in size, a signature
  // that no longer matched).
  Deno.test(`HttpRequest gives the bytes as they came after text() read a body that is not UTF-8 (${kind})`, async () => {
    const binary = new Uint8Array(256).map((_, i) => i);
    await using server = await serve(kind, async (ctx) => {
      const text = await ctx.request.text();
      if (ctx.request.path === "/form") {
        const file = (await ctx.request.formData()).get("file") as File;
        return ctx.response.send(
          `${text.length > 0}:${(await file.bytes()).join(",")}`,
        );
      }
      const bytes = await ctx.request.bytes();
      return ctx.response.send(`${text.length}:${bytes.join(",")}`);
    });
    const upload = await server.fetch("/bytes", {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: binary,
    });
    assert.equal(await upload.text(), `256:${binary.join(",")}`);
    const form = new FormData();
    form.set("file", new Blob([binary]), "data.bin");
    const posted = await server.fetch("/form", { method: "POST", body: form });
    assert.equal(await posted.text(), `true:${binary.join(",")}`);
    // A text body read as text keeps its byte order mark in bytes().
    const marked = await server.fetch("/bytes", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]),
    });
    assert.equal(await marked.text(), "2:239,187,191,104,105");
  });

  // A text body that is not UTF-8 read as text first: its bytes are gone,
  // and a later bytes() says so rather than giving others.
  Deno.test(`HttpRequest refuses bytes() after text() of a text body that was not UTF-8, saying why (${kind})`, async () => {
    await using server = await serve(kind, async (ctx) => {
      await ctx.request.text();
      try {
        await ctx.request.bytes();
        return ctx.response.send("bytes");
      } catch (error) {
        return ctx.response.send((error as Error).message);
      }
    });
    const response = await server.fetch("/", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: new Uint8Array([0x68, 0xff, 0x69]),
    });
    const text = await response.text();
    // In memory the server keeps the bytes (no text of its own to take).
    if (kind === "TestServer") assert.equal(text, "bytes");
    else {
      assert.match(
        text,
        /^Cannot read the request body with bytes\(\) after text\(\) or json\(\): .* Read it with bytes\(\) or arrayBuffer\(\) first/,
      );
    }
  });

  Deno.test(`HttpRequest reads a served multipart form (${kind})`, async () => {
    await using server = await serve(kind, async (ctx) => {
      const form = await ctx.request.formData();
      const file = form.get("file") as File;
      await ctx.response.send(
        `${form.get("name")}:${file.name}:${await file.text()}`,
      );
    });
    const form = new FormData();
    form.set("name", "Ada");
    form.set("file", new Blob(["notes"]), "notes.txt");
    const response = await server.fetch("/", { method: "POST", body: form });
    assert.equal(await response.text(), "Ada:notes.txt:notes");
  });

  Deno.test(`HttpRequest.toRequest returns the very Request the server received while nothing changed (${kind})`, async () => {
    const sent = new Request("http://localhost/same?x=1", {
      headers: { "x-test": "yes" },
    });
    let seen: Request | undefined;
    let header: string | null = null;
    await using server = await serve(kind, (ctx) => {
      seen = ctx.request.toRequest();
      // Read now: Deno closes its Request once the response is sent.
      header = seen.headers.get("x-test");
      return ctx.response.send("ok");
    });
    await (await server.fetch(sent)).text();
    assert.equal(seen?.url, `${server.base}/same?x=1`);
    assert.equal(header, "yes");
    // Only in memory is the client's own Request the one the server received.
    if (kind === "TestServer") assert.equal(seen, sent);
  });

  Deno.test(`HttpRequest.toRequest returns the received Request with its body when no body limit applies (${kind})`, async () => {
    const sent = new Request("http://localhost/upload", {
      method: "POST",
      body: "data",
    });
    let seen: Request | undefined;
    await using server = await serve(kind, async (ctx) => {
      seen = ctx.request.toRequest();
      await ctx.response.send(await seen.text());
    }, { limits: { maxRequestBodySize: null } });
    assert.equal(await (await server.fetch(sent)).text(), "data");
    assert.equal(seen?.url, `${server.base}/upload`);
    if (kind === "TestServer") assert.equal(seen, sent);
  });

  Deno.test(`HttpRequest.toRequest makes a new Request once the app changed the request (${kind})`, async () => {
    const sent = new Request("http://localhost/before");
    let seen: Request | undefined;
    await using server = await serve(kind, (ctx) => {
      ctx.request.path = "/after";
      seen = ctx.request.toRequest();
      return ctx.response.send("ok");
    });
    await (await server.fetch(sent)).text();
    assert.notEqual(seen, sent);
    assert.equal(seen?.url, `${server.base}/after`);
  });

  Deno.test(`HttpRequest.toRequest makes a new Request without pathBase under map() (${kind})`, async () => {
    const seen: { stripped?: Request; full?: Request; body?: string } = {};
    await using running = await startHost(
      kind,
      (app) =>
        app.map("/api", (api) =>
          api.run(async (ctx) => {
            seen.full = ctx.request.toRequest();
            seen.stripped = ctx.request.toRequest({ stripPathBase: true });
            seen.body = await seen.stripped.text();
            await ctx.response.send("ok");
          })),
    );
    const response = await running.fetch("/api/users?page=2", {
      method: "PUT",
      body: "payload",
      headers: { "x-test": "yes" },
    });
    assert.equal(await response.text(), "ok");
    assert.equal(seen.stripped?.url, `${running.base}/users?page=2`);
    assert.equal(seen.stripped?.method, "PUT");
    assert.equal(seen.stripped?.headers.get("x-test"), "yes");
    assert.equal(seen.body, "payload");
    assert.equal(seen.full?.url, `${running.base}/api/users?page=2`);
  });

  Deno.test(`HttpResponse refuses a status change after start() on a served request (${kind})`, async () => {
    let error: unknown;
    await using server = await serve(kind, async (ctx) => {
      await ctx.response.start();
      try {
        ctx.response.status = 500;
      } catch (caught) {
        error = caught;
      }
      await ctx.response.write("streamed");
      await ctx.response.complete();
    });
    const response = await server.fetch("/");
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "streamed");
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /already started/);
  });

  Deno.test(`HttpResponse.json sends JSON with its status and headers (${kind})`, async () => {
    await using server = await serve(
      kind,
      (ctx) =>
        ctx.response.json({ id: 7, tags: ["a"] }, {
          status: 201,
          headers: { "x-id": "7" },
        }),
    );
    const response = await server.fetch("/");
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.equal(response.headers.get("x-id"), "7");
    assert.deepEqual(await response.json(), { id: 7, tags: ["a"] });
  });

  Deno.test(`HttpResponse.redirect answers with the status and location (${kind})`, async () => {
    await using server = await serve(
      kind,
      (ctx) => ctx.response.redirect("/elsewhere", 307),
    );
    const response = await server.fetch("/", { redirect: "manual" });
    assert.equal(response.status, 307);
    assert.equal(response.headers.get("location"), "/elsewhere");
    assert.equal(await response.text(), "");
  });

  Deno.test(`HttpResponse.redirect with a bad status throws a RangeError and leaves the response alone (${kind})`, async () => {
    let error: unknown;
    await using server = await serve(kind, async (ctx) => {
      try {
        await ctx.response.redirect("/x", 200);
      } catch (caught) {
        error = caught;
      }
      await ctx.response.send("still here");
    });
    const response = await server.fetch("/");
    assert.ok(error instanceof RangeError);
    assert.match(error.message, /200/);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("location"), null);
    assert.equal(await response.text(), "still here");
  });

  Deno.test(`HttpResponse.send(Response) answers with its status, headers and body (${kind})`, async () => {
    await using server = await serve(kind, (ctx) => {
      ctx.response.headers.set("x-before", "kept");
      ctx.response.headers.set("x-both", "ours");
      return ctx.response.send(
        new Response("made elsewhere", {
          status: 418,
          headers: { "x-both": "theirs", "content-type": "text/x-demo" },
        }),
      );
    });
    const response = await server.fetch("/");
    assert.equal(response.status, 418);
    assert.equal(response.headers.get("x-before"), "kept");
    assert.equal(response.headers.get("x-both"), "theirs");
    assert.equal(response.headers.get("content-type"), "text/x-demo");
    assert.equal(await response.text(), "made elsewhere");
  });

  Deno.test(`HttpResponse.send(BodyInit) sends text, bytes, blobs, params and streams (${kind})`, async () => {
    await using server = await serve(kind, (ctx) => {
      switch (ctx.request.path) {
        case "/text":
          return ctx.response.send("plain", { status: 202 });
        case "/bytes":
          return ctx.response.send(new Uint8Array([104, 105]));
        case "/blob":
          return ctx.response.send(new Blob(["blob"], { type: "text/x-blob" }));
        case "/params":
          return ctx.response.send(new URLSearchParams({ a: "1" }));
        case "/stream":
          return ctx.response.send(streamOf("streamed"));
      }
    });
    const text = await server.fetch("/text");
    assert.equal(text.status, 202);
    assert.equal(await text.text(), "plain");
    assert.equal(await (await server.fetch("/bytes")).text(), "hi");
    const blob = await server.fetch("/blob");
    assert.equal(blob.headers.get("content-type"), "text/x-blob");
    assert.equal(await blob.text(), "blob");
    const params = await server.fetch("/params");
    assert.match(
      params.headers.get("content-type") ?? "",
      /application\/x-www-form-urlencoded/,
    );
    assert.equal(await params.text(), "a=1");
    assert.equal(await (await server.fetch("/stream")).text(), "streamed");
  });

  Deno.test(`HttpResponse.write and complete send what was written, in order (${kind})`, async () => {
    await using server = await serve(kind, async (ctx) => {
      ctx.response.status = 206;
      await ctx.response.write("one,");
      await ctx.response.write(new TextEncoder().encode("two,"));
      await ctx.response.write("three");
      await ctx.response.complete();
    });
    const response = await server.fetch("/");
    assert.equal(response.status, 206);
    assert.equal(await response.text(), "one,two,three");
  });

  Deno.test(`HttpResponse.write past the buffer size starts streaming (${kind})`, async () => {
    let startedAfterWrite: boolean | undefined;
    await using server = await serve(kind, async (ctx) => {
      await ctx.response.write("0123456789");
      startedAfterWrite = ctx.response.hasStarted;
      await ctx.response.write("abc");
      await ctx.response.complete();
    }, { limits: { responseBufferSize: 4 } });
    const response = await server.fetch("/");
    assert.equal(await response.text(), "0123456789abc");
    assert.equal(startedAfterWrite, true);
  });

  Deno.test(`HttpResponse refuses a second body once the response is complete (${kind})`, async () => {
    let error: unknown;
    await using server = await serve(kind, async (ctx) => {
      await ctx.response.send("first");
      try {
        await ctx.response.send("second");
      } catch (caught) {
        error = caught;
      }
    });
    assert.equal(await (await server.fetch("/")).text(), "first");
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /already complete/);
  });

  Deno.test(`HttpResponse.sendFile sends a file with a content type from its extension (${kind})`, async () => {
    await withTempFile(".txt", "hello file", async (path) => {
      await using server = await serve(
        kind,
        (ctx) => ctx.response.sendFile(path),
      );
      const response = await server.fetch("/");
      assert.equal(response.status, 200);
      assert.equal(
        response.headers.get("content-type"),
        "text/plain; charset=utf-8",
      );
      assert.equal(await response.text(), "hello file");
    });
    await withTempFile(".json", '{"a":1}', async (path) => {
      await using server = await serve(
        kind,
        (ctx) => ctx.response.sendFile(path),
      );
      const response = await server.fetch("/");
      assert.equal(response.headers.get("content-type"), "application/json");
      assert.deepEqual(await response.json(), { a: 1 });
    });
    await withTempFile(".unknownext", "raw", async (path) => {
      await using server = await serve(
        kind,
        (ctx) => ctx.response.sendFile(path),
      );
      const response = await server.fetch("/");
      assert.equal(
        response.headers.get("content-type"),
        "application/octet-stream",
      );
      assert.equal(await response.text(), "raw");
    });
  });

  Deno.test(`HttpResponse.sendFile keeps a content type the app set (${kind})`, async () => {
    await withTempFile(".txt", "x", async (path) => {
      await using server = await serve(kind, (ctx) => {
        ctx.response.contentType = "text/x-mine";
        return ctx.response.sendFile(path);
      });
      const response = await server.fetch("/");
      assert.equal(response.headers.get("content-type"), "text/x-mine");
      assert.equal(await response.text(), "x");
    });
  });

  Deno.test(`HttpResponse.sendFile sends the part of a file that offset and count select (${kind})`, async () => {
    await withTempFile(".txt", "0123456789", async (path) => {
      await using server = await serve(kind, (ctx) => {
        const query = ctx.request.query;
        const offset = query.has("offset")
          ? Number(query.get("offset"))
          : undefined;
        const count = query.has("count")
          ? Number(query.get("count"))
          : undefined;
        return ctx.response.sendFile(path, { offset, count });
      });
      const cases: [string, string][] = [
        ["/?offset=6", "6789"],
        ["/?count=3", "012"],
        ["/?offset=2&count=5", "23456"],
        ["/?offset=8&count=100", "89"],
        ["/?offset=10", ""],
      ];
      for (const [url, expected] of cases) {
        const response = await server.fetch(url);
        const text = await response.text();
        assert.equal(text, expected, url);
        const length = response.headers.get("content-length");
        if (length !== null) assert.equal(Number(length), expected.length, url);
      }
    });
  });

  Deno.test(`HttpResponse.sendFile rejects an offset past the end of the file (${kind})`, async () => {
    let error: unknown;
    await withTempFile(".txt", "short", async (path) => {
      await using server = await serve(kind, async (ctx) => {
        try {
          await ctx.response.sendFile(path, { offset: 100 });
        } catch (caught) {
          error = caught;
          ctx.response.status = 416;
          await ctx.response.send("bad range");
        }
      });
      const response = await server.fetch("/");
      assert.equal(response.status, 416);
      assert.equal(await response.text(), "bad range");
    });
    assert.ok(error instanceof RangeError);
  });

  Deno.test(`HttpResponse.sendFile rejects a missing file or a directory with HttpError 404 and an unreadable one with 403 (${kind})`, async () => {
    const directory = await Deno.makeTempDir();
    try {
      const missing = `${directory}/missing.txt`;
      const unreadable = `${directory}/unreadable.txt`;
      await Deno.writeTextFile(unreadable, "secret");
      await Deno.chmod(unreadable, 0o000);
      const errors = new Map<string, unknown>();
      await using server = await serve(kind, async (ctx) => {
        const path = ctx.request.query.get("path")!;
        try {
          await ctx.response.sendFile(path);
        } catch (error) {
          errors.set(path, error);
          throw error;
        }
      }, { onError: () => {} });
      const answer = async (path: string) => {
        const response = await server.fetch(
          `/?path=${encodeURIComponent(path)}`,
        );
        return [response.status, await response.text()];
      };
      assert.deepEqual(await answer(missing), [404, "Not Found"]);
      assert.deepEqual(await answer(directory), [404, "Not Found"]);
      const notFound = errors.get(missing);
      assert.ok(notFound instanceof HttpError);
      assert.ok(notFound.cause instanceof Deno.errors.NotFound);
      // root reads a file whatever its mode (the conformance suite covers 403
      // there with --deny-read).
      if (Deno.uid() !== 0) {
        assert.deepEqual(await answer(unreadable), [403, "Forbidden"]);
      }
    } finally {
      await Deno.remove(directory, { recursive: true });
    }
  });

  Deno.test(`An application that is not a Roost host gets the same error responses (${kind})`, async () => {
    await using server = await serve(kind, (ctx) => {
      ctx.response.headers.set("x-app", "dropped");
      if (ctx.request.path === "/405") {
        throw new HttpError(405, "Use GET.", { headers: { allow: "GET" } });
      }
      throw new Error("secret detail");
    }, { onError: () => {} });
    const text = await server.fetch("/405");
    assert.equal(text.status, 405);
    assert.equal(text.headers.get("allow"), "GET");
    assert.equal(text.headers.get("x-app"), null);
    assert.equal(text.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(text.headers.get("cache-control"), "no-store");
    assert.equal(await text.text(), "Use GET.");
    const json = await server.fetch("/405", {
      headers: { accept: "application/json" },
    });
    assert.equal(json.headers.get("content-type"), "application/problem+json");
    assert.equal(json.headers.get("allow"), "GET");
    const problem: ProblemDetails = await json.json();
    assert.equal(problem.title, "Method Not Allowed");
    assert.equal(problem.detail, "Use GET.");
    assert.equal(typeof problem.traceId, "string");
    const failed = await server.fetch("/500");
    assert.equal(failed.status, 500);
    assert.equal(await failed.text(), "Internal Server Error");
    const failedJson = await server.fetch("/500", {
      headers: { accept: "application/json" },
    });
    const hidden: ProblemDetails = await failedJson.json();
    assert.equal(hidden.detail, undefined);
    assert.equal(hidden.stack, undefined);
  });

  Deno.test(`HttpResponse.onStarting callbacks run before the response goes out, last registered first (${kind})`, async () => {
    const order: string[] = [];
    await using server = await serve(kind, async (ctx) => {
      ctx.response.onStarting(() => {
        order.push(`first started=${ctx.response.hasStarted}`);
        ctx.response.headers.set("x-first", "1");
        ctx.response.headers.set("x-shared", "first");
      });
      ctx.response.onStarting(() => {
        order.push(`second started=${ctx.response.hasStarted}`);
        ctx.response.headers.set("x-shared", "second");
        ctx.response.status = 202;
      });
      await ctx.response.send("body");
      order.push("sent");
    });
    const response = await server.fetch("/");
    assert.deepEqual(order, [
      "sent",
      "second started=false",
      "first started=false",
    ]);
    assert.equal(response.status, 202);
    assert.equal(response.headers.get("x-first"), "1");
    assert.equal(response.headers.get("x-shared"), "first");
    assert.equal(await response.text(), "body");
  });

  Deno.test(`HttpResponse.onStarting callbacks run at start() when the response streams (${kind})`, async () => {
    const order: string[] = [];
    await using server = await serve(kind, async (ctx) => {
      ctx.response.onStarting(() => {
        order.push("starting");
        ctx.response.headers.set("x-streamed", "yes");
      });
      order.push("before start");
      await ctx.response.start();
      order.push("after start");
      assert.throws(() => ctx.response.onStarting(() => {}), TypeError);
      await ctx.response.write("chunk");
      await ctx.response.complete();
    });
    const response = await server.fetch("/");
    assert.deepEqual(order, ["before start", "starting", "after start"]);
    assert.equal(response.headers.get("x-streamed"), "yes");
    assert.equal(await response.text(), "chunk");
  });

  Deno.test(`HttpResponse.onCompleted callbacks run after the response, last registered first, even when one throws (${kind})`, async () => {
    const order: string[] = [];
    const done = deferred<void>();
    const error = console.error;
    console.error = () => {};
    try {
      await using server = await serve(kind, (ctx) => {
        ctx.response.onCompleted(() => {
          order.push(`first started=${ctx.response.hasStarted}`);
          done.resolve();
        });
        ctx.response.onCompleted(() => {
          order.push("second throws");
          throw new Error("callback failure");
        });
        ctx.response.onCompleted(() => {
          order.push("third");
        });
        order.push("handler");
        return ctx.response.send("ok");
      });
      const response = await server.fetch("/");
      assert.equal(await response.text(), "ok");
      await within(done.promise, "onCompleted");
    } finally {
      console.error = error;
    }
    assert.deepEqual(order, [
      "handler",
      "third",
      "second throws",
      "first started=true",
    ]);
  });
}
