/** The test table of transaction-nesting (server/src/engine/rules/transaction-nesting.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;',
    'BEGIN;\nSAVEPOINT a;\nRELEASE SAVEPOINT a;\nCOMMIT;',
    // A DO block on its own may COMMIT (PostgreSQL 11+), and a procedure CALLed on its own too.
    'DO $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  COMMIT;\nEND $$;',
    'CREATE PROCEDURE backfill() LANGUAGE plpgsql AS $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  COMMIT;\nEND $$;\nCALL backfill();',
  ],
  invalid: [
    { sql: 'BEGIN;\nBEGIN;\nCOMMIT;', reports: [{ range: [1, 0, 1, 5], messageId: 'beginInTransaction' }], output: null },
    {
      sql: 'BEGIN;\nSELECT 1;\nCOMMIT;',
      settings: { assumeInTransaction: true },
      reports: [
        { range: [0, 0, 0, 5], messageId: 'beginInToolTransaction' },
        { range: [2, 0, 2, 6], messageId: 'endsToolTransaction' },
      ],
      output: null,
    },
    {
      sql: '-- migrate:up\nBEGIN;\nSELECT 1;\nCOMMIT;',
      settings: { framework: 'dbmate' },
      reports: [
        { range: [1, 0, 1, 5], messageId: 'beginInNamedToolTransaction', data: { tool: 'dbmate' } },
        { range: [3, 0, 3, 6], messageId: 'endsToolTransaction' },
      ],
      output: null,
    },
    {
      sql: 'BEGIN;\nDO $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  COMMIT;\nEND $$;\nCOMMIT;',
      reports: [{ range: [4, 2, 4, 8], messageId: 'commitInBlockInTransaction', data: { word: 'COMMIT', routine: 'DO block', around: 'it runs after BEGIN' } }],
      output: null,
    },
    {
      sql: "DO $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  COMMIT;\nEND $$;",
      settings: { assumeInTransaction: true },
      reports: [{ range: [3, 2, 3, 8], messageId: 'commitInBlockInTransaction', data: { word: 'COMMIT', routine: 'DO block', around: 'the migration tool runs this file in a transaction' } }],
      output: null,
    },
    {
      sql: 'DO $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  COMMIT;\nEXCEPTION WHEN others THEN NULL;\nEND $$;',
      reports: [{ range: [3, 2, 3, 8], messageId: 'commitInSubtransaction' }],
      output: null,
    },
    {
      sql: 'CREATE FUNCTION backfill() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  UPDATE users SET plan = 1 WHERE id < 10;\n  ROLLBACK;\nEND $$;\nSELECT backfill();',
      reports: [{ range: [3, 2, 3, 10], messageId: 'commitInFunction', data: { word: 'ROLLBACK' } }],
      output: null,
    },
  ],
  // docs.unsafe: the statements that set the scene.
  unsafeContext: ['BEGIN', 'ALTER TABLE users ADD COLUMN plan text', 'ALTER TABLE users ADD COLUMN tier text', 'COMMIT', 'COMMIT'],
};
