// ServiceCollection: the forms a registration takes, tryAdd, and the
// mistakes it refuses.

import assert from "node:assert/strict";
import {
  type HostedService,
  ServiceCollection,
  serviceKey,
  ServiceProvider,
} from "../../../hosting/services/mod.ts";

abstract class Clock {
  abstract now(): number;
}
class FixedClock extends Clock {
  now(): number {
    return 7;
  }
}
class Wired {
  readonly provider: ServiceProvider;
  constructor(provider: ServiceProvider) {
    this.provider = provider;
  }
}

Deno.test("a value is registered as the instance itself", async () => {
  const config = { port: 8000 };
  const Config = serviceKey<{ port: number }>("Config");
  await using root = new ServiceCollection().addSingleton(Config, config)
    .build();
  assert.equal(root.get(Config), config);
});

Deno.test("a function is a factory called with the provider", async () => {
  const Port = serviceKey<number>("Port");
  let given: ServiceProvider | undefined;
  await using root = new ServiceCollection()
    .addSingleton(Port, (provider) => {
      given = provider;
      return 8000;
    })
    .build();
  assert.equal(root.get(Port), 8000);
  assert.equal(given, root);
});

Deno.test("a class token given alone is constructed with the provider", async () => {
  await using root = new ServiceCollection().addSingleton(Wired).build();
  assert.equal(root.getRequired(Wired).provider, root);
});

Deno.test("a class given for an abstract class token is constructed as its implementation", async () => {
  await using root = new ServiceCollection()
    .addSingleton(Clock, FixedClock)
    .build();
  const clock = root.getRequired(Clock);
  assert.ok(clock instanceof FixedClock);
  assert.equal(clock.now(), 7);
});

Deno.test("a function service is registered through a factory that returns it", async () => {
  const Greet = serviceKey<(name: string) => string>("Greet");
  const greet = (name: string): string => `hello ${name}`;
  await using root = new ServiceCollection()
    .addSingleton(Greet, () => greet)
    .build();
  assert.equal(root.getRequired(Greet)("ada"), "hello ada");
});

Deno.test("tryAdd registers only when the token has no registration yet", async () => {
  const Name = serviceKey<string>("Name");
  const services = new ServiceCollection()
    .tryAddSingleton(Name, "first")
    .tryAddSingleton(Name, "second")
    .tryAddScoped(Wired)
    .tryAddTransient(Wired, () => new Wired(new ServiceProvider()));
  assert.equal(services.size, 2);
  assert.deepEqual(
    [...services].map((d) => [d.token.name, d.lifetime]),
    [["Name", "singleton"], ["Wired", "scoped"]],
  );
  assert.equal(services.has(Name), true);
  assert.equal(services.has(Clock), false);
  await using root = services.build();
  assert.equal(root.get(Name), "first");
  await using scope = root.createScope();
  assert.equal(scope.services.getRequired(Wired).provider, scope.services);
});

Deno.test("descriptors tell a registered instance from a factory", () => {
  const Name = serviceKey<string>("Name");
  const [value, factory] = new ServiceCollection()
    .addSingleton(Name, "roost")
    .addTransient(Wired);
  assert.equal(value.instance, "roost");
  assert.equal(value.factory, undefined);
  assert.equal(typeof factory.factory, "function");
  assert.ok(Object.isFrozen(value));
});

Deno.test("a key given alone is refused with how to register it", () => {
  const Name = serviceKey<string>("Name");
  const services = new ServiceCollection();
  assert.throws(() => services.addSingleton(Name), {
    name: "TypeError",
    message:
      'addSingleton() was given only key "Name": a key needs a factory or value as the second argument, e.g. services.addSingleton(key, () => value)',
  });
  assert.throws(() => services.addTransient(Name), {
    message: /e\.g\. services\.addTransient\(key, \(\) => value\)$/,
  });
  assert.equal(services.size, 0);
});

Deno.test("a value for a scoped or transient service is refused: they need factories", () => {
  const Name = serviceKey<string>("Name");
  const services = new ServiceCollection();
  // A caller without types could pass a value; the type forbids it.
  const value = "roost" as unknown as () => string;
  assert.throws(() => services.addScoped(Name, value), {
    name: "TypeError",
    message:
      'addScoped() needs a factory, not a value, for key "Name": a scoped service is made anew each scope; pass () => value, or register the value with addSingleton',
  });
  assert.throws(() => services.addTransient(Name, value), {
    message: /a transient service is made anew each time;/,
  });
});

Deno.test("an undefined singleton value and a token that is no token are refused", () => {
  const Name = serviceKey<string>("Name");
  const services = new ServiceCollection();
  // Only an untyped caller can pass undefined; the type forbids it.
  const nothing = undefined as unknown as string;
  assert.throws(() => services.addSingleton(Name, nothing), {
    name: "TypeError",
    message:
      'addSingleton() was given undefined for key "Name": pass the instance, or a factory that makes it',
  });
  const notAToken = "Name" as unknown as typeof Name;
  assert.throws(() => services.addSingleton(notAToken, "x"), {
    name: "TypeError",
    message:
      'addSingleton() needs a service token as its first argument, got string: pass a class (services.addSingleton(Clock)) or a key made by serviceKey("name")',
  });
});

Deno.test("serviceKey makes frozen keys compared by identity and refuses an empty name", async () => {
  const a = serviceKey<number>("Port");
  const b = serviceKey<number>("Port");
  assert.ok(Object.isFrozen(a));
  await using root = new ServiceCollection().addSingleton(a, 1).build();
  assert.equal(root.get(a), 1);
  assert.equal(root.get(b), undefined);
  assert.throws(() => serviceKey(" "), {
    name: "TypeError",
    message:
      'serviceKey() needs a non-empty name for error messages, got " ": try serviceKey<Clock>("Clock")',
  });
});

Deno.test("hosted services are listed in registration order; a class becomes a factory", () => {
  const instance: HostedService = { start() {}, stop() {} };
  const factory = (): HostedService => instance;
  class Worker implements HostedService {
    constructor(readonly provider: ServiceProvider) {}
    start(): void {}
    stop(): void {}
  }
  const services = new ServiceCollection()
    .addHostedService(instance)
    .addHostedService(factory)
    .addHostedService(Worker);
  const [first, second, third] = services.hostedServices;
  assert.equal(first, instance);
  assert.equal(second, factory);
  assert.equal(typeof third, "function");
  const root = new ServiceProvider();
  const made = (third as (provider: ServiceProvider) => HostedService)(root);
  assert.ok(made instanceof Worker);
  assert.equal(made.provider, root);
});

Deno.test("a hosted service without start and stop is refused", () => {
  const half = { start() {} } as unknown as HostedService;
  assert.throws(() => new ServiceCollection().addHostedService(half), {
    name: "TypeError",
    message:
      "addHostedService() needs an object with start(signal) and stop(signal) methods, a factory (provider) => service, or a class such as a BackgroundService subclass",
  });
});
