/**
 * Fault injection for the tests, as Mercurial's own test suite does it: with
 * TASKGATE_TEST_KILL_AT=<point> in its environment, a process SIGKILLs itself at that point,
 * so that a test can prove nothing is lost or doubled whatever moment a crash picks.
 */
export function faultPoint(point: string): void {
  if (process.env['TASKGATE_TEST_KILL_AT'] === point) process.kill(process.pid, 'SIGKILL');
}
