// The `taskgate` command: each subcommand's usage, summary and example, and the dispatch to one file per subcommand.
import { TaskgateError } from '../errors/taskgate-error.js';
import { AUDIT_USAGE, auditCommand } from './audit-command.js';
import { CHECK_USAGE, checkCommand } from './check-command.js';
import { DOCTOR_USAGE, doctorCommand } from './doctor-command.js';
import { INSTALL_USAGE, UNINSTALL_USAGE, installCommand, uninstallCommand } from './install-command.js';
import { AFFECTED_USAGE, affectedCommand } from './affected-command.js';
import { EXIT } from '../errors/error-codes.js';
import { reportError, type CliIo } from './cli-io.js';
import { GRAPH_USAGE, graphCommand } from './graph-command.js';
import { JOBS_USAGE, jobsCommand } from './jobs-command.js';
import { KEYS_USAGE, keysCommand } from './keys-command.js';
import { LINEAGE_USAGE, lineageCommand } from './lineage-command.js';
import { RECONCILE_USAGE, reconcileCommand } from './reconcile-command.js';
import { STORE_USAGE, storeCommand } from './store-command.js';
import { TOKEN_USAGE, tokenCommand } from './token-command.js';
import { WORKER_USAGE, workerCommand } from './worker-command.js';
import { SERVE_USAGE, serveCommand } from './serve-command.js';

/** Every command: what runs it, its usage, a summary and one example (for `taskgate COMMAND --help`). */
const COMMANDS: Record<
  string,
  { run: (args: string[], io: CliIo) => number | Promise<number>; usage: string; summary: string; example: string }
> = {
  install: {
    run: installCommand,
    usage: INSTALL_USAGE,
    summary: 'write the hooks into a repository, with a default config and a key',
    example: 'taskgate install /srv/hg/app',
  },
  uninstall: {
    run: uninstallCommand,
    usage: UNINSTALL_USAGE,
    summary: "remove taskgate's hooks from a repository",
    example: 'taskgate uninstall /srv/hg/app',
  },
  doctor: {
    run: doctorCommand,
    usage: DOCTOR_USAGE,
    summary: 'check everything that can silently break the hooks',
    example: 'taskgate doctor /srv/hg/app',
  },
  check: {
    run: checkCommand,
    usage: CHECK_USAGE,
    summary: 'check existing changesets against the policy',
    example: "taskgate check -R /srv/hg/app -r 'all()' --user bob",
  },
  affected: {
    run: affectedCommand,
    usage: AFFECTED_USAGE,
    summary: 'the tasks a range of changesets affects, and why',
    example: 'taskgate affected -R /srv/hg/app -r tip --json',
  },
  jobs: {
    run: jobsCommand,
    usage: JOBS_USAGE,
    summary: 'list, show, retry or cancel jobs, or read their logs',
    example: 'taskgate jobs list -R /srv/hg/app --status failed',
  },
  worker: {
    run: workerCommand,
    usage: WORKER_USAGE,
    summary: 'run ready jobs in dependency order, in process or against taskgate serve',
    example: 'taskgate worker -R /srv/hg/app --concurrency 4',
  },
  graph: {
    run: graphCommand,
    usage: GRAPH_USAGE,
    summary: "the jobs' DAG of a head, a push or a job as dot, SVG, Mermaid or JSON",
    example: 'taskgate graph -R /srv/hg/app -r tip --format svg > jobs.svg',
  },
  lineage: {
    run: lineageCommand,
    usage: LINEAGE_USAGE,
    summary: 'why did this job run: push, pusher, files, globs, upstream, tokens',
    example: 'taskgate lineage 9c0c10572573 -R /srv/hg/app',
  },
  reconcile: {
    run: reconcileCommand,
    usage: RECONCILE_USAGE,
    summary: 'drain the outbox and enqueue pushes no hook saw',
    example: 'taskgate reconcile -R /srv/hg/app',
  },
  serve: {
    run: serveCommand,
    usage: SERVE_USAGE,
    summary: 'JWKS, the worker API and read APIs over HTTP',
    example: 'taskgate serve -R /srv/hg/app --port 8470',
  },
  store: {
    run: storeCommand,
    usage: STORE_USAGE,
    summary: 'migrate the job store, or copy a SQLite store into PostgreSQL',
    example: 'taskgate store copy --from /srv/hg/app/.hg/taskgate/jobs.db -R /srv/hg/app',
  },
  keys: {
    run: keysCommand,
    usage: KEYS_USAGE,
    summary: 'create, rotate or publish the signing keys',
    example: 'taskgate keys rotate -R /srv/hg/app',
  },
  token: {
    run: tokenCommand,
    usage: TOKEN_USAGE,
    summary: 'verify a job token and print its claims',
    example: 'taskgate token verify "$TOKEN" -R /srv/hg/app',
  },
  audit: {
    run: auditCommand,
    usage: AUDIT_USAGE,
    summary: 'verify or show the hash-chained audit log',
    example: 'taskgate audit verify -R /srv/hg/app',
  },
};

function help(): string {
  const lines = ['usage: taskgate COMMAND [OPTIONS]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)} ${c.summary}`, `           ${c.usage}`);
  return `${lines.join('\n')}\n`;
}

/** The `taskgate` command: dispatches to one file per subcommand; returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(help());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  const json = rest.includes('--json');
  if (command && (rest.includes('--help') || rest.includes('-h'))) {
    io.out(
      `${command.summary}\n\nusage: ${command.usage}\nexample: ${command.example}\n\nmore: docs/ in the taskgate folder; every command takes --json where it reports\n`,
    );
    return EXIT.ok;
  }
  if (!command) return reportError(new TaskgateError('ERR_USAGE', `unknown command ${name}`, 'run `taskgate help` for the list'), io, json);
  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, io, json);
  }
}
