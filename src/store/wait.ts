/** Resolves after `ms`, when `signal` aborts, or when one of `wakers` is called (a NOTIFY). */
export function waitUntil(ms: number, signal?: AbortSignal, wakers?: Set<() => void>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      wakers?.delete(done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    wakers?.add(done);
    signal?.addEventListener('abort', done, { once: true });
  });
}
