/** The test table of merge-alter-table (server/src/engine/rules/merge-alter-table.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    // Autocommit: merging would change what commits together.
    'ALTER TABLE users ALTER COLUMN id TYPE bigint;\nALTER TABLE users ALTER COLUMN account_id TYPE bigint;',
    'BEGIN;\nALTER TABLE users ALTER COLUMN id TYPE bigint;\nALTER TABLE accounts ALTER COLUMN id TYPE bigint;\nCOMMIT;',
    'BEGIN;\nALTER TABLE users ALTER COLUMN id TYPE bigint;\nUPDATE users SET plan = 1 WHERE id = 1;\nALTER TABLE users ALTER COLUMN account_id TYPE bigint;\nCOMMIT;',
    'BEGIN;\nCREATE TABLE users (id int, account_id int);\nALTER TABLE users ALTER COLUMN id TYPE bigint;\nALTER TABLE users ALTER COLUMN account_id TYPE bigint;\nCOMMIT;',
    // Catalog-only changes (corpus: Prisma drops foreign keys one statement each): quick either way.
    'BEGIN;\nALTER TABLE "TaskRun" DROP CONSTRAINT IF EXISTS "TaskRun_projectId_fkey";\nALTER TABLE "TaskRun" DROP CONSTRAINT IF EXISTS "TaskRun_batchId_fkey";\nCOMMIT;',
    'BEGIN;\nALTER TABLE users ADD COLUMN plan text;\nALTER TABLE users ADD COLUMN tier text;\nCOMMIT;',
    "BEGIN;\nALTER TABLE events DETACH PARTITION events_2020;\nALTER TABLE events ATTACH PARTITION events_2030 FOR VALUES FROM ('2030-01-01') TO ('2031-01-01');\nCOMMIT;",
    // Foreign keys are validated one query each, merged or not (corpus: Prisma's AddForeignKey blocks).
    'BEGIN;\nALTER TABLE "EventRecord" ADD COLUMN "a" TEXT, ADD COLUMN "b" TEXT;\nALTER TABLE "EventRecord" ADD CONSTRAINT "a_fkey" FOREIGN KEY ("a") REFERENCES "A"("id");\nALTER TABLE "EventRecord" ADD CONSTRAINT "b_fkey" FOREIGN KEY ("b") REFERENCES "B"("id");\nCOMMIT;',
  ],
  invalid: [
    {
      sql: 'BEGIN;\nALTER TABLE users ALTER COLUMN id TYPE bigint;\nALTER TABLE users ALTER COLUMN account_id TYPE bigint;\nCOMMIT;',
      reports: [{ range: [2, 0, 2, 53], messageId: 'separate', data: { table: 'users', line: 2 } }],
      output: 'BEGIN;\nALTER TABLE users ALTER COLUMN id TYPE bigint,\n  ALTER COLUMN account_id TYPE bigint;\nCOMMIT;',
    },
    {
      // A comment between them: the fix would lose it, so it says so.
      sql: 'BEGIN;\nALTER TABLE users ALTER COLUMN id TYPE bigint;\n-- why\nALTER TABLE users ADD COLUMN tier text;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nCOMMIT;',
      reports: [
        { range: [3, 0, 3, 38], messageId: 'separate', data: { table: 'users', line: 2 } },
        { range: [4, 0, 4, 49], messageId: 'separate', data: { table: 'users', line: 2 } },
      ],
      output: null,
    },
    {
      sql: 'ALTER TABLE users ALTER COLUMN id TYPE bigint;\nALTER TABLE users ADD CONSTRAINT c CHECK (n > 0)',
      settings: { assumeInTransaction: true },
      reports: [{ range: [1, 0, 1, 48], messageId: 'separate', data: { table: 'users', line: 1 } }],
      output: 'ALTER TABLE users ALTER COLUMN id TYPE bigint,\n  ADD CONSTRAINT c CHECK (n > 0)',
    },
  ],
  // docs.unsafe: the statements that set the scene.
  unsafeContext: ['BEGIN', 'ALTER TABLE users ALTER COLUMN id TYPE bigint', 'COMMIT'],
};
