// Who-lists with negations (DESIGN §18): a negation wins over every grant, and negations alone never grant the unknown pusher a permission.
import { describe, expect, it } from 'vitest';
import type { Pusher } from '../../src/identity/pusher.js';
import { grants, reaches } from '../../src/identity/who-list.js';

const bob: Pusher = { name: 'bob', channel: 'ssh', groups: ['devs', 'contractors'] };
const alice: Pusher = { name: 'alice', channel: 'ssh', groups: ['devs'] };
const unknown: Pusher = { name: null, channel: 'http', groups: [] };

describe('who-lists with negations (DESIGN §18)', () => {
  it('a negation wins over every grant in a mixed list', () => {
    expect(grants(['*', '!bob'], bob)).toBe(false);
    expect(grants(['*', '!bob'], alice)).toBe(true);
    expect(grants(['@devs', '!@contractors'], bob)).toBe(false);
    expect(grants(['@devs', '!@contractors'], alice)).toBe(true);
    expect(grants(['bob', '!bob'], bob)).toBe(false);
  });

  it('negations alone mean everyone but them, and never the unknown pusher in a permission', () => {
    expect(grants(['!bob'], alice)).toBe(true);
    expect(grants(['!bob'], bob)).toBe(false);
    expect(grants(['!bob'], unknown)).toBe(false);
    expect(grants(['*'], unknown)).toBe(false);
    expect(grants([], alice)).toBe(false);
  });

  it('a deny list names who is denied: ["*", "!alice"] denies everyone but alice, the unknown pusher included', () => {
    expect(reaches(['*', '!alice'], alice)).toBe(false);
    expect(reaches(['*', '!alice'], bob)).toBe(true);
    expect(reaches(['*', '!alice'], unknown)).toBe(true);
    expect(reaches(['!alice'], unknown)).toBe(true);
    expect(reaches(['@devs'], unknown)).toBe(false);
    expect(reaches([], bob)).toBe(false);
  });
});
