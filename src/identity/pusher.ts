/** Who is pushing, from exactly one source per channel (DESIGN §5). `name` is null for the unknown pusher. */
export interface Pusher {
  name: string | null;
  channel: 'ssh' | 'http' | 'local';
  groups: string[];
}

export interface IdentityConfig {
  groups: Record<string, string[]>;
  users: Record<string, { emails?: string[] }>;
}
