/** The test table of transaction-nesting (server/src/engine/rules/transaction-nesting.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;', 'BEGIN;\nSAVEPOINT a;\nRELEASE SAVEPOINT a;\nCOMMIT;'],
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
  ],
  // docs.unsafe: the statements that set the scene.
  unsafeContext: ['BEGIN', 'ALTER TABLE users ADD COLUMN plan text', 'ALTER TABLE users ADD COLUMN tier text', 'COMMIT', 'COMMIT'],
};
