import { FileFacts, relationKey, StatementFacts } from '../facts';
import { defaultName, ident, replaceStatement } from '../fixes';
import { nodeOf } from '../ast';
import { Fix, headThrough, keywordToken, parsedStatements, partitionedTables, relationText, Report, Rule } from '../rule';

/** Partitions of a table the migration names (PARTITION OF, ATTACH PARTITION), as the SQL writes them. */
function knownPartitions(file: FileFacts, table: string): string[] {
  const out: string[] = [];
  for (const s of parsedStatements(file)) {
    const create = nodeOf(s.statement, 'CreateStmt');
    if (create?.partbound && (create.inhRelations ?? []).some((p) => relationKey(p.RangeVar) === table)) {
      out.push(relationText(s, create.relation?.location) ?? create.relation?.relname ?? '');
    }
    const alter = nodeOf(s.statement, 'AlterTableStmt');
    if (alter && relationKey(alter.relation) === table) {
      for (const c of s.commands) if (c.subtype === 'AT_AttachPartition') out.push(relationText(s, c.node.def?.PartitionCmd?.name?.location) ?? c.node.def?.PartitionCmd?.name?.relname ?? '');
    }
  }
  return [...new Set(out)];
}

/** ON ONLY on the parent, CONCURRENTLY on each partition, ATTACH: nothing waits for a whole build. */
function perPartition(file: FileFacts, s: StatementFacts): Fix {
  const title = 'Create the index ON ONLY the parent, CONCURRENTLY on each partition, then ATTACH each';
  if (s.inTransaction) return { title, safety: 'unsafe', edits: [], disabled: 'the CONCURRENTLY builds must run outside a transaction block' };
  const n = nodeOf(s.statement, 'IndexStmt') ?? {};
  const tokens = s.statement.tokens;
  const on = keywordToken(tokens, 'ON');
  const relationStart = s.statement.at(n.relation?.location ?? 0);
  let r = tokens.findIndex((t) => t.start === relationStart);
  if (!on || r < 0) return { title, safety: 'unsafe', edits: [], disabled: 'the statement could not be taken apart' };
  while (tokens[r + 1]?.text === '.') r += 2;
  const text = (a: number, b: number) => file.parsed.text.slice(a, b);
  const relation = text(relationStart, tokens[r].end);
  const rest = text(tokens[r].end, s.statement.end);
  const columns = (n.indexParams ?? []).map((p) => p.IndexElem?.name).filter((c): c is string => Boolean(c));
  const name = n.idxname ?? defaultName(n.relation?.relname, ...columns, 'idx');
  const unique = n.unique ? 'UNIQUE ' : '';
  const lines = [`CREATE ${unique}INDEX ${ident(name)} ON ONLY ${relation}${rest};`];
  for (const partition of knownPartitions(file, relationKey(n.relation))) {
    const own = ident(defaultName(partition.replace(/"/g, '').split('.').pop()!, ...columns, 'idx'));
    lines.push(`CREATE ${unique}INDEX CONCURRENTLY ${own} ON ${partition}${rest};`, `ALTER INDEX ${ident(name)} ATTACH PARTITION ${own};`);
  }
  lines.push(
    `-- For every other partition of ${relation} (SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = '${relation}'::regclass):`,
    `--   CREATE ${unique}INDEX CONCURRENTLY <partition>_idx ON <partition>${rest};`,
    `--   ALTER INDEX ${ident(name)} ATTACH PARTITION <partition>_idx;`,
    `-- The parent's index becomes valid once every partition's index is attached.`,
  );
  return { title, safety: 'unsafe', edits: [replaceStatement(s, lines.join('\n'))] };
}

export const rule: Rule = {
  meta: {
    id: 'index-on-partitioned-table',
    severity: 'error',
    messages: {
      concurrently:
        'PostgreSQL refuses CREATE INDEX CONCURRENTLY on the partitioned table {{table}} (cannot create index on partitioned table ... concurrently). Create it ON ONLY {{table}}, CONCURRENTLY on each partition, then ALTER INDEX ... ATTACH PARTITION.',
      blocking:
        'CREATE INDEX on the partitioned table {{table}} builds the index on every partition under SHARE locks, in one statement: writes to all of them wait for the whole build. Create it ON ONLY {{table}}, CONCURRENTLY on each partition, then ALTER INDEX ... ATTACH PARTITION.',
    },
    docs: {
      summary: 'CREATE INDEX on an existing partitioned table: CONCURRENTLY is refused, and without it every partition is blocked for writes.',
      why: `CREATE INDEX on a partitioned table recurses into every partition and builds each index while holding
SHARE locks on the parent and the partitions: INSERT, UPDATE and DELETE wait on all of them until the
last partition is done. CONCURRENTLY is not supported on a partitioned table: PostgreSQL refuses the
statement ("cannot create index on partitioned table ... concurrently", checked on PostgreSQL 18).
The way without a long lock: CREATE INDEX ... ON ONLY the parent (an invalid index, instant), CREATE
INDEX CONCURRENTLY on each partition, and ALTER INDEX ... ATTACH PARTITION for each; the parent's
index becomes valid when the last one is attached. Locks proven in docs/locks.md.`,
      unsafe: `CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX events_user_id_idx ON events (user_id);`,
      safe: `CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX events_user_id_idx ON ONLY events (user_id);
CREATE INDEX CONCURRENTLY events_2026_user_id_idx ON events_2026 (user_id);
ALTER INDEX events_user_id_idx ATTACH PARTITION events_2026_user_id_idx;`,
      notes: `Migration Guard knows a table is partitioned when the migration shows it: PARTITION OF it, ATTACH or
DETACH PARTITION on it, or PARTITION BY (a table created in the same migration is empty, and not
reported). Partitioned tables of earlier migrations are not known yet: there, require-concurrent-index
reports the statement, and its CONCURRENTLY fix fails. The fix writes the statements for the partitions
the migration names and a comment for the others.`,
      noSafeForm: `CREATE INDEX on a partitioned table has no CONCURRENTLY form: build the index CONCURRENTLY on each
partition, create the parent's index ON ONLY the parent, then ATTACH each partition's index. When the
partitions are not known to the migrations, or the statement runs in a transaction, that sequence is
written by hand.`,
    },
    fixable: ['unsafe'],
  },
  check(file) {
    const reports: Report[] = [];
    const partitioned = partitionedTables(file);
    for (const s of parsedStatements(file)) {
      const n = nodeOf(s.statement, 'IndexStmt');
      if (!n || !n.relation?.inh || !s.locks[0]?.existing || !partitioned.has(relationKey(n.relation))) continue;
      reports.push({ ...headThrough(s, 'INDEX'), messageId: n.concurrent ? 'concurrently' : 'blocking', data: { table: s.locks[0].relation }, fixes: [perPartition(file, s)] });
    }
    return reports;
  },
};
