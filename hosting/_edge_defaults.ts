// What createDefaultBuilder adds ahead of the app's own pipeline, as
// ASP.NET's CreateDefaultBuilder does with its startup filters: forwarded
// headers when configuration switches them on, host filtering when
// AllowedHosts names hosts.

import type { Configuration } from "./config/mod.ts";
import type { ApplicationBuilder } from "./application_builder.ts";
import { type ServiceKey, serviceKey } from "./services/mod.ts";
import {
  forwardedHeadersEnabled,
  forwardedHeadersFromConfiguration,
} from "./middleware/forwarded_headers.ts";
import { hostFilteringFromConfiguration } from "./middleware/host_filtering.ts";

/** Registered by createDefaultBuilder: the host adds the edge defaults. */
export const EDGE_DEFAULTS: ServiceKey<true> = serviceKey<true>(
  "Roost.EdgeDefaults",
);

/** Adds forwarded headers and host filtering, as configuration asks. */
export function useEdgeDefaults(
  app: ApplicationBuilder,
  configuration: Configuration,
): void {
  // First, so everything after them sees the client and a checked host.
  if (forwardedHeadersEnabled(configuration)) {
    app.useForwardedHeaders(
      forwardedHeadersFromConfiguration(
        configuration.getSection("ForwardedHeaders"),
      ),
    );
  }
  const hosts = hostFilteringFromConfiguration(configuration);
  if (hosts !== undefined) app.useHostFiltering(hosts);
}
