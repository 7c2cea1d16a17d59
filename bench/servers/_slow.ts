/**
 * The handler the graceful-stop benchmark's servers share: a request that
 * takes a while, so a stop always finds some in flight.
 *
 * @module
 */

/** The body of every slow answer. */
export const SLOW_BODY = "done";

/** Resolves after 5–50 ms, uniformly at random. */
export function randomPause(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 45));
}

/** A 200 answer, after a random pause. */
export async function slowAnswer(): Promise<Response> {
  await randomPause();
  return new Response(SLOW_BODY);
}
