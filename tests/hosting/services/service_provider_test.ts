// ServiceProvider: lifetimes, scopes, the scope and cycle checks, and
// resolving the provider itself.

import assert from "node:assert/strict";
import {
  ServiceCollection,
  serviceKey,
  ServiceProvider,
} from "../../../hosting/services/mod.ts";

class Clock {
  readonly id = Symbol("clock");
}
class DbContext {}
class ReportService {
  readonly db: DbContext;
  constructor(services: ServiceProvider) {
    this.db = services.getRequired(DbContext);
  }
}

Deno.test("a singleton is the same instance from the root and from every scope", async () => {
  await using root = new ServiceCollection().addSingleton(Clock).build();
  await using a = root.createScope();
  await using b = root.createScope();
  const clock = root.getRequired(Clock);
  assert.ok(clock instanceof Clock);
  assert.equal(a.services.getRequired(Clock), clock);
  assert.equal(b.services.getRequired(Clock), clock);
});

Deno.test("a scoped service is one instance within a scope and another in the next scope", async () => {
  let made = 0;
  await using root = new ServiceCollection()
    .addScoped(DbContext, () => (made++, new DbContext()))
    .build();
  await using a = root.createScope();
  await using b = root.createScope();
  const first = a.services.getRequired(DbContext);
  assert.equal(a.services.getRequired(DbContext), first);
  assert.notEqual(b.services.getRequired(DbContext), first);
  assert.equal(made, 2);
});

Deno.test("a transient service is made anew on every resolution", async () => {
  await using root = new ServiceCollection().addTransient(Clock).build();
  await using scope = root.createScope();
  const one = scope.services.getRequired(Clock);
  assert.notEqual(scope.services.getRequired(Clock), one);
  assert.notEqual(root.getRequired(Clock), root.getRequired(Clock));
});

Deno.test("a scope made from a scope does not share its scoped services", async () => {
  await using root = new ServiceCollection().addScoped(DbContext).build();
  await using outer = root.createScope();
  await using inner = outer.services.createScope();
  assert.notEqual(
    inner.services.getRequired(DbContext),
    outer.services.getRequired(DbContext),
  );
  assert.equal(inner.services.isRoot, false);
  assert.equal(root.isRoot, true);
});

Deno.test("creating a scope makes no service until one is asked for", async () => {
  let made = 0;
  await using root = new ServiceCollection()
    .addScoped(DbContext, () => (made++, new DbContext()))
    .build();
  for (let i = 0; i < 1000; i++) {
    await using _scope = root.createScope();
  }
  assert.equal(made, 0);
});

Deno.test("a factory receives the provider it is resolved from", async () => {
  const seen: ServiceProvider[] = [];
  await using root = new ServiceCollection()
    .addSingleton(Clock, (provider) => (seen.push(provider), new Clock()))
    .addScoped(DbContext, (provider) => (seen.push(provider), new DbContext()))
    .build();
  await using scope = root.createScope();
  scope.services.getRequired(Clock);
  scope.services.getRequired(DbContext);
  assert.equal(seen[0], root, "a singleton is made by the root");
  assert.equal(seen[1], scope.services, "a scoped service by its scope");
});

Deno.test("the provider resolves itself: the scope's provider in a scope, the root's at the root", async () => {
  const Inner = serviceKey<ServiceProvider>("Inner");
  await using root = new ServiceCollection()
    .addScoped(Inner, (provider) => provider.getRequired(ServiceProvider))
    .build();
  await using scope = root.createScope();
  assert.equal(root.get(ServiceProvider), root);
  assert.equal(scope.services.get(ServiceProvider), scope.services);
  assert.equal(scope.services.getRequired(Inner), scope.services);
  assert.equal(scope.services, scope, "a scope is its own provider");
});

Deno.test("get answers undefined for an unregistered token and getRequired names it and who asked", async () => {
  await using root = new ServiceCollection().build();
  assert.equal(root.get(Clock), undefined);
  assert.throws(() => root.getRequired(Clock, "ReportService"), {
    name: "TypeError",
    message:
      "No service is registered for class Clock (requested by ReportService): register it in configureServices, e.g. services.addSingleton(Clock), or addScoped / addTransient",
  });
  const Greeting = serviceKey<string>("Greeting");
  assert.throws(() => root.getRequired(Greeting), {
    name: "TypeError",
    message:
      'No service is registered for key "Greeting": register it in configureServices, e.g. services.addSingleton(key, value) with the key made by serviceKey("Greeting"), or addScoped / addTransient',
  });
});

