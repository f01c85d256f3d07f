import { existingTableCommands, keywordToken, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'partition-detach-blocking',
    severity: 'error',
    scope: 'statement',
    docs: {
      summary: 'DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE on the partitioned table.',
      why: `A plain DETACH PARTITION takes ACCESS EXCLUSIVE on the parent table: every query on any partition
waits, and the detach waits for every running query first. Since PostgreSQL 14, DETACH PARTITION
... CONCURRENTLY takes SHARE UPDATE EXCLUSIVE instead (reads and writes go on); it cannot run in a
transaction block.`,
      unsafe: `ALTER TABLE events DETACH PARTITION events_2020;`,
      safe: `ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;`,
      notes: `If a concurrent detach is interrupted, finish it with ALTER TABLE ... DETACH PARTITION ... FINALIZE.
CONCURRENTLY is not allowed when the parent has a default partition.`,
      noSafeForm: `DETACH PARTITION CONCURRENTLY (PostgreSQL 14+) cannot run in a transaction block, nor on a table with
a default partition: in those cases no form detaches without ACCESS EXCLUSIVE on the parent. Before
PostgreSQL 14 there is none.`,
    },
    messages: {
      detach: 'DETACH PARTITION takes ACCESS EXCLUSIVE on {{table}}: queries on every partition wait. Use DETACH PARTITION ... CONCURRENTLY.',
      detachInTransaction:
        'DETACH PARTITION takes ACCESS EXCLUSIVE on {{table}}: queries on every partition wait. Use DETACH PARTITION ... CONCURRENTLY, outside the transaction block.',
      detachBefore14:
        'DETACH PARTITION takes ACCESS EXCLUSIVE on {{table}}, and PostgreSQL {{pgVersion}} has no CONCURRENTLY form (14+): run it in a quiet window with a lock_timeout.',
    },
    fixable: ['unsafe'],
    squawk: ['require-concurrent-partition-detach'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd, table } of existingTableCommands(file)) {
      if (cmd.subtype !== 'AT_DetachPartition' || cmd.node.def?.PartitionCmd?.concurrent) continue;
      const fixable = file.settings.pgVersion >= 14 && !s.inTransaction;
      const partition = keywordToken(cmd.tokens, 'PARTITION');
      const end = cmd.end;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        ...(file.settings.pgVersion >= 14
          ? { messageId: s.inTransaction ? 'detachInTransaction' : 'detach', data: { table } }
          : { messageId: 'detachBefore14', data: { table, pgVersion: file.settings.pgVersion } }),
        fixes:
          fixable && partition
            ? [{ title: 'Add CONCURRENTLY (must run outside a transaction block)', safety: 'unsafe', edits: [{ start: end, end, newText: ' CONCURRENTLY' }] }]
            : [],
      });
    }
    return reports;
  },
};
