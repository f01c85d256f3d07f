import { existingTableCommands, keywordToken, Report, Rule } from '../rule';

export const rule: Rule = {
  id: 'partition-detach-blocking',
  severity: 'error',
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
        message:
          file.settings.pgVersion >= 14
            ? `DETACH PARTITION takes ACCESS EXCLUSIVE on ${table}: queries on every partition wait. Use DETACH PARTITION ... CONCURRENTLY${s.inTransaction ? ', outside the transaction block' : ''}.`
            : `DETACH PARTITION takes ACCESS EXCLUSIVE on ${table}, and PostgreSQL ${file.settings.pgVersion} has no CONCURRENTLY form (14+): run it in a quiet window with a lock_timeout.`,
        fixes:
          fixable && partition
            ? [{ title: 'Add CONCURRENTLY (must run outside a transaction block)', safety: 'unsafe', edits: [{ start: end, end, newText: ' CONCURRENTLY' }] }]
            : [],
      });
    }
    return reports;
  },
  tests: {
    valid: ['ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;', 'ALTER TABLE events DETACH PARTITION events_2020 FINALIZE;'],
    invalid: [
      {
        sql: 'ALTER TABLE events DETACH PARTITION events_2020;',
        reports: [{ range: [0, 19, 0, 47], message: 'ACCESS EXCLUSIVE on events' }],
        output: 'ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;',
      },
      {
        sql: 'ALTER TABLE events DETACH PARTITION events_2020;',
        settings: { pgVersion: 13 },
        reports: [{ range: [0, 19, 0, 47], message: 'no CONCURRENTLY form' }],
        output: null,
      },
    ],
  },
};