// Two keys made with the same name (serviceKey called twice, or a module
// loaded from two URLs): the advice to register the key was what had been
// done.
Deno.test("getRequired of a key whose namesake is registered says the keys differ, not to register it", async () => {
  const registered = serviceKey<string>("Same");
  const asked = serviceKey<string>("Same");
  await using root = new ServiceCollection().addSingleton(registered, "x")
    .build();
  assert.throws(() => root.getRequired(asked), {
    name: "TypeError",
    message:
      /^No service is registered for key "Same", but another key with the same name is: tokens are told apart by identity, not name\. Make the key once/,
  });
});

Deno.test("getRequired inside a factory names the service being made as the requester", async () => {
  await using root = new ServiceCollection().addTransient(ReportService)
    .build();
  assert.throws(() => root.getRequired(ReportService), {
    message:
      /^No service is registered for class DbContext \(requested by ReportService\):/,
  });
});

Deno.test("a registered undefined-producing factory satisfies getRequired", async () => {
  const Maybe = serviceKey<string | undefined>("Maybe");
  await using root = new ServiceCollection()
    .addSingleton<string | undefined>(Maybe, () => undefined)
    .build();
  assert.equal(root.getRequired(Maybe), undefined);
});

Deno.test("resolving a scoped service from the root provider names the chain and the fix", async () => {
  await using root = new ServiceCollection()
    .addScoped(DbContext)
    .addTransient(ReportService)
    .build();
  assert.throws(() => root.get(DbContext), {
    name: "TypeError",
    message:
      'Cannot resolve scoped service "DbContext" from the root provider (chain: DbContext): resolve it from a request\'s scope (ctx.requestServices) or a scope from createScope()',
  });
  assert.throws(() => root.get(ReportService), {
    name: "TypeError",
    message:
      'Cannot resolve scoped service "DbContext" from the root provider (chain: ReportService -> DbContext): resolve it from a request\'s scope (ctx.requestServices) or a scope from createScope() or make ReportService scoped',
  });
  await using scope = root.createScope();
  assert.ok(scope.services.getRequired(ReportService).db instanceof DbContext);
});

Deno.test("a singleton that depends on a scoped service is refused as a captive dependency, even from a scope", async () => {
  const Cache = serviceKey<ReportService>("ReportCache");
  await using root = new ServiceCollection()
    .addScoped(DbContext)
    .addTransient(ReportService)
    .addSingleton(Cache, (provider) => provider.getRequired(ReportService))
    .build();
  await using scope = root.createScope();
  assert.throws(() => scope.services.get(Cache), {
    name: "TypeError",
    message:
      'Singleton "ReportCache" cannot depend on scoped service "DbContext" (chain: ReportCache -> ReportService -> DbContext): it would keep one scope\'s DbContext for the life of the app; make ReportCache scoped, or DbContext a singleton',
  });
});

Deno.test("with validateScopes off, a scoped service resolved from the root lives in the root", async () => {
  await using root = new ServiceCollection().addScoped(DbContext).build({
    validateScopes: false,
  });
  assert.equal(root.getRequired(DbContext), root.getRequired(DbContext));
});

Deno.test("a cycle between factories names the cycle and the chain that reached it", async () => {
  const A = serviceKey<object>("A");
  const B = serviceKey<object>("B");
  const Top = serviceKey<object>("Top");
  await using root = new ServiceCollection()
    .addSingleton(A, (provider) => provider.getRequired(B))
    .addTransient(B, (provider) => provider.getRequired(A))
    .addTransient(Top, (provider) => provider.getRequired(A))
    .build();
  assert.throws(() => root.get(A), {
    name: "TypeError",
    message:
      "Circular dependency between services: A -> B -> A; break the cycle by removing one dependency, or by resolving it later (provider.get inside a method) instead of in the factory",
  });
  assert.throws(() => root.get(Top), {
    message:
      /^Circular dependency between services: A -> B -> A \(chain: Top -> A -> B -> A\);/,
  });
});

Deno.test("a failed resolution leaves the provider usable and the failed singleton unmade", async () => {
  let fail = true;
  await using root = new ServiceCollection()
    .addSingleton(Clock, () => {
      if (fail) throw new Error("not yet");
      return new Clock();
    })
    .build();
  assert.throws(() => root.get(Clock), { message: "not yet" });
  fail = false;
  const clock = root.getRequired(Clock);
  assert.equal(root.getRequired(Clock), clock);
});

Deno.test("for a token registered twice the last registration wins", async () => {
  const Name = serviceKey<string>("Name");
  await using root = new ServiceCollection()
    .addSingleton(Name, "first")
    .addSingleton(Name, "second")
    .build();
  assert.equal(root.get(Name), "second");
});

Deno.test("registrations made after build do not reach the built provider", async () => {
  const services = new ServiceCollection();
  await using root = services.build();
  services.addSingleton(Clock);
  assert.equal(root.get(Clock), undefined);
});
