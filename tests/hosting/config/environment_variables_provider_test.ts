// EnvironmentVariablesConfigurationProvider: prefix, "__", no permission.

import assert from "node:assert/strict";
import {
  ConfigurationBuilder,
  EnvironmentVariablesConfigurationProvider,
} from "../../../hosting/config/mod.ts";
import { configModule, runIsolated } from "./_helpers.ts";

/** Sets variables with a unique prefix around `fn`, then deletes them. */
function withVariables(
  variables: Record<string, string>,
  fn: (prefix: string) => void,
): void {
  const prefix = `CFGTEST_${crypto.randomUUID().slice(0, 8)}_`;
  try {
    for (const [name, value] of Object.entries(variables)) {
      Deno.env.set(prefix + name, value);
    }
    fn(prefix);
  } finally {
    for (const name of Object.keys(variables)) Deno.env.delete(prefix + name);
  }
}

Deno.test("environment variables with the prefix are read with it stripped and __ as :", () => {
  withVariables(
    { Urls: "http://a", Server__Limits__Port: "8080", "Logging__0": "x" },
    (prefix) => {
      const provider = new EnvironmentVariablesConfigurationProvider({
        prefix,
      });
      provider.load();
      assert.deepEqual(Object.fromEntries(provider.entries()), {
        "Logging:0": "x",
        "Server:Limits:Port": "8080",
        Urls: "http://a",
      });
      assert.equal(provider.get("server:limits:port"), "8080");
    },
  );
});

Deno.test("the environment variable prefix matches in any case", () => {
  withVariables({ Port: "1" }, (prefix) => {
    const config = new ConfigurationBuilder()
      .addEnvironmentVariables({ prefix: prefix.toLowerCase() })
      .build();
    assert.equal(config.get("port"), "1");
    assert.equal(
      config.describeSource("PORT"),
      `environment variables (prefix ${prefix.toLowerCase()})`,
    );
  });
});

Deno.test("without a prefix every environment variable is read", () => {
  withVariables({ Server__Port: "2" }, (prefix) => {
    const config = new ConfigurationBuilder().addEnvironmentVariables().build();
    assert.equal(config.get(`${prefix}Server:Port`), "2");
    assert.equal(config.get("PATH"), Deno.env.get("PATH"));
    assert.equal(config.describeSource("path"), "environment variables");
  });
});

Deno.test("environment variables are read again on reload", () => {
  withVariables({ Port: "1" }, (prefix) => {
    using config = new ConfigurationBuilder()
      .addEnvironmentVariables({ prefix })
      .build();
    Deno.env.set(`${prefix}Port`, "2");
    assert.equal(config.get("port"), "1");
    config.reload();
    assert.equal(config.get("port"), "2");
  });
});

Deno.test("without --allow-env the environment gives no values and no error", async () => {
  const { code, stdout, stderr } = await runIsolated(
    `import { EnvironmentVariablesConfigurationProvider } from "${
      configModule("environment_variables_provider.ts")
    }";
     const provider = new EnvironmentVariablesConfigurationProvider({ prefix: "ROOST_" });
     provider.load();
     console.log(JSON.stringify([...provider.entries()]));`,
    [],
  );
  assert.equal(stderr, "");
  assert.equal(code, 0);
  assert.equal(stdout.trim(), "[]");
});
