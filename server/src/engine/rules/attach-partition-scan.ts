import { relationKey } from '../facts';
import { existingTableCommands, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'attach-partition-scan',
    severity: 'warning',
    scope: 'statement',
    docs: {
      summary: 'ATTACH PARTITION scans the new partition under ACCESS EXCLUSIVE unless a CHECK constraint already proves its bounds.',
      why: `ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on the parent (since PostgreSQL 12) but ACCESS EXCLUSIVE
on the table being attached, and reads all of it to check that every row fits the partition bounds.
A valid CHECK constraint that matches the bounds lets PostgreSQL skip the scan: add it NOT VALID,
VALIDATE it (reads and writes go on), attach, then drop it.`,
      unsafe: `ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');`,
      safe: `ALTER TABLE events_2025 ADD CONSTRAINT events_2025_bounds
  CHECK (at IS NOT NULL AND at >= '2025-01-01' AND at < '2026-01-01') NOT VALID;
ALTER TABLE events_2025 VALIDATE CONSTRAINT events_2025_bounds;
ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
ALTER TABLE events_2025 DROP CONSTRAINT events_2025_bounds;`,
      notes: `A partition created in the same migration is empty: not reported. A default partition is scanned
too (for rows that now belong to the new partition); give it a CHECK that excludes the new range.`,
    },
    messages: {
      scansPartition:
        'ATTACH PARTITION reads all of {{partition}} under ACCESS EXCLUSIVE to check its bounds. Add a CHECK matching the bounds NOT VALID and VALIDATE it first: PostgreSQL then skips the scan.',
    },
    fixable: [],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd } of existingTableCommands(file)) {
      if (cmd.subtype !== 'AT_AttachPartition') continue;
      const partition = cmd.node.def?.PartitionCmd?.name;
      const lock = s.locks.find((l) => l.role === 'partition');
      if (!lock?.existing) continue;
      // A CHECK validated earlier in the migration is taken to be the bounds check.
      if (s.catalog.get(relationKey(partition))?.checks.some((c) => c.kind === 'check' && c.validated)) continue;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        messageId: 'scansPartition',
        data: { partition: lock.relation },
      });
    }
    return reports;
  },
};
