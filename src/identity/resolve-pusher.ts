// Who is pushing, from the hook's HG_URL and environment (ssh, http, local), and their groups; never a fallback across channels.
import type { IdentityConfig, Pusher } from './pusher.js';

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The pusher's name from the hook's HG_URL: ssh -> TASKGATE_USER (set per key by the forced
 * command), http(s) -> the user field hgweb fills from REMOTE_USER, a local path -> LOGNAME
 * then USER. Never a fallback across channels: the account running the hook is not the pusher.
 */
export function resolvePusherName(url: string, env: NodeJS.ProcessEnv): { name: string | null; channel: Pusher['channel'] } {
  const nonEmpty = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : null);
  if (url.startsWith('remote:ssh:') || url === 'remote:ssh') {
    return { name: nonEmpty(env['TASKGATE_USER']), channel: 'ssh' };
  }
  const http = /^remote:https?:([^:]*):?(.*)$/.exec(url);
  if (http) return { name: nonEmpty(decode(http[2] ?? '')), channel: 'http' };
  if (url.startsWith('remote:')) return { name: null, channel: 'http' };
  return { name: nonEmpty(env['LOGNAME']) ?? nonEmpty(env['USER']), channel: 'local' };
}

/** The groups a user is in; the unknown pusher is in none. */
export function groupsOf(name: string | null, identity: IdentityConfig): string[] {
  if (name === null) return [];
  return Object.entries(identity.groups)
    .filter(([, members]) => members.includes(name))
    .map(([group]) => group)
    .sort();
}

export function resolvePusher(url: string, env: NodeJS.ProcessEnv, identity: IdentityConfig): Pusher {
  const { name, channel } = resolvePusherName(url, env);
  return { name, channel, groups: groupsOf(name, identity) };
}

/** A pusher given by name (`taskgate check --user NAME`). */
export function namedPusher(name: string | null, identity: IdentityConfig): Pusher {
  return { name, channel: 'local', groups: groupsOf(name, identity) };
}
