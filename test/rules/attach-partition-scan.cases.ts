/** The test table of attach-partition-scan (server/src/engine/rules/attach-partition-scan.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    "CREATE TABLE events_2025 (id bigint, at date);\nALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
    "ALTER TABLE events_2025 ADD CONSTRAINT b CHECK (at >= '2025-01-01' AND at < '2026-01-01') NOT VALID;\nALTER TABLE events_2025 VALIDATE CONSTRAINT b;\nALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
  ],
  invalid: [
    {
      sql: "ALTER TABLE events ATTACH PARTITION events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
      reports: [{ range: [0, 19, 0, 96], messageId: 'scansPartition', data: { partition: 'events_2025' } }],
      output: null,
    },
  ],
};
