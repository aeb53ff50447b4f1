// Per-test cleanup that works with test.concurrent, where beforeEach/afterEach cannot tell the
// concurrently running tests apart.

export type Defer = (cleanup: () => unknown) => void;

/** Runs body; whatever it deferred then runs in reverse order, even when body failed. */
export async function withTeardown(body: (defer: Defer) => Promise<void>): Promise<void> {
  const cleanups: Array<() => unknown> = [];
  try {
    await body((cleanup) => cleanups.push(cleanup));
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}
