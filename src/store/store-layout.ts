/**
 * The job store's table layout, described once: both engines' migrations and `taskgate store
 * copy` are derived from it. A layout version adds tables, columns and indexes; a new column
 * gets the next version, and both engines pick it up (SQLite as ALTER TABLE, PostgreSQL too).
 */

/** `time` is unix seconds: INTEGER in SQLite, BIGINT in PostgreSQL. */
type Kind = 'text' | 'int' | 'time';
type Engine = 'sqlite' | 'postgres';

interface Column {
  name: string;
  kind: Kind;
  notNull?: boolean;
  default?: string;
  /** The layout version that added it (the table's when absent). */
  since?: number;
  check?: string;
}

interface Index {
  name: string;
  columns: string[];
  since?: number;
  /** An index only one engine has (absent: both). */
  engine?: Engine;
}

interface Table {
  name: string;
  since: number;
  columns: Column[];
  primaryKey: string[];
  indexes?: Index[];
  /** Only one engine keeps it (the audit chain lives in PostgreSQL; SQLite's is the audit file). */
  engine?: Engine;
  /** PostgreSQL gives it a `seq` column, to order rows as SQLite's rowid does. */
  ordered?: boolean;
  /** A store's own bookkeeping, which `store copy` leaves behind. */
  local?: boolean;
}

const text = (name: string, notNull = true, since?: number): Column => ({ name, kind: 'text', notNull, ...(since ? { since } : {}) });
const int = (name: string, notNull = true, since?: number): Column => ({ name, kind: 'int', notNull, ...(since ? { since } : {}) });
const time = (name: string, notNull = true, since?: number): Column => ({ name, kind: 'time', notNull, ...(since ? { since } : {}) });

const TABLES: readonly Table[] = [
  {
    name: 'pushes',
    since: 1,
    columns: [text('id'), text('repo'), text('node'), text('node_last'), text('heads'), text('actor'), text('source'), text('created_at')],
    primaryKey: ['id'],
    // the pushes page reads the newest pushes first
    indexes: [{ name: 'pushes_created', columns: ['created_at', 'id'], since: 5 }],
  },
  { name: 'processed_heads', since: 1, columns: [text('repo'), text('node'), text('push_id')], primaryKey: ['repo', 'node'] },
  {
    name: 'jobs',
    since: 1,
    ordered: true,
    columns: [
      ...['id', 'repo', 'rev', 'branch', 'task', 'definition', 'requires', 'push_id', 'push', 'actor', 'reasons'].map((n) => text(n)),
      int('files_matched'),
      text('status'),
      int('attempts'),
      ...['created_at', 'updated_at', 'spec'].map((n) => text(n)),
      text('token_jti', false),
      text('token', false),
      time('token_exp', false),
      text('worker', false, 2),
      time('lease_expires', false, 2),
      time('not_before', false, 2),
      text('reason', false, 2),
      text('reserved_by', false, 3),
      time('reserved_until', false, 3),
    ],
    primaryKey: ['id'],
    indexes: [
      { name: 'jobs_status', columns: ['status'] },
      { name: 'jobs_rev', columns: ['rev'], engine: 'sqlite' },
      { name: 'jobs_head', columns: ['repo', 'rev'], engine: 'postgres' },
      { name: 'jobs_push', columns: ['push_id'] },
      // the live pages' loop reads the jobs changed since its last look
      { name: 'jobs_updated', columns: ['updated_at', 'id'], since: 5 },
    ],
  },
  {
    name: 'tokens',
    since: 1,
    ordered: true,
    columns: [
      text('jti'),
      text('job_id'),
      text('kind'),
      time('exp'),
      text('created_at'),
      { name: 'state', kind: 'text', notNull: true, default: "'live'", since: 2 },
      ...['worker', 'prev'].map((n) => text(n, false, 2)),
      time('consumed_at', false, 2),
      ...['consumed_by', 'transition', 'answer'].map((n) => text(n, false, 2)),
    ],
    primaryKey: ['jti'],
    indexes: [{ name: 'tokens_job', columns: ['job_id'], since: 2 }],
  },
  {
    name: 'attempts',
    since: 2,
    columns: [
      text('job_id'),
      int('attempt'),
      text('worker'),
      time('started_at'),
      time('ended_at', false),
      text('outcome', false),
      int('exit_code', false),
      text('log', false),
    ],
    primaryKey: ['job_id', 'attempt'],
  },
  { name: 'audit_log', since: 3, engine: 'postgres', columns: [time('seq'), text('record')], primaryKey: ['seq'] },
  {
    name: 'audit_head',
    since: 3,
    engine: 'postgres',
    columns: [{ name: 'id', kind: 'int', notNull: true, check: 'id = 1' }, time('seq'), text('hash')],
    primaryKey: ['id'],
  },
  {
    // client assertions already used, until they expire: a replay is refused even after a restart
    name: 'used_assertions',
    since: 4,
    local: true,
    columns: [text('jti'), time('exp')],
    primaryKey: ['jti'],
    indexes: [{ name: 'used_assertions_exp', columns: ['exp'] }],
  },
];

