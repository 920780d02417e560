export type { Pusher, IdentityConfig } from './pusher.js';
export { resolvePusher, resolvePusherName, groupsOf, namedPusher } from './resolve-pusher.js';
export { grants, reaches } from './who-list.js';
