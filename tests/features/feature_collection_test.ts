import assert from "node:assert/strict";
import { FeatureCollection, featureKey } from "../../mod.ts";

interface Color {
  name: string;
}
const Color = featureKey<Color>("Color");
const Size = featureKey<number>("Size");
const Flag = featureKey<boolean>("Flag");

Deno.test("featureKey makes a frozen key that carries its name", () => {
  const key = featureKey<string>("Greeting");
  assert.equal(key.name, "Greeting");
  assert.ok(Object.isFrozen(key));
});

Deno.test("featureKey makes keys that equal only themselves, even with the same name", () => {
  const first = featureKey<string>("Same");
  const second = featureKey<string>("Same");
  assert.notEqual(first, second);
  const features = new FeatureCollection();
  features.set(first, "one");
  assert.equal(features.get(first), "one");
  assert.equal(features.get(second), undefined);
});

Deno.test("FeatureCollection returns undefined for a feature it never had", () => {
  const features = new FeatureCollection();
  assert.equal(features.get(Color), undefined);
  assert.deepEqual([...features], []);
});

Deno.test("FeatureCollection returns the object that was set", () => {
  const features = new FeatureCollection();
  const red = { name: "red" };
  features.set(Color, red);
  assert.equal(features.get(Color), red);
});

Deno.test("FeatureCollection replaces a feature when it is set again", () => {
  const features = new FeatureCollection();
  features.set(Color, { name: "red" });
  const blue = { name: "blue" };
  features.set(Color, blue);
  assert.equal(features.get(Color), blue);
  assert.equal([...features].length, 1);
});

Deno.test("FeatureCollection keeps falsy values such as 0 and false", () => {
  const features = new FeatureCollection();
  features.set(Size, 0);
  features.set(Flag, false);
  assert.equal(features.get(Size), 0);
  assert.equal(features.get(Flag), false);
});

Deno.test("FeatureCollection removes a feature when it is set to undefined", () => {
  const features = new FeatureCollection();
  features.set(Color, { name: "red" });
  features.set(Size, 3);
  features.set(Color, undefined);
  assert.equal(features.get(Color), undefined);
  assert.equal(features.get(Size), 3);
  assert.deepEqual([...features].map(([key]) => key), [Size]);
});

Deno.test("FeatureCollection accepts removing a feature it does not have", () => {
  const features = new FeatureCollection();
  features.set(Color, undefined);
  assert.equal(features.get(Color), undefined);
  assert.deepEqual([...features], []);
});

Deno.test("FeatureCollection bumps its revision on every set, removals included", () => {
  const features = new FeatureCollection();
  const seen = [features.revision];
  const red = { name: "red" };
  features.set(Color, red);
  seen.push(features.revision);
  features.set(Color, red); // the same value again still counts
  seen.push(features.revision);
  features.set(Size, 1);
  seen.push(features.revision);
  features.set(Color, undefined);
  seen.push(features.revision);
  for (let i = 1; i < seen.length; i++) {
    assert.ok(
      seen[i] > seen[i - 1],
      `revision did not grow at set #${i}: ${seen.join(", ")}`,
    );
  }
});

Deno.test("FeatureCollection does not change its revision on reads or iteration", () => {
  const features = new FeatureCollection();
  features.set(Color, { name: "red" });
  const before = features.revision;
  features.get(Color);
  features.get(Size);
  [...features];
  assert.equal(features.revision, before);
});

Deno.test("FeatureCollection revision changes when its defaults change", () => {
  const server = new FeatureCollection();
  const request = new FeatureCollection(server);
  const before = request.revision;
  server.set(Color, { name: "red" });
  const afterDefaults = request.revision;
  assert.notEqual(afterDefaults, before);
  request.set(Size, 1);
  assert.notEqual(request.revision, afterDefaults);
  // Two changes on either side never land back on an earlier number.
  server.set(Size, 2);
  assert.ok(request.revision > afterDefaults);
});

Deno.test("FeatureCollection exposes the collection it falls back to", () => {
  const server = new FeatureCollection();
  assert.equal(new FeatureCollection(server).defaults, server);
  assert.equal(server.defaults, undefined);
});

Deno.test("FeatureCollection falls back to its defaults", () => {
  const server = new FeatureCollection();
  const red = { name: "red" };
  server.set(Color, red);
  const request = new FeatureCollection(server);
  assert.equal(request.get(Color), red);
});

Deno.test("FeatureCollection sees a default that was set after it was made", () => {
  const server = new FeatureCollection();
  const request = new FeatureCollection(server);
  server.set(Size, 7);
  assert.equal(request.get(Size), 7);
});

Deno.test("FeatureCollection's own value shadows the default without changing it", () => {
  const server = new FeatureCollection();
  const red = { name: "red" };
  server.set(Color, red);
  const request = new FeatureCollection(server);
  const blue = { name: "blue" };
  request.set(Color, blue);
  assert.equal(request.get(Color), blue);
  assert.equal(server.get(Color), red);
});

Deno.test("FeatureCollection's own falsy value still shadows the default", () => {
  const server = new FeatureCollection();
  server.set(Size, 5);
  const request = new FeatureCollection(server);
  request.set(Size, 0);
  assert.equal(request.get(Size), 0);
});

Deno.test("FeatureCollection shows the default again once its own value is removed", () => {
  const server = new FeatureCollection();
  const red = { name: "red" };
  server.set(Color, red);
  const request = new FeatureCollection(server);
  request.set(Color, { name: "blue" });
  request.set(Color, undefined);
  assert.equal(request.get(Color), red);
  assert.equal(server.get(Color), red);
});

Deno.test("FeatureCollection falls back through more than one level of defaults", () => {
  const root = new FeatureCollection();
  root.set(Size, 1);
  const middle = new FeatureCollection(root);
  middle.set(Flag, true);
  const leaf = new FeatureCollection(middle);
  assert.equal(leaf.get(Size), 1);
  assert.equal(leaf.get(Flag), true);
  const before = leaf.revision;
  root.set(Size, 2);
  assert.notEqual(leaf.revision, before);
  assert.equal(leaf.get(Size), 2);
});

Deno.test("FeatureCollection iterates its own features in the order they were set", () => {
  const features = new FeatureCollection();
  const red = { name: "red" };
  features.set(Size, 1);
  features.set(Color, red);
  features.set(Flag, true);
  assert.deepEqual([...features], [[Size, 1], [Color, red], [Flag, true]]);
});

Deno.test("FeatureCollection iterates its own features first, then defaults it does not override", () => {
  const server = new FeatureCollection();
  const red = { name: "red" };
  server.set(Color, red);
  server.set(Size, 10);
  server.set(Flag, false);
  const request = new FeatureCollection(server);
  request.set(Size, 20);
  assert.deepEqual([...request], [[Size, 20], [Color, red], [Flag, false]]);
});

Deno.test("FeatureCollection iterates a default again once the override is removed", () => {
  const server = new FeatureCollection();
  server.set(Size, 10);
  const request = new FeatureCollection(server);
  request.set(Size, 20);
  request.set(Size, undefined);
  assert.deepEqual([...request], [[Size, 10]]);
});

Deno.test("FeatureCollection with no own features iterates its defaults", () => {
  const server = new FeatureCollection();
  server.set(Size, 10);
  assert.deepEqual([...new FeatureCollection(server)], [[Size, 10]]);
});
