/**
 * The production checklist: what a team checks before running `migrate` in production, for one
 * migration. Items the migration's own facts settle are checked here; items only a person can
 * settle are "needs you" until answered; items only a database can tell are "not checked" until
 * the adapter brings `DatabaseEvidence` (read-only probes, server/src/database.ts) or a trace.
 *
 * Pure, like the rest of the engine: the adapters (CLI, language server) gather the answers,
 * the evidence and the trace, and print or render the result.
 */
import { Analysis } from './analyze';
import { nodeOf } from './ast';
import { REPOSITORY_URL } from './docs';
import { statementHead } from './describe';
import { StatementFacts } from './facts';
import { ConnectionEvidence, impactItems, IndexEvidence, isUnavailable, PreparedEvidence, Probed, ReplicationEvidence, SequenceEvidence, VacuumEvidence, WorkloadEvidence } from './impact';
import { bytes, heavyTables, lockedRelations, REWRITE_BYTES_PER_SECOND, SCAN_BYTES_PER_SECOND, seconds } from './estimate';
import { conflicts, LockMode, lockName } from './locks';
import { inBody } from './plpgsql';
import { existingTableCommands, parsedStatements } from './rule';
import { rulesForChecklist } from './rules';

export { heavyTables, lockedRelations, probedRelations, REWRITE_BYTES_PER_SECOND, SCAN_BYTES_PER_SECOND } from './estimate';
export { probeRequest } from './impact';

export type ItemState = 'passed' | 'failed' | 'needs-you' | 'not-checked';

export interface ChecklistItem {
  id: string;
  title: string;
  state: ItemState;
  /** What the state rests on, one fact per line. */
  evidence: string[];
  /** How to make the item pass: a link to docs/checklist.md, and a query or command where one helps. */
  fix: string;
  /** Settled by a person (a tick, a planned time), not by Migration Guard. */
  manual: boolean;
}

export interface ChecklistAnswers {
  stagingTested?: boolean;
  backupsVerified?: boolean;
  /** The planned window, as the user writes it ("2026-12-01 03:00 UTC"). */
  offPeakWindow?: string;
  monitoringOpen?: boolean;
}

/** What read-only probes of the configured database found (server/src/database.ts). */
export interface DatabaseEvidence {
  /** `host:port/database as user`, and the server's version. */
  target: string;
  version: string;
  archiveMode?: string;
  archiver?: { archivedCount: number; lastArchivedTime?: string; failedCount: number; lastFailedTime?: string };
  /** pg_stat_activity, client backends by state. */
  activity: { state: string; count: number }[];
  /**
   * Every table the migration locks, rewrites or scans (and the tables of the indexes it drops), as
   * the server knows it: where it lives, and age(relfrozenxid).
   */
  tables: { relation: string; exists: boolean; rows?: number; bytes?: number; schema?: string; name?: string; xidAge?: number }[];
  /** Locks other sessions hold (or wait for) on those tables, with how long their query has run. */
  locks: { pid: number; relation: string; mode: LockMode; granted: boolean; state: string; xactSeconds?: number; querySeconds?: number; backendType?: string; query: string }[];
  /** Transactions open for more than a minute (by default), on any table. */
  longTransactions: { pid: number; state: string; xactSeconds: number; query: string }[];
  // The probes below are read by impact.ts; each is absent when not probed, or says why it has no answer.
  /** pg_stat_statements: the statements that name those tables. */
  workload?: Probed<WorkloadEvidence>;
  /** Every index of those tables. */
  indexes?: Probed<IndexEvidence[]>;
  /** pg_stat_database.stats_reset, where idx_scan counts from (undefined: never reset). */
  statsReset?: string;
  /** Vacuums running on (or waiting for) those tables. */
  vacuums?: Probed<VacuumEvidence[]>;
  freezeMaxAge?: number;
  prepared?: Probed<PreparedEvidence[]>;
  replication?: Probed<ReplicationEvidence>;
  /** pg_database_size of the current database. */
  databaseBytes?: number;
  connection?: ConnectionEvidence;
  /**
   * lock_timeout / statement_timeout the connected role has on this database (pg_db_role_setting:
   * ALTER ROLE ... SET, ALTER DATABASE ... SET), in force when each session starts.
   */
  roleTimeouts?: Probed<{ role: string; lock_timeout?: string; statement_timeout?: string }>;
  /** The sequences among the probed relations (pg_sequences). */
  sequences?: Probed<SequenceEvidence[]>;
}

