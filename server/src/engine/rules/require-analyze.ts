import { nodeOf } from '../ast';
import { relationKey, StatementFacts, FileFacts } from '../facts';
import { transactionEnd } from '../fixes';
import { existingTableCommands, Fix, parsedStatements, Report, Rule } from '../rule';

/** A statement after which the planner has no statistics for what it made, until ANALYZE. */
export interface StaleStatistics {
  s: StatementFacts;
  /** The table as the SQL writes it, and its key (relationKey). */
  table: string;
  key: string;
  /** What lost or lacks statistics, in words. */
  what: string;
  start: number;
  end: number;
}

/** ANALYZE t, ANALYZE (no table: every table), VACUUM (ANALYZE) t: the statements that gather statistics again. */
function analyses(s: StatementFacts): string[] | 'all' | undefined {
  const n = nodeOf(s.statement, 'VacuumStmt');
  if (!n) return undefined;
  const analyze = !n.is_vacuumcmd || (n.options ?? []).some((o) => o.DefElem?.defname === 'analyze');
  if (!analyze) return undefined;
  const rels = (n.rels ?? []).map((r) => relationKey(r.VacuumRelation?.relation));
  return rels.length ? rels : 'all';
}

/**
 * Statements that leave the planner without statistics, and no later ANALYZE of the table in the
 * migration: an index on an expression (the expression's statistics come only from ANALYZE) and a
 * column type change (ALTER TABLE drops the column's pg_statistic rows; proven in
 * test/workload.pg.test.ts). Tables the migration created are left out: nothing queries them yet.
 */
export function staleStatistics(file: FileFacts): StaleStatistics[] {
  const found: StaleStatistics[] = [];
  const statements = parsedStatements(file).filter((s) => s.direction === 'up');
  for (const s of statements) {
    const n = nodeOf(s.statement, 'IndexStmt');
    if (!n || !s.locks[0]?.existing) continue;
    const expressions = (n.indexParams ?? []).filter((p) => p.IndexElem?.expr);
    if (!expressions.length) continue;
    found.push({ s, table: s.locks[0].relation, key: relationKey(n.relation), what: `the expression${expressions.length > 1 ? 's' : ''} of ${n.idxname ?? 'the new index'}`, start: s.statement.start, end: s.statement.end });
  }
  for (const { s, cmd, table } of existingTableCommands(file)) {
    if (s.direction === 'down' || cmd.subtype !== 'AT_AlterColumnType') continue;
    found.push({ s, table, key: relationKey(nodeOf(s.statement, 'AlterTableStmt')?.relation), what: `${table}.${cmd.node.name} (its statistics are dropped with the old type)`, start: cmd.start, end: cmd.end });
  }
  return found
    .filter((f) => !statements.some((a) => a.statement.index > f.s.statement.index && (analyses(a) === 'all' || analyses(a)?.includes(f.key))))
    .sort((a, b) => a.start - b.start);
}

/** `ANALYZE table;` after the last statement that needs it: after its COMMIT when it runs in a BEGIN block of the file. */
function analyzeFix(file: FileFacts, last: StaleStatistics): Fix {
  const s = last.s;
  const after = s.inTransaction && !s.toolTransaction ? (transactionEnd(file, s) ?? s) : s;
  const at = after.statement.terminatorEnd ?? after.statement.end;
  return { title: `Add ANALYZE ${last.table} after it`, safety: 'safe', edits: [{ start: at, end: at, newText: `${after.statement.terminatorEnd ? '' : ';'}\nANALYZE ${last.table};` }] };
}

export const rule: Rule = {
  meta: {
    id: 'require-analyze',
    severity: 'info',
    docs: {
      summary: 'An index on an expression, or a column type change, with no ANALYZE of the table after it.',
      why: `The planner estimates rows from pg_statistic. A new index on an expression has no statistics
for the expression until the table is analysed, and ALTER COLUMN ... TYPE drops the column's
statistics. Until autovacuum analyses the table (after enough rows change: on a table that changes
slowly, that can be days), queries on the column or the expression are planned from default
guesses: a sequential scan where an index would do, or a bad join order.

ANALYZE reads a sample of the table (300 × default_statistics_target rows) under SHARE UPDATE
EXCLUSIVE, which blocks neither reads nor writes.`,
      unsafe: `CREATE INDEX CONCURRENTLY users_lower_email_idx ON users (lower(email));

ALTER TABLE orders ALTER COLUMN total TYPE numeric(12, 2);`,
      safe: `CREATE INDEX CONCURRENTLY users_lower_email_idx ON users (lower(email));
ANALYZE users;
-- An index on plain columns uses the columns' statistics: nothing to gather.
CREATE INDEX CONCURRENTLY users_email_idx ON users (email);`,
    },
    messages: {
      staleStatistics: "The planner has no statistics for {{what}} until {{table}} is analysed: queries on it are planned from guesses. Run ANALYZE {{table}} after the migration's change.",
    },
    fixable: ['safe'],
  },
  check(file) {
    const stale = staleStatistics(file);
    const reports: Report[] = [];
    for (const f of stale) {
      const last = stale.filter((x) => x.key === f.key).pop()!;
      reports.push({
        start: f.start,
        end: f.end,
        messageId: 'staleStatistics',
        data: { what: f.what, table: f.table },
        fixes: [analyzeFix(file, last)],
      });
    }
    return reports;
  },
};
