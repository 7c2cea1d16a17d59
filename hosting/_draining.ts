// When a stopping host begins to drain: after `shutdownDelaySeconds`, as its
// server stops taking connections. `lifetime.stopping` fires before that, at
// the start of the delay, while the host still serves normally. Not part of
// ApplicationLifetime's API: Roost's own middleware watch it (the rate
// limiter answers requests still queued then, so the drain does not wait for
// their permits).

const draining = new WeakMap<object, AbortController>();

function controllerOf(lifetime: object): AbortController {
  let controller = draining.get(lifetime);
  if (controller === undefined) {
    controller = new AbortController();
    draining.set(lifetime, controller);
  }
  return controller;
}

/** Fires when the host that owns `lifetime` begins to drain. */
export function drainingSignal(lifetime: object): AbortSignal {
  return controllerOf(lifetime).signal;
}

/** Called by the host when its drain begins. */
export function notifyDraining(lifetime: object): void {
  controllerOf(lifetime).abort("draining");
}
