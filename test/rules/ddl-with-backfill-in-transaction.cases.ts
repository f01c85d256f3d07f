/** The test table of ddl-with-backfill-in-transaction (server/src/engine/rules/ddl-with-backfill-in-transaction.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    "ALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = 'free' WHERE id < 5000;",
    "BEGIN;\nCREATE TABLE plans (id int);\nINSERT INTO plans SELECT g FROM generate_series(1, 3) g;\nCOMMIT;",
    "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nINSERT INTO audit (note) VALUES ('added plan');\nCOMMIT;",
    "BEGIN;\nCREATE INDEX CONCURRENTLY x ON t (a);\nUPDATE t SET a = 1;\nCOMMIT;",
  ],
  invalid: [
    {
      sql: "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nUPDATE users SET plan = 'free';\nCOMMIT;",
      reports: [{ range: [2, 0, 2, 30], messageId: 'dataChangeUnderLock', data: { locks: 'ACCESS EXCLUSIVE on users' } }],
      output: null,
    },
    {
      sql: 'ALTER TABLE a DROP COLUMN x;\nINSERT INTO b SELECT * FROM c;',
      settings: { assumeInTransaction: true },
      reports: [{ range: [1, 0, 1, 29], messageId: 'dataChangeUnderLock', data: { locks: 'ACCESS EXCLUSIVE on a' } }],
      output: null,
    },
  ],
  // docs.unsafe: the statements that set the scene.
  unsafeContext: ['BEGIN', 'ALTER TABLE users ADD COLUMN plan text', 'COMMIT'],
};
