// Run by scripts/bench under pg_virtualenv (a PostgreSQL cluster of its own, dropped when this
// process ends, however it ends): claim-and-complete throughput with 1, 4 and 16 workers.
// Prints one JSON result a line.
// usage: pg_virtualenv node scripts/bench-pg.mjs SERVICE_BUNDLE WORKDIR COUNT SQLITE_RATE
import pg from 'pg';

const [bundle, work, countText, sqliteText] = process.argv.slice(2);
const count = Number(countText);
const sqlite = Number(sqliteText);
const { claimThroughput } = await import(bundle);
const admin = `postgres://${encodeURIComponent(process.env.PGUSER ?? 'postgres')}:${encodeURIComponent(process.env.PGPASSWORD ?? '')}@127.0.0.1:${process.env.PGPORT}`;
for (const workers of [1, 4, 16]) {
  const name = `tg_bench_${workers}_${process.pid}`;
  const client = new pg.Client({ connectionString: `${admin}/postgres` });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const rate = await claimThroughput(`${work}-${workers}`, { url: `${admin}/${name}`, workers, count });
  const result = {
    name: `claim-and-complete throughput, PostgreSQL, ${workers} worker${workers === 1 ? '' : 's'}`,
    value: Number(rate.toFixed(3)),
    budget: null,
    unit: ' jobs/s',
    pass: null,
    detail: `${count} no-op jobs, a connection pool per worker; ${(rate / sqlite).toFixed(2)}x SQLite's figure`,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (workers === 1) {
    // the same with the worker API's checks (DESIGN §15): an assertion per request, bound, verified, its jti stored
    const checkedDb = `${name}_checked`;
    const c2 = new pg.Client({ connectionString: `${admin}/postgres` });
    await c2.connect();
    await c2.query(`CREATE DATABASE ${checkedDb}`);
    await c2.end();
    const checked = await claimThroughput(`${work}-checked`, { url: `${admin}/${checkedDb}`, workers, count, checks: true });
    const withChecks = {
      name: 'claim-and-complete throughput, PostgreSQL, 1 worker, with the assertion checks',
      value: Number(checked.toFixed(3)),
      budget: null,
      unit: ' jobs/s',
      pass: null,
      detail: `before the checks ${rate.toFixed(0)} jobs/s; with them ${(checked / rate).toFixed(2)}x`,
    };
    process.stdout.write(`${JSON.stringify(withChecks)}\n`);
  }
}
