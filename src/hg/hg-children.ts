// The hg work in flight in this process, so that the gate's time limit can stop all of it (DESIGN §4).
const stops = new Set<() => void>();

/** Registers how to stop one hg run (a child process, a chg session); returns its unregistration. */
export function trackHg(stop: () => void): () => void {
  stops.add(stop);
  return () => {
    stops.delete(stop);
  };
}

/** Stops every hg run in flight: their output ends, and the reads waiting on them fail. */
export function stopAllHg(): void {
  const all = [...stops];
  stops.clear();
  for (const stop of all) stop();
}
