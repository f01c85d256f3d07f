/** The test table of renaming-table (server/src/engine/rules/renaming-table.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE TABLE users (id int);\nALTER TABLE users RENAME TO accounts;', 'BEGIN;\nALTER TABLE users RENAME TO accounts;\nCREATE VIEW users AS SELECT * FROM accounts;\nCOMMIT;'],
  invalid: [
    {
      sql: 'ALTER TABLE users RENAME TO accounts;',
      reports: [{ range: [0, 0, 0, 36], messageId: 'renameTable', data: { table: 'users', newName: 'accounts', oldName: 'users' } }],
      output: 'BEGIN;\nALTER TABLE users RENAME TO accounts;\nCREATE VIEW users AS SELECT * FROM accounts;\nCOMMIT;',
    },
    {
      sql: 'BEGIN;\nALTER TABLE app.users RENAME TO accounts;\nCOMMIT;',
      reports: [{ range: [1, 0, 1, 40], messageId: 'renameTable', data: { table: 'app.users', newName: 'accounts', oldName: 'users' } }],
      output: 'BEGIN;\nALTER TABLE app.users RENAME TO accounts;\nCREATE VIEW app.users AS SELECT * FROM app.accounts;\nCOMMIT;',
    },
  ],
};
