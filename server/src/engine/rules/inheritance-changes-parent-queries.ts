import { relationName } from '../facts';
import { existingTableCommands, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'inheritance-changes-parent-queries',
    severity: 'warning',
    scope: 'statement',
    messages: {
      inherit:
        '{{table}} INHERIT {{parent}}: from COMMIT on, every query on {{parent}} without ONLY reads the rows of {{table}} too, and UPDATE and DELETE on {{parent}} change and delete them. The statement itself is brief: it checks columns and constraints in the catalog, without reading {{table}}.',
      noInherit:
        '{{table}} NO INHERIT {{parent}} takes ACCESS EXCLUSIVE on {{table}}, and a query on {{parent}} locks each child: until the transaction ends, queries on {{parent}} wait as well as those on {{table}}, and the statement first waits for every running one. Set a lock_timeout (and retry) so that the wait stays short.',
    },
    docs: {
      summary: 'ALTER TABLE ... INHERIT / NO INHERIT on an existing table.',
      why: `INHERIT makes an existing table a child of another: from COMMIT on, SELECT, UPDATE and DELETE on the parent
(without ONLY) include the child's rows, so reports count them twice or more, and a DELETE on the
parent meant for its own rows deletes the child's. The statement checks that the child has the
parent's columns and constraints in the catalog and does not read the child (2,000,000 rows: under a
millisecond, seq_scan unchanged, on Debian's PostgreSQL 15); it takes ACCESS EXCLUSIVE on the child and
SHARE UPDATE EXCLUSIVE on the parent (proven in docs/locks.md).

NO INHERIT takes ACCESS EXCLUSIVE on the child and ACCESS SHARE on the parent. A query on the parent
locks every child it reads, so while NO INHERIT waits for or holds the child's lock, queries on the
parent wait too ("canceling statement due to lock timeout" on SELECT count(*) FROM parent, checked on
Debian's PostgreSQL in test/claims.pg.test.ts); queries on ONLY the parent do not.`,
      unsafe: `ALTER TABLE audit_2025 INHERIT audit_base;

ALTER TABLE audit_2024 NO INHERIT audit_base;`,
      safe: `-- A new child starts empty: nothing appears in audit_base's queries until rows are written to it.
CREATE TABLE audit_2026 (LIKE audit_base INCLUDING ALL);
ALTER TABLE audit_2026 INHERIT audit_base;

-- Bound the wait, and retry:
SET lock_timeout = '2s';
ALTER TABLE audit_2024 NO INHERIT audit_base;`,
      notes: `Declarative partitioning (PARTITION OF, ATTACH / DETACH PARTITION) replaced inheritance for partitioning:
DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+) keeps queries on the parent running (see
partition-detach-blocking). Tables created in the same migration are not reported.`,
    },
    fixable: [],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd, table } of existingTableCommands(file)) {
      const parent = relationName(cmd.node.def?.RangeVar);
      if (cmd.subtype === 'AT_AddInherit') reports.push({ start: cmd.start, end: cmd.end, messageId: 'inherit', data: { table, parent } });
      if (cmd.subtype === 'AT_DropInherit' && s.lockTimeout === undefined) reports.push({ start: cmd.start, end: cmd.end, messageId: 'noInherit', data: { table, parent } });
    }
    return reports;
  },
};
