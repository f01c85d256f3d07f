/** The test table of multiple-exclusive-locks (server/src/engine/rules/multiple-exclusive-locks.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'ALTER TABLE users ADD COLUMN plan text;\nALTER TABLE accounts ADD COLUMN plan text;',
    'BEGIN;\nALTER TABLE users DROP CONSTRAINT users_org_fk;\nDROP INDEX users_email_idx;\nCOMMIT;',
    'BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nALTER TABLE users ADD COLUMN tier text;\nCOMMIT;',
    'BEGIN;\nCREATE TABLE accounts (id int);\nALTER TABLE users ADD COLUMN plan text;\nALTER TABLE accounts ADD COLUMN plan text;\nCOMMIT;',
  ],
  invalid: [
    {
      sql: 'BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nALTER TABLE accounts ADD COLUMN plan text;\nCOMMIT;',
      reports: [{ range: [2, 0, 2, 41], messageId: 'secondExclusiveLock', data: { held: 'users', next: 'accounts' } }],
      output: null,
    },
  ],
  // docs.unsafe: the statements that set the scene.
  unsafeContext: ['BEGIN', 'ALTER TABLE users ADD COLUMN plan text', 'COMMIT'],
};
