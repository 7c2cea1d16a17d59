/**
 * A small JSON API the way a production app is put together: routes in a
 * group, errors as problem details, health for the load balancer, a rate
 * limit, request timeouts, compression, and forwarded headers and host
 * filtering from configuration (`createDefaultBuilder`).
 *
 * ```sh
 * deno run -A examples/books_api.ts --urls http://localhost:8000
 * curl localhost:8000/api/books
 * curl -X POST localhost:8000/api/books -d '{"title":"Emma"}'
 * curl localhost:8000/healthz
 * ```
 *
 * @module
 */

import {
  createDefaultBuilder,
  EnableRateLimiting,
  HttpError,
  RequestTimeout,
} from "../mod.ts";

interface Book {
  id: number;
  title: string;
}

const books = new Map<number, Book>([[1, { id: 1, title: "Dune" }]]);

const host = createDefaultBuilder(Deno.args)
  .configureServices((services) => {
    services.addHealthChecks()
      .addCheck("books", () => ({
        status: books.size > 0 ? "Healthy" : "Degraded",
        data: { count: books.size },
      }));
  })
  .configure((app) => {
    app.useExceptionHandler({
      handler: (ctx) =>
        ctx.response.json({ error: "Something went wrong on our side." }),
    });
    app.useStatusCodePages();
    app.useResponseCompression();
    app.useRouting();
    app.useRateLimiter({
      permitLimit: 1000,
      window: 60_000,
      policies: {
        writes: { kind: "fixedWindow", permitLimit: 20, window: 60_000 },
      },
    });
    app.useRequestTimeouts({ timeout: 10_000 });

    app.mapHealthChecks("/healthz");

    const api = app.mapGroup("/api/books");
    api.mapGet("/", (ctx) => ctx.response.json([...books.values()]));
    api.mapGet("/{id:int}", (ctx) => {
      const id = Number(ctx.request.routeValues.id);
      const book = books.get(id);
      if (book === undefined) throw new HttpError(404, `No book ${id}.`);
      return ctx.response.json(book);
    }).withName("book");
    api.mapPost("/", async (ctx) => {
      const { title } = await ctx.request.json<{ title?: unknown }>();
      if (typeof title !== "string" || title.trim() === "") {
        throw new HttpError(400, 'A book needs a "title".');
      }
      const book = { id: Math.max(0, ...books.keys()) + 1, title };
      books.set(book.id, book);
      ctx.response.headers.set("location", ctx.linkTo("book", { id: book.id }));
      return ctx.response.json(book, { status: 201 });
    }).withMetadata(new EnableRateLimiting("writes"), new RequestTimeout(2000));
    api.mapDelete("/{id:int}", (ctx) => {
      const id = Number(ctx.request.routeValues.id);
      if (!books.delete(id)) throw new HttpError(404, `No book ${id}.`);
      ctx.response.status = 204;
    }).withMetadata(new EnableRateLimiting("writes"));
  })
  .build();

Deno.exit(await host.run());
