import { existingTableCommands, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'replica-identity-full',
    severity: 'warning',
    scope: 'statement',
    messages: {
      full: 'REPLICA IDENTITY FULL on {{table}}: logical replication (publications, Debezium, realtime feeds) writes every column of the old row to the WAL for each UPDATE and DELETE, and a subscriber without a matching key scans its copy for each change. Prefer a primary key, or REPLICA IDENTITY USING INDEX.',
    },
    docs: {
      summary: 'ALTER TABLE ... REPLICA IDENTITY FULL on an existing table.',
      why: `The replica identity decides what an UPDATE or DELETE logs to identify the old row for logical
replication. With FULL, every column of the old row is written to the WAL, so WAL volume and
replication lag grow with the row width on a busy table, and a subscriber whose table has no
primary key or suitable index finds each row with a sequential scan (before PostgreSQL 16 always,
since 16 only when no index fits). The ALTER itself takes ACCESS EXCLUSIVE briefly (proven in
docs/locks.md).`,
      unsafe: `ALTER TABLE orders REPLICA IDENTITY FULL;`,
      safe: `-- A unique index on NOT NULL columns (or the primary key) identifies rows with far less WAL:
ALTER TABLE orders REPLICA IDENTITY USING INDEX orders_number_key;`,
      notes: `Some change-data-capture consumers need the old values of every column (Supabase Realtime's old record
on UPDATE, audit feeds): then FULL is the price, and the finding can be ignored with that reason.`,
    },
    fixable: [],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { cmd, table } of existingTableCommands(file)) {
      if (cmd.subtype !== 'AT_ReplicaIdentity' || cmd.node.def?.ReplicaIdentityStmt?.identity_type !== 'f') continue;
      reports.push({ start: cmd.start, end: cmd.end, messageId: 'full', data: { table } });
    }
    return reports;
  },
};
