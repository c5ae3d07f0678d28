// Waiting in node tests for something a real peer does in its own time (a
// softphone registering, a binding expiring): poll a synchronous predicate
// every 50 ms until it holds, or fail naming what never happened.
export async function waitUntil(what: string, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
