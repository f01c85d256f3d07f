/** The test table of statement-after-exclusive-lock (server/src/engine/rules/statement-after-exclusive-lock.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    // A condition that reads the catalog (a DO block's IF NOT EXISTS) takes moments.
    "BEGIN;\nALTER TABLE users DROP CONSTRAINT users_pkey;\nSELECT 1 FROM information_schema.columns WHERE table_name = 'users';\nCOMMIT;",
    'ALTER TABLE users ADD COLUMN plan text;\nCREATE INDEX orders_created_at_idx ON orders (created_at);',
    'BEGIN;\nCREATE INDEX orders_created_at_idx ON orders (created_at);\nALTER TABLE users ADD COLUMN plan text;\nCOMMIT;',
    // The same table, a new table, a table created in the migration: nothing else waits.
    'BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nCREATE INDEX users_plan_idx ON users (plan);\nCREATE TABLE notes (id bigint, user_id bigint REFERENCES users (id));\nCREATE INDEX notes_user_idx ON notes (user_id);\nCOMMIT;',
    // Reported by ddl-with-backfill-in-transaction and multiple-exclusive-locks instead.
    "BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nUPDATE accounts SET plan = 'free';\nALTER TABLE accounts ADD COLUMN tier text;\nCOMMIT;",
    // On the locked table itself, its foreign key's referenced table included; an index of unknown table.
    'BEGIN;\nALTER TABLE "TriggerSource" ADD COLUMN "externalAccountId" text;\nALTER TABLE "TriggerSource" ADD CONSTRAINT fk FOREIGN KEY ("externalAccountId") REFERENCES "ExternalAccount" ("id");\nDROP INDEX "TriggerSource_key";\nCOMMIT;',
    // CONCURRENTLY in a transaction is refused: concurrently-in-transaction reports it.
    'BEGIN;\nALTER TABLE orders ADD COLUMN region text;\nALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;\nCOMMIT;',
  ],
  invalid: [
    {
      sql: 'BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nCREATE INDEX orders_created_at_idx ON orders (created_at);\nCOMMIT;',
      reports: [{ range: [2, 0, 2, 57], messageId: 'underLock', data: { table: 'users', line: 2, others: 'orders (SHARE)' } }],
      output: null,
    },
    {
      sql: 'BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nCREATE TABLE items (id bigint, order_id bigint REFERENCES orders (id));\nSELECT count(*) FROM accounts;\nCOMMIT;',
      reports: [
        { range: [2, 0, 2, 70], messageId: 'underLock', data: { table: 'users', line: 2, others: 'orders (SHARE ROW EXCLUSIVE)' } },
        { range: [3, 0, 3, 29], messageId: 'underLock', data: { table: 'users', line: 2, others: 'accounts (ACCESS SHARE)' } },
      ],
      output: null,
    },
  ],
  // docs.unsafe: the statements that set the scene.
  unsafeContext: ['BEGIN', 'ALTER TABLE users ADD COLUMN plan text', 'COMMIT'],
};
