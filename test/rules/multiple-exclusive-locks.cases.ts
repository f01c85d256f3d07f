/** The test table of multiple-exclusive-locks (server/src/engine/rules/multiple-exclusive-locks.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'ALTER TABLE users ADD COLUMN plan text;\nALTER TABLE accounts ADD COLUMN plan text;',
    'BEGIN;\nALTER TABLE users DROP CONSTRAINT users_org_fk;\nDROP INDEX users_email_idx;\nCOMMIT;',
    'BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nALTER TABLE users ADD COLUMN tier text;\nCOMMIT;',
    'BEGIN;\nCREATE TABLE accounts (id int);\nALTER TABLE users ADD COLUMN plan text;\nALTER TABLE accounts ADD COLUMN plan text;\nCOMMIT;',
    // Instant changes under a lock_timeout: each lock is held for moments, each wait bounded.
    "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE users ADD COLUMN plan text;\nALTER TABLE accounts ADD COLUMN plan text;\nCOMMIT;",
    "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE users ALTER COLUMN id TYPE bigint;\nALTER TABLE accounts ADD COLUMN plan text;\nCOMMIT;",
  ],
  invalid: [
    {
      sql: 'BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nALTER TABLE accounts ADD COLUMN plan text;\nCOMMIT;',
      reports: [{ range: [2, 0, 2, 41], messageId: 'secondExclusiveLock', data: { held: 'users', next: 'accounts' } }],
      output: null,
    },
    {
      // A rewrite of the second table keeps the first blocked for as long, even under a lock_timeout.
      sql: "SET lock_timeout = '2s';\nBEGIN;\nALTER TABLE users ADD COLUMN plan text;\nALTER TABLE accounts ALTER COLUMN id TYPE bigint;\nCOMMIT;",
      reports: [{ range: [3, 0, 3, 48], messageId: 'secondExclusiveLock', data: { held: 'users', next: 'accounts' } }],
      output: null,
    },
    {
      // One finding per transaction, with the later tables listed.
      sql: 'BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nALTER TABLE accounts ADD COLUMN plan text;\nALTER TABLE orgs ADD COLUMN plan text;\nALTER TABLE teams ADD COLUMN plan text;\nCOMMIT;',
      reports: [{ range: [2, 0, 2, 41], messageId: 'moreExclusiveLocks', data: { held: 'users', next: 'accounts', later: 'orgs, teams', lines: '4, 5' } }],
      output: null,
    },
  ],
  // docs.unsafe: the statements that set the scene.
  unsafeContext: ['BEGIN', 'ALTER TABLE users ADD COLUMN plan text', 'COMMIT'],
};
