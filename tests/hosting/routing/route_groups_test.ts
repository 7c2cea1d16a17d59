// Route groups: prefixes (with parameters), middleware run only for the
// group's endpoints and in order, nested groups, shared metadata, and a
// forgotten await next() in group middleware.

import assert from "node:assert/strict";
import { EndpointMetadata } from "../../../mod.ts";
import {
  type CollectingOutput,
  collectLogs,
  delay,
  type Running,
  SERVER_KINDS,
  startHost,
} from "../../_helpers.ts";

async function text(running: Running, path: string): Promise<string> {
  const response = await running.fetch(path);
  return `${response.status} ${await response.text()}`;
}

class Policy {
  constructor(readonly name: string) {}
}
class Tag {
  constructor(readonly value: string) {}
}

for (const kind of SERVER_KINDS) {
  Deno.test(`a group maps its endpoints under its prefix (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      const api = app.mapGroup("/api/v1");
      api.mapGet("/users", () => new Response("users"));
      api.mapGet("", () => new Response("root of v1"));
      api.mapPost("/users", () => new Response("created", { status: 201 }));
      api.mapMethods(
        ["PUT"],
        "users/{id}",
        (ctx) => ctx.response.send(`put ${ctx.request.routeValues.id}`),
      );
    });
    assert.equal(await text(running, "/api/v1/users"), "200 users");
    assert.equal(await text(running, "/API/V1/users/"), "200 users");
    assert.equal(await text(running, "/api/v1"), "200 root of v1");
    assert.equal(await text(running, "/users"), "404 ");
    const created = await running.fetch("/api/v1/users", { method: "POST" });
    assert.equal(created.status, 201);
    await created.body?.cancel();
    const put = await running.fetch("/api/v1/users/9", { method: "PUT" });
    assert.equal(await put.text(), "put 9");
  });

  Deno.test(`group middleware runs only for the group's endpoints, after the app's and outer groups' (${kind})`, async () => {
    const order: string[] = [];
    await using running = await startHost(kind, (app) => {
      app.use(async (_ctx, next) => {
        order.push("app");
        await next();
      });
      const api = app.mapGroup("/api");
      api.use(async (_ctx, next) => {
        order.push("api 1");
        await next();
        order.push("api 1 after");
      });
      api.use(async (_ctx, next) => {
        order.push("api 2");
        await next();
      });
      const admin = api.mapGroup("/admin");
      admin.use(async (_ctx, next) => {
        order.push("admin");
        await next();
      });
      admin.mapGet("/stats", () => {
        order.push("handler");
        return new Response("stats");
      });
      api.mapGet("/ping", () => {
        order.push("ping");
        return new Response("pong");
      });
      app.mapGet("/home", () => {
        order.push("home");
        return new Response("home");
      });
      app.run(() => {
        order.push("run");
        return new Response("run");
      });
    });
    assert.equal(await text(running, "/api/admin/stats"), "200 stats");
    assert.deepEqual(order, [
      "app",
      "api 1",
      "api 2",
      "admin",
      "handler",
      "api 1 after",
    ]);
    order.length = 0;
    assert.equal(await text(running, "/api/ping"), "200 pong");
    assert.deepEqual(order, ["app", "api 1", "api 2", "ping", "api 1 after"]);
    order.length = 0;
    assert.equal(await text(running, "/home"), "200 home");
    assert.equal(await text(running, "/api/nothing"), "200 run");
    assert.deepEqual(order, ["app", "home", "app", "run"]);
  });

  Deno.test(`group middleware may answer without calling next (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      const admin = app.mapGroup("/admin");
      admin.use((ctx, next) =>
        ctx.request.headers.get("x-key") === "secret"
          ? next()
          : ctx.response.send("forbidden", { status: 403 })
      );
      admin.mapGet("/panel", () => new Response("panel"));
    });
    assert.equal(await text(running, "/admin/panel"), "403 forbidden");
    const allowed = await running.fetch("/admin/panel", {
      headers: { "x-key": "secret" },
    });
    assert.equal(await allowed.text(), "panel");
  });

  Deno.test(`a group prefix with a parameter gives its value to the handler (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      const user = app.mapGroup("/users/{userId:int}");
      user.mapGet("/posts/{postId}", (ctx) =>
        ctx.response.json({
          values: ctx.request.routeValues,
          pattern: ctx.getEndpoint()?.routePattern,
          displayName: ctx.getEndpoint()?.displayName,
        }));
      user.mapGet(
        "/",
        (ctx) => ctx.response.send(`user ${ctx.request.routeValues.userId}`),
      );
    });
    const response = await running.fetch("/users/12/posts/a%20b");
    assert.deepEqual(await response.json(), {
      values: { userId: "12", postId: "a b" },
      pattern: "/users/{userId:int}/posts/{postId}",
      displayName: "GET /users/{userId:int}/posts/{postId}",
    });
    assert.equal(await text(running, "/users/12"), "200 user 12");
    assert.equal(await text(running, "/users/x/posts/1"), "404 ");
  });

  Deno.test(`a group's metadata is shared and an endpoint's own metadata overrides it (${kind})`, async () => {
    const seen: Record<string, unknown> = {};
    await using running = await startHost(kind, (app) => {
      app.useRouting();
      app.use(async (ctx, next) => {
        const metadata = ctx.getEndpoint()?.metadata;
        if (metadata !== undefined) {
          seen[ctx.request.path] = {
            policy: metadata.get(Policy)?.name,
            policies: metadata.getAll(Policy).map((p) => p.name),
            tag: metadata.get(Tag)?.value,
            size: metadata.size,
          };
        }
        await next();
      });
      const api = app.mapGroup("/api").withMetadata(
        new Policy("group"),
        new Tag("api"),
      );
      const inner = api.mapGroup("/inner").withMetadata(new Policy("inner"));
      api.mapGet("/shared", () => new Response("shared"));
      api.mapGet("/own", () => new Response("own"))
        .withMetadata(new Policy("endpoint"));
      inner.mapGet("/deep", () => new Response("deep"));
      app.mapGet("/plain", (ctx) => {
        const metadata = ctx.getEndpoint()?.metadata;
        assert.ok(metadata instanceof EndpointMetadata);
        return new Response(`size ${metadata.size}`);
      });
    });
    assert.equal(await text(running, "/api/shared"), "200 shared");
    assert.equal(await text(running, "/api/own"), "200 own");
    assert.equal(await text(running, "/api/inner/deep"), "200 deep");
    assert.equal(await text(running, "/plain"), "200 size 0");
    assert.deepEqual(seen["/api/shared"], {
      policy: "group",
      policies: ["group"],
      tag: "api",
      size: 2,
    });
    assert.deepEqual(seen["/api/own"], {
      policy: "endpoint",
      policies: ["group", "endpoint"],
      tag: "api",
      size: 3,
    });
    assert.deepEqual(seen["/api/inner/deep"], {
      policy: "inner",
      policies: ["group", "inner"],
      tag: "api",
      size: 3,
    });
  });

  Deno.test(`group middleware that forgets to await next still gets the whole answer (${kind})`, async () => {
    let logs: CollectingOutput | undefined;
    await using running = await startHost(kind, (app) => {
      const group = app.mapGroup("/slow");
      group.use(function forgetful(ctx, next) {
        ctx.response.headers.set("x-seen", "yes");
        next();
      });
      group.mapGet("/work", async (ctx) => {
        await delay(5);
        await ctx.response.send("late but whole");
      });
    }, { setup: (builder) => logs = collectLogs(builder) });
    for (let i = 0; i < 2; i++) {
      const response = await running.fetch("/slow/work");
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("x-seen"), "yes");
      assert.equal(await response.text(), "late but whole");
    }
    const warnings = logs!.messages("Roost.Hosting.Pipeline", "warning");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /"forgetful"/);
  });

  Deno.test(`a group method mismatch is a 405 and its middleware does not run (${kind})`, async () => {
    let ran = 0;
    await using running = await startHost(kind, (app) => {
      const api = app.mapGroup("/api");
      api.use(async (_ctx, next) => {
        ran++;
        await next();
      });
      api.mapGet("/items", () => new Response("items"));
    });
    const response = await running.fetch("/api/items", { method: "DELETE" });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "GET, HEAD");
    await response.body?.cancel();
    assert.equal(ran, 0);
  });
}