/** What a lock trace of the migration found (server/src/trace.ts). */
export interface TraceSummary {
  /** 'PGlite (PostgreSQL 18.6)', or the database's target. */
  target: string;
  statements: number;
  errors: number;
  /** Statements whose observed locks or rewrites differ from the predicted ones. */
  differences: number;
  /** Statements that ran and whose observed locks and rewrites are the predicted ones. */
  verified: number;
  /** Statements not verified: they failed, or were not run (transaction control, CONCURRENTLY...). */
  notVerified: number;
  durationMs: number;
}

/** "3 verified, 1 differing from the prediction, 2 not verified (1 failed, 1 not run)": the words every trace summary uses. */
export function traceCounts(t: TraceSummary): string {
  const notRun = t.notVerified - t.errors;
  return `${t.verified} verified, ${t.differences} differing from the prediction, ${t.notVerified} not verified (${t.errors} failed, ${notRun} not run)`;
}

export interface ChecklistInput {
  answers?: ChecklistAnswers;
  database?: DatabaseEvidence;
  trace?: TraceSummary;
}

export interface Checklist {
  file: string;
  items: ChecklistItem[];
  counts: Record<ItemState, number>;
}

/** Above this, a statement that holds a lock while it rewrites or scans needs a person's look. */
const LONG_SECONDS = 10;

const doc = (anchor: string) => `${REPOSITORY_URL}/blob/main/docs/checklist.md#${anchor}`;

/** The queries the "monitoring" item offers: who waits on whom while the migration runs. */
export const MONITORING_QUERY = `SELECT a.pid, a.state, now() - a.xact_start AS xact_age, l.mode, l.granted,
       l.relation::regclass AS relation, pg_blocking_pids(a.pid) AS blocked_by, left(a.query, 120) AS query
FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
WHERE l.locktype = 'relation' AND a.pid <> pg_backend_pid()
ORDER BY a.xact_start;`;

const where = (analysis: Analysis, s: StatementFacts) => `line ${analysis.lines.position(s.statement.start).line + 1}`;


/** The statements that destroy or rename what running code uses: they need a roll-forward plan. */
function destructive(analysis: Analysis): { s: StatementFacts; what: string }[] {
  const out: { s: StatementFacts; what: string }[] = [];
  for (const s of parsedStatements(analysis.facts)) {
    if (s.direction === 'down') continue;
    const existing = s.locks.filter((l) => l.existing).map((l) => l.relation);
    if (!existing.length) continue;
    const rename = nodeOf(s.statement, 'RenameStmt')?.renameType;
    if (nodeOf(s.statement, 'DropStmt')?.removeType === 'OBJECT_TABLE') out.push({ s, what: `DROP TABLE ${existing.join(', ')}` });
    else if (s.kind === 'TruncateStmt') out.push({ s, what: `TRUNCATE ${existing.join(', ')}` });
    else if (rename === 'OBJECT_TABLE' || rename === 'OBJECT_COLUMN') out.push({ s, what: `RENAME on ${existing[0]}` });
  }
  for (const { s, cmd, table } of existingTableCommands(analysis.facts)) {
    if (s.direction === 'down') continue;
    if (cmd.subtype === 'AT_DropColumn') out.push({ s, what: `DROP COLUMN ${table}.${cmd.node.name}` });
    if (cmd.subtype === 'AT_AlterColumnType') out.push({ s, what: `ALTER COLUMN ${table}.${cmd.node.name} TYPE` });
  }
  return out.sort((a, b) => a.s.statement.start - b.s.statement.start);
}

const ROLL_FORWARD = /roll[ -]?forward/i;

function hasRollForwardNote(s: StatementFacts): boolean {
  return [...s.statement.leadingComments, ...s.statement.ownComments].some((c) => ROLL_FORWARD.test(c.text));
}