/** The newest layout version. */
const LAYOUT_VERSION = Math.max(
  ...TABLES.flatMap((t) => [t.since, ...t.columns.map((c) => c.since ?? 0), ...(t.indexes ?? []).map((i) => i.since ?? 0)]),
);

/** PostgreSQL support began at layout version 3: its first migration creates that layout at once. */
const POSTGRES_FIRST = 3;

const TYPES: Record<Engine, Record<Kind, string>> = {
  sqlite: { text: 'TEXT', int: 'INTEGER', time: 'INTEGER' },
  postgres: { text: 'TEXT', int: 'INTEGER', time: 'BIGINT' },
};

const forEngine = (engine: Engine) => (x: { engine?: Engine }) => x.engine === undefined || x.engine === engine;

function columnSql(engine: Engine, c: Column): string {
  const constraints = `${c.notNull ? ' NOT NULL' : ''}${c.default ? ` DEFAULT ${c.default}` : ''}${c.check ? ` CHECK (${c.check})` : ''}`;
  return `${c.name} ${TYPES[engine][c.kind]}${constraints}`;
}

function createTable(engine: Engine, t: Table, upTo: number): string {
  const columns = t.columns.filter((c) => (c.since ?? t.since) <= upTo).map((c) => columnSql(engine, c));
  if (engine === 'postgres' && t.ordered) columns.unshift('seq BIGSERIAL UNIQUE');
  return `CREATE TABLE ${t.name} (${[...columns, `PRIMARY KEY (${t.primaryKey.join(', ')})`].join(', ')})`;
}

/** The statements that take `engine`'s schema from layout version `from` to `to`. */
function layoutSteps(engine: Engine, from: number, to: number): string[] {
  const inRange = (v: number) => v > from && v <= to;
  const out: string[] = [];
  for (const t of TABLES.filter(forEngine(engine))) {
    if (inRange(t.since)) out.push(createTable(engine, t, to));
    else if (t.since <= from)
      for (const c of t.columns.filter((c) => inRange(c.since ?? t.since)))
        out.push(`ALTER TABLE ${t.name} ADD COLUMN ${columnSql(engine, c)}`);
    for (const i of (t.indexes ?? []).filter(forEngine(engine)).filter((i) => inRange(i.since ?? t.since)))
      out.push(`CREATE INDEX IF NOT EXISTS ${i.name} ON ${t.name} (${i.columns.join(', ')})`);
  }
  return out;
}

/** SQLite's migrations, one per layout version (`PRAGMA user_version` counts them). */
export const SQLITE_MIGRATIONS: readonly string[] = Array.from({ length: LAYOUT_VERSION }, (_, i) =>
  layoutSteps('sqlite', i, i + 1).join(';\n'),
);

/**
 * PostgreSQL's migrations (`taskgate_schema.version` counts them): the first creates layout 3,
 * each next one a later layout version that changes PostgreSQL (one for SQLite alone is none).
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  layoutSteps('postgres', 0, POSTGRES_FIRST).join(';\n'),
  ...Array.from({ length: LAYOUT_VERSION - POSTGRES_FIRST }, (_, i) =>
    layoutSteps('postgres', POSTGRES_FIRST + i, POSTGRES_FIRST + i + 1).join(';\n'),
  ).filter((sql) => sql !== ''),
];

/** The tables both engines keep and their columns, in an order that never breaks a reference: what `store copy` copies. */
export const COPIED_TABLES: ReadonlyArray<[string, string[]]> = TABLES.filter((t) => t.engine === undefined && !t.local).map((t) => [
  t.name,
  t.columns.map((c) => c.name),
]);
