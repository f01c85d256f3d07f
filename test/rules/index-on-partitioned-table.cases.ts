/** The test table of index-on-partitioned-table (server/src/engine/rules/index-on-partitioned-table.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');\nCREATE INDEX events_user_id_idx ON ONLY events (user_id);\nCREATE INDEX CONCURRENTLY events_2026_user_id_idx ON events_2026 (user_id);\nALTER INDEX events_user_id_idx ATTACH PARTITION events_2026_user_id_idx;",
    // A partitioned table created by the migration is empty.
    'CREATE TABLE events (id bigint, at date) PARTITION BY RANGE (at);\nCREATE INDEX events_id_idx ON events (id);',
    // Not known to be partitioned: require-concurrent-index's business.
    'CREATE INDEX events_user_id_idx ON events (user_id);',
  ],
  invalid: [
    {
      sql: "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');\nCREATE INDEX events_user_id_idx ON events (user_id);",
      reports: [{ range: [1, 0, 1, 12], messageId: 'blocking', data: { table: 'events' } }],
      output: [
        "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
        'CREATE INDEX events_user_id_idx ON ONLY events (user_id);',
        'CREATE INDEX CONCURRENTLY events_2026_user_id_idx ON events_2026 (user_id);',
        'ALTER INDEX events_user_id_idx ATTACH PARTITION events_2026_user_id_idx;',
        "-- For every other partition of events (SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'events'::regclass):",
        '--   CREATE INDEX CONCURRENTLY <partition>_idx ON <partition> (user_id);',
        '--   ALTER INDEX events_user_id_idx ATTACH PARTITION <partition>_idx;',
        "-- The parent's index becomes valid once every partition's index is attached.",
      ].join('\n'),
    },
    {
      sql: 'ALTER TABLE events DETACH PARTITION events_2019;\nCREATE INDEX CONCURRENTLY ON events USING btree (user_id) WHERE user_id IS NOT NULL;',
      reports: [{ range: [1, 0, 1, 12], messageId: 'concurrently', data: { table: 'events' } }],
      output: [
        'ALTER TABLE events DETACH PARTITION events_2019;',
        'CREATE INDEX events_user_id_idx ON ONLY events USING btree (user_id) WHERE user_id IS NOT NULL;',
        "-- For every other partition of events (SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'events'::regclass):",
        '--   CREATE INDEX CONCURRENTLY <partition>_idx ON <partition> USING btree (user_id) WHERE user_id IS NOT NULL;',
        '--   ALTER INDEX events_user_id_idx ATTACH PARTITION <partition>_idx;',
        "-- The parent's index becomes valid once every partition's index is attached.",
      ].join('\n'),
    },
    {
      sql: 'BEGIN;\nALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM (1) TO (2);\nCREATE UNIQUE INDEX events_key ON events (id, at);\nCOMMIT;',
      reports: [{ range: [2, 0, 2, 19], messageId: 'blocking', data: { table: 'events' } }],
      output: null,
    },
  ],
  // docs.unsafe: the statements that set the scene.
  unsafeContext: ["CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"],
};