export function buildChecklist(file: string, analysis: Analysis, input: ChecklistInput = {}): Checklist {
  const answers = input.answers ?? {};
  const db = input.database;
  const items: ChecklistItem[] = [];
  const statements = parsedStatements(analysis.facts).filter((s) => s.direction === 'up');

  // 1. Staging mirror.
  {
    const evidence: string[] = [];
    const trace = input.trace;
    if (trace) {
      evidence.push(`Lock trace on ${trace.target}: ${traceCounts(trace)} (${trace.durationMs.toFixed(0)} ms).`);
    }
    if (answers.stagingTested) evidence.push('Ticked: run on a staging mirror of production.');
    const state: ItemState = trace && trace.errors > 0 ? 'failed' : answers.stagingTested ? 'passed' : 'needs-you';
    if (state === 'needs-you') evidence.push('Run the migration on a copy of production (same data size, same version) and tick this.');
    items.push({ id: 'staging-mirror', title: 'Tested on a staging mirror', state, evidence, fix: doc('staging-mirror'), manual: true });
  }

  // 2. Timeouts before the first lock-taking statement.
  {
    const first = statements.find((s) => s.locks.some((l) => l.existing) || s.implicitLocks.length > 0);
    const evidence: string[] = [];
    let state: ItemState;
    if (!first) {
      state = 'passed';
      evidence.push('No statement locks an existing table.');
    } else {
      // Set outside the file, for the role the checklist connected as: pg_db_role_setting.
      const role = input.database?.roleTimeouts;
      const byRole = role && !isUnavailable(role) ? role : undefined;
      const lock = first.lockTimeout ?? byRole?.lock_timeout;
      const statement = first.statementTimeout ?? byRole?.statement_timeout;
      const missing = [!lock && 'lock_timeout', !statement && 'statement_timeout'].filter(Boolean);
      state = missing.length ? 'failed' : 'passed';
      evidence.push(
        missing.length
          ? `${missing.join(' and ')} not set before the first lock-taking statement (${where(analysis, first)}: ${statementHead(first)}).`
          : `lock_timeout = ${lock} and statement_timeout = ${statement} in force at the first lock-taking statement (${where(analysis, first)}).`,
      );
      const fromRole = [!first.lockTimeout && byRole?.lock_timeout && `lock_timeout = ${byRole.lock_timeout}`, !first.statementTimeout && byRole?.statement_timeout && `statement_timeout = ${byRole.statement_timeout}`].filter(Boolean);
      if (fromRole.length) evidence.push(`${fromRole.join(' and ')} set for the role ${byRole!.role} on this database (pg_db_role_setting), not in the file: true only if the migration runs as that role.`);
      if (role && isUnavailable(role)) evidence.push(`Role settings not read: ${role.unavailable}.`);
    }
    items.push({ id: 'timeouts', title: 'lock_timeout and statement_timeout set', state, evidence, fix: `${doc('timeouts')} (quick fix: require-timeouts)`, manual: false });
  }

  // 3. Backups and point-in-time recovery.
  {
    const evidence: string[] = [];
    let serverSaysNo = false;
    if (db) {
      if (db.archiveMode !== undefined) {
        evidence.push(`archive_mode = ${db.archiveMode} on ${db.target}.`);
        if (db.archiveMode === 'off') {
          serverSaysNo = true;
          evidence.push('No WAL archiving: point-in-time recovery is not possible from this server (a managed service may archive outside PostgreSQL: check its console).');
        }
      }
      if (db.archiver) {
        const a = db.archiver;
        evidence.push(`pg_stat_archiver: ${a.archivedCount} WAL files archived, last at ${a.lastArchivedTime ?? 'never'}; ${a.failedCount} failures${a.lastFailedTime ? `, last at ${a.lastFailedTime}` : ''}.`);
        if (a.lastFailedTime && (!a.lastArchivedTime || a.lastFailedTime > a.lastArchivedTime)) {
          serverSaysNo = true;
          evidence.push('The last archiving attempt failed.');
        }
      }
    }
    if (answers.backupsVerified) evidence.push('Ticked: a restore of the latest backup was tested, and PITR covers the migration window.');
    const state: ItemState = serverSaysNo ? 'failed' : answers.backupsVerified ? 'passed' : 'needs-you';
    if (state === 'needs-you') evidence.push('Restore the latest backup somewhere, confirm point-in-time recovery covers the migration window, and tick this.');
    items.push({ id: 'backups', title: 'Backups and point-in-time recovery verified', state, evidence, fix: doc('backups'), manual: true });
  }

  // 4. Off-peak window.
  {
    const evidence: string[] = [];
    if (answers.offPeakWindow) evidence.push(`Planned window: ${answers.offPeakWindow}.`);
    if (db) {
      const total = db.activity.reduce((n, a) => n + a.count, 0);
      evidence.push(`Now on ${db.target}: ${total} client connections (${db.activity.map((a) => `${a.count} ${a.state}`).join(', ') || 'none'}).`);
    }
    items.push({ id: 'off-peak', title: 'Off-peak window planned', state: answers.offPeakWindow ? 'passed' : 'needs-you', evidence, fix: doc('off-peak'), manual: true });
  }

  // 5. Monitoring.
  items.push({
    id: 'monitoring',
    title: 'Monitoring open while it runs',
    state: answers.monitoringOpen ? 'passed' : 'needs-you',
    evidence: answers.monitoringOpen ? ['Ticked: lock waits and errors are watched during the run.'] : ['Watch lock queues while it runs:', MONITORING_QUERY],
    fix: doc('monitoring'),
    manual: true,
  });

  // 6. Findings left.
  {
    const serious = analysis.findings.filter((f) => f.severity === 'error' || f.severity === 'warning');
    const unexplained = analysis.ignored.filter((i) => !i.reason && (i.severity === 'error' || i.severity === 'warning'));
    const at = (r: { range: { start: { line: number } } }) => `line ${r.range.start.line + 1}`;
    const evidence = [
      ...serious.map((f) => `${at(f)}: ${f.severity} ${f.rule}`),
      ...unexplained.map((i) => `${at(i)}: ${i.rule} ignored without a reason (write it after \`--\` in the ignore comment)`),
      ...analysis.ignored.filter((i) => i.reason).map((i) => `${at(i)}: ${i.rule} ignored: ${i.reason}`),
    ];
    if (!serious.length && !analysis.ignored.length) evidence.push('No error or warning findings.');
    items.push({ id: 'findings', title: 'No error or warning left (or each ignored with a reason)', state: serious.length || unexplained.length ? 'failed' : 'passed', evidence, fix: doc('findings'), manual: false });
  }

  // 7. Roll forward, not back.
  {
    const changes = destructive(analysis);
    const missing = changes.filter((c) => !hasRollForwardNote(c.s));
    const evidence = changes.map((c) => `${where(analysis, c.s)}: ${c.what}: ${hasRollForwardNote(c.s) ? 'roll-forward note present' : 'no roll-forward note'}`);
    if (!changes.length) evidence.push('No destructive change (drop, rename, type change, truncate).');
    items.push({ id: 'roll-forward', title: 'Each destructive change has a roll-forward note', state: missing.length ? 'failed' : 'passed', evidence, fix: doc('roll-forward'), manual: false });
  }

  // 8. Backfills batched.
  {
    const rules = rulesForChecklist('backfills').map((r) => r.meta.id);
    const unbatched = analysis.findings.filter((f) => rules.includes(f.rule));
    const evidence = unbatched.map((f) => `line ${f.range.start.line + 1}: ${f.message}`);
    // A loop in a DO block that changes rows and COMMITs each time round: a batched backfill.
    for (const s of parsedStatements(analysis.facts)) {
      const writes = s.locks.some((l) => l.mode === 'RowExclusiveLock' && l.existing) && s.kind !== 'InsertStmt';
      if (!writes || !inBody(s.statement) || !s.statement.body.committingLoop || s.block?.inTransactionBlock) continue;
      evidence.push(`line ${analysis.lines.position(s.statement.start).line + 1}: batched: ${statementHead(s)} in a loop of the ${s.statement.body.routine} that COMMITs each batch`);
    }
    if (!unbatched.length && evidence.length === 0) evidence.push('No UPDATE or DELETE over a whole existing table.');
    items.push({ id: 'backfills', title: 'Backfills batched', state: unbatched.length ? 'failed' : 'passed', evidence, fix: `${doc('backfills')} (quick fix: ${rules.join(', ')})`, manual: false });
  }

  // 9. CONCURRENTLY outside transactions.
  {
    const inside = statements.filter((s) => s.concurrently && s.inTransaction);
    const all = statements.filter((s) => s.concurrently);
    const evidence = inside.map((s) => `${where(analysis, s)}: ${statementHead(s)} runs inside ${s.toolTransaction ? `${analysis.facts.context.framework}'s` : 'a'} transaction: PostgreSQL refuses it.`);
    if (!inside.length) evidence.push(all.length ? `${all.length} CONCURRENTLY statements, each outside a transaction.` : 'No CONCURRENTLY statement.');
    items.push({ id: 'concurrently', title: 'CONCURRENTLY statements outside transactions', state: inside.length ? 'failed' : 'passed', evidence, fix: `${doc('concurrently')} (quick fix: ${rulesForChecklist('concurrently').map((r) => r.meta.id).join(', ')})`, manual: false });
  }

  // 10. Table sizes and duration (with a connection).
  {
    const heavy = heavyTables(analysis);
    const evidence: string[] = [];
    let state: ItemState = 'not-checked';
    if (!heavy.size) {
      state = 'passed';
      evidence.push('No existing table is rewritten or read in full.');
    } else if (!db) {
      evidence.push(`Rewritten or read in full: ${[...heavy.keys()].join(', ')}. Connect a database to see their size and an estimated duration.`);
    } else {
      state = 'passed';
      for (const [relation, h] of heavy) {
        const t = db.tables.find((x) => x.relation === relation);
        if (!t?.exists) {
          evidence.push(`${relation}: not on ${db.target}.`);
          continue;
        }
        const rate = h.rewrite ? REWRITE_BYTES_PER_SECOND : SCAN_BYTES_PER_SECOND;
        const estimate = (t.bytes ?? 0) / rate;
        if (estimate > LONG_SECONDS) state = 'needs-you';
        evidence.push(
          `${relation}: ~${Math.max(0, Math.round(t.rows ?? 0)).toLocaleString('en-US')} rows, ${bytes(t.bytes ?? 0)}; ${h.rewrite ? 'rewritten' : 'read in full'} under ${lockName(h.lock)}: ${seconds(estimate)} at an assumed ${bytes(rate)}/s.`,
        );
      }
      if (state === 'needs-you') evidence.push(`A lock held for more than ${LONG_SECONDS} s while a table is rewritten or scanned: use the safe pattern, or plan the outage.`);
    }
    items.push({ id: 'table-sizes', title: 'Size of the tables rewritten or scanned', state, evidence, fix: doc('table-sizes'), manual: false });
  }

  // 11. What the migration would queue behind (with a connection).
  {
    const wanted = lockedRelations(analysis);
    const evidence: string[] = [];
    let state: ItemState = 'not-checked';
    if (!db) {
      evidence.push(wanted.size ? `Locks wanted on: ${[...wanted.keys()].join(', ')}. Connect a database to see who holds locks on them now.` : 'No lock on an existing table.');
      if (!wanted.size) state = 'passed';
    } else {
      const blocking = db.locks.filter((l) => wanted.has(l.relation) && conflicts(wanted.get(l.relation)!, l.mode));
      for (const l of blocking) {
        evidence.push(`pid ${l.pid} (${l.state}${l.xactSeconds !== undefined ? `, transaction open ${seconds(l.xactSeconds)}` : ''}) ${l.granted ? 'holds' : 'waits for'} ${lockName(l.mode)} on ${l.relation}, which conflicts with the migration's ${lockName(wanted.get(l.relation)!)}: ${l.query}`);
      }
      for (const t of db.longTransactions) {
        if (blocking.some((b) => b.pid === t.pid)) continue;
        evidence.push(`pid ${t.pid} has a transaction open for ${seconds(t.xactSeconds)} (${t.state}): ${t.query}`);
      }
      state = blocking.length ? 'failed' : db.longTransactions.length ? 'needs-you' : 'passed';
      if (state === 'passed') evidence.push(`No other session holds a conflicting lock on ${[...wanted.keys()].join(', ') || 'the tables'}, and no transaction is open for more than a minute.`);
    }
    items.push({ id: 'blockers', title: 'Nothing the migration would queue behind', state, evidence, fix: doc('blockers'), manual: false });
  }

  // 12-20. What the database's workload, indexes and state say about the migration.
  items.push(...impactItems(analysis, db));

  const counts: Record<ItemState, number> = { passed: 0, failed: 0, 'needs-you': 0, 'not-checked': 0 };
  for (const i of items) counts[i.state]++;
  return { file, items, counts };
}

const MARK: Record<ItemState, string> = { passed: '✅ passed', failed: '❌ failed', 'needs-you': '✋ needs you', 'not-checked': '➖ not checked' };

/** The report a reviewer reads in the pull request. `when`: an ISO time, passed in to keep this pure. */
export function checklistMarkdown(c: Checklist, when: string, input: ChecklistInput = {}): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out = [
    `# Production checklist: \`${c.file}\``,
    '',
    `Written by Migration Guard on ${when}${input.database ? `, with evidence from ${input.database.target} (${input.database.version})` : ', without a database connection'}.`,
    '',
    `**${c.counts.passed} passed, ${c.counts.failed} failed, ${c.counts['needs-you']} need you, ${c.counts['not-checked']} not checked.**`,
    '',
    '| # | Item | State | Evidence |',
    '|---|------|-------|----------|',
    ...c.items.map((item, i) => `| ${i + 1} | ${cell(item.title)}${item.manual ? ' (manual)' : ''} | ${MARK[item.state]} | ${cell(item.evidence.filter((e) => !e.includes('\n')).join('<br>'))} |`),
    '',
    '## Details',
    '',
  ];
  for (const item of c.items) {
    out.push(`### ${item.title}: ${MARK[item.state]}`, '');
    for (const e of item.evidence) out.push(e.includes('\n') ? `\n\`\`\`sql\n${e}\n\`\`\`\n` : `- ${e}`);
    out.push('', `How: ${item.fix}`, '');
  }
  return out.join('\n');
}
