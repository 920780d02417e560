// The hg work in flight in this process, so that the gate's time limit can stop all of it (DESIGN §4).
const stops = new Set<() => void>();
/** Set once stopAllHg ran: nothing started after it may run on (no retry, no fallback). */
let stopped = false;

/** Registers how to stop one hg run (a child process, a chg session); returns its unregistration. */
export function trackHg(stop: () => void): () => void {
  if (stopped) {
    stop();
    return () => undefined;
  }
  stops.add(stop);
  return () => {
    stops.delete(stop);
  };
}

/** Whether the gate's time limit has stopped hg: a run about to start must not. */
export function hgStopped(): boolean {
  return stopped;
}

/** A new gate in the same process (the hook server runs one after another): the last one's stop is over. */
export function resumeHg(): void {
  stopped = false;
}

/** Stops every hg run in flight, and every one started after: their reads fail. */
export function stopAllHg(): void {
  stopped = true;
  const all = [...stops];
  stops.clear();
  for (const stop of all) stop();
}
