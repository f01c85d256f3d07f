/** The test table of unbatched-data-change (server/src/engine/rules/unbatched-data-change.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    "UPDATE users SET plan = 'free' WHERE id <= 5000;",
    'CREATE TABLE t (a int);\nUPDATE t SET a = 1;',
    // Batched in a DO block: LIMIT per batch, one COMMIT each.
    "DO $$\nDECLARE n int;\nBEGIN\n  LOOP\n    UPDATE users SET plan = 'free' WHERE id IN (SELECT id FROM users WHERE plan IS NULL LIMIT 1000);\n    GET DIAGNOSTICS n = ROW_COUNT;\n    EXIT WHEN n = 0;\n    COMMIT;\n  END LOOP;\nEND $$;",
  ],
  invalid: [
    // RETURNING cannot be kept across batches: no batched form is offered (the parser calls it returningClause since PostgreSQL 18).
    {
      sql: 'DELETE FROM sessions RETURNING id;',
      reports: [{ range: [0, 0, 0, 33], messageId: 'wholeTable', data: { statement: 'DELETE', table: 'sessions', batchSize: '5,000' } }],
      output: null,
    },
    {
      sql: "UPDATE users SET plan = 'free';",
      reports: [{ range: [0, 0, 0, 30], messageId: 'wholeTable', data: { statement: 'UPDATE', table: 'users', batchSize: '5,000' } }],
      output: [
        "-- Batched: 5000 rows per transaction, by id (assumed to be the key: change it if the table's key differs).",
        '-- Run outside a transaction block (COMMIT inside DO, PostgreSQL 11+); stopping and re-running is safe',
        '-- when each batch skips rows already done.',
        'DO $batch$',
        'DECLARE',
        '  low bigint;',
        '  high bigint;',
        'BEGIN',
        '  SELECT min(id), max(id) INTO low, high FROM users;',
        '  WHILE low <= high LOOP',
        "    UPDATE users SET plan = 'free' WHERE users.id >= low AND users.id < low + 5000;",
        '    COMMIT;',
        '    low := low + 5000;',
        '  END LOOP;',
        'END',
        '$batch$;',
      ].join('\n'),
    },
    {
      sql: 'ALTER TABLE sessions ADD COLUMN x int;\nDELETE FROM sessions s USING users u;',
      settings: { batchSize: 1000 },
      reports: [{ range: [1, 0, 1, 36], messageId: 'wholeTable', data: { statement: 'DELETE', table: 'sessions', batchSize: '1,000' } }],
      output: [
        'ALTER TABLE sessions ADD COLUMN x int;',
        "-- Batched: 1000 rows per transaction, by id (assumed to be the key: change it if the table's key differs).",
        '-- Run outside a transaction block (COMMIT inside DO, PostgreSQL 11+); stopping and re-running is safe',
        '-- when each batch skips rows already done.',
        'DO $batch$',
        'DECLARE',
        '  low bigint;',
        '  high bigint;',
        'BEGIN',
        '  SELECT min(id), max(id) INTO low, high FROM sessions;',
        '  WHILE low <= high LOOP',
        '    DELETE FROM sessions s USING users u WHERE s.id >= low AND s.id < low + 1000;',
        '    COMMIT;',
        '    low := low + 1000;',
        '  END LOOP;',
        'END',
        '$batch$;',
      ].join('\n'),
    },
    { sql: 'BEGIN;\nDELETE FROM sessions;\nCOMMIT;', reports: [{ range: [1, 0, 1, 20], messageId: 'wholeTable' }], output: null },
    {
      sql: "DO $$\nBEGIN\n  UPDATE users SET plan = 'free';\nEND $$;",
      reports: [{ range: [2, 2, 2, 32], messageId: 'wholeTable' }],
      output: null,
    },
  ],
};
