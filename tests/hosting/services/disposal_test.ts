// Disposal: what a provider made is disposed of with it, last made first;
// what it was given is not.

import assert from "node:assert/strict";
import {
  ServiceCollection,
  serviceKey,
} from "../../../hosting/services/mod.ts";

interface Recorder {
  sync(name: string): Disposable;
  async(name: string): AsyncDisposable;
}

/** Makes disposables that record their disposal in `log`. */
function recorder(log: string[]): Recorder {
  return {
    sync: (name: string): Disposable => ({
      [Symbol.dispose]: () => void log.push(`${name} (sync)`),
    }),
    async: (name: string): AsyncDisposable => ({
      [Symbol.asyncDispose]: async () => {
        await Promise.resolve();
        log.push(`${name} (async)`);
      },
    }),
  };
}

Deno.test("disposing of a scope disposes of its scoped services in reverse creation order", async () => {
  const log: string[] = [];
  const make = recorder(log);
  const First = serviceKey<Disposable>("First");
  const Second = serviceKey<AsyncDisposable>("Second");
  const root = new ServiceCollection()
    .addScoped(First, () => make.sync("first"))
    .addScoped(Second, (provider) => {
      provider.getRequired(First);
      return make.async("second");
    })
    .build();
  const scope = root.createScope();
  scope.services.getRequired(Second); // makes First, then Second
  assert.deepEqual(log, []);
  await scope[Symbol.asyncDispose]();
  assert.deepEqual(log, ["second (async)", "first (sync)"]);
  await root[Symbol.asyncDispose]();
  assert.equal(log.length, 2, "the root made none of them");
});

Deno.test("disposing of the root disposes of the singletons it made, last made first", async () => {
  const log: string[] = [];
  const make = recorder(log);
  const A = serviceKey<Disposable>("A");
  const B = serviceKey<AsyncDisposable>("B");
  const root = new ServiceCollection()
    .addSingleton(A, () => make.sync("a"))
    .addSingleton(B, () => make.async("b"))
    .build();
  {
    await using scope = root.createScope();
    scope.services.getRequired(B);
    scope.services.getRequired(A);
  }
  assert.deepEqual(log, [], "singletons outlive the scope that asked");
  await root[Symbol.asyncDispose]();
  assert.deepEqual(log, ["a (sync)", "b (async)"]);
});

Deno.test("instances registered as values are never disposed of by the provider", async () => {
  const log: string[] = [];
  const Given = serviceKey<Disposable>("Given");
  const root = new ServiceCollection()
    .addSingleton(Given, recorder(log).sync("given"))
    .build();
  root.getRequired(Given);
  await root[Symbol.asyncDispose]();
  assert.deepEqual(log, []);
});

Deno.test("disposable transients are disposed of with the scope or root that made them", async () => {
  const log: string[] = [];
  let n = 0;
  const Temp = serviceKey<Disposable>("Temp");
  const root = new ServiceCollection()
    .addTransient(Temp, () => recorder(log).sync(`temp ${++n}`))
    .build();
  const scope = root.createScope();
  scope.services.getRequired(Temp);
  scope.services.getRequired(Temp);
  root.getRequired(Temp);
  await scope[Symbol.asyncDispose]();
  assert.deepEqual(log, ["temp 2 (sync)", "temp 1 (sync)"]);
  await root[Symbol.asyncDispose]();
  assert.deepEqual(log, ["temp 2 (sync)", "temp 1 (sync)", "temp 3 (sync)"]);
});

Deno.test("an object handed out many times by a transient factory is disposed of once", async () => {
  const log: string[] = [];
  const shared = recorder(log).sync("shared");
  const Shared = serviceKey<Disposable>("Shared");
  const root = new ServiceCollection().addTransient(Shared, () => shared)
    .build();
  root.getRequired(Shared);
  root.getRequired(Shared);
  await root[Symbol.asyncDispose]();
  assert.deepEqual(log, ["shared (sync)"]);
});

Deno.test("when disposals throw, all still run and the errors arrive together in an AggregateError", async () => {
  const log: string[] = [];
  const A = serviceKey<Disposable>("A");
  const B = serviceKey<AsyncDisposable>("B");
  const C = serviceKey<Disposable>("C");
  const root = new ServiceCollection()
    .addSingleton(A, () => ({
      [Symbol.dispose]() {
        log.push("a");
        throw new Error("a failed");
      },
    }))
    .addSingleton(B, () => ({
      [Symbol.asyncDispose]() {
        log.push("b");
        return Promise.reject(new Error("b failed"));
      },
    }))
    .addSingleton(C, () => recorder(log).sync("c"))
    .build();
  root.getRequired(A);
  root.getRequired(B);
  root.getRequired(C);
  const error = await root[Symbol.asyncDispose]().then(
    () => assert.fail("expected an AggregateError"),
    (error: unknown) => error,
  );
  assert.ok(error instanceof AggregateError);
  assert.equal(
    error.message,
    "2 of 3 services threw while being disposed (B, A); see this error's errors",
  );
  assert.deepEqual(
    error.errors.map((e: Error) => e.message),
    ["b failed", "a failed"],
  );
  assert.deepEqual(log, ["c (sync)", "b", "a"]);
});

Deno.test("resolving from a disposed scope or root throws, and disposing twice disposes once", async () => {
  const log: string[] = [];
  const Unit = serviceKey<Disposable>("Unit");
  const root = new ServiceCollection()
    .addScoped(Unit, () => recorder(log).sync("unit"))
    .build();
  const scope = root.createScope();
  scope.services.getRequired(Unit);
  await Promise.all([
    scope[Symbol.asyncDispose](),
    scope[Symbol.asyncDispose](),
  ]);
  assert.deepEqual(log, ["unit (sync)"]);
  assert.throws(() => scope.services.get(Unit), {
    name: "TypeError",
    message:
      'Cannot resolve key "Unit": this service scope was disposed (its request has ended); resolve services while the scope or host is alive, and do not keep scopes beyond their request',
  });
  const live = root.createScope();
  await root[Symbol.asyncDispose]();
  assert.throws(() => live.services.get(Unit), {
    message:
      /^Cannot resolve key "Unit": the root service provider was disposed \(the host has stopped\);/,
  });
});
