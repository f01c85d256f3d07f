/** The test table of renaming-object (server/src/engine/rules/renaming-object.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    "CREATE TYPE mood AS ENUM ('a');\nALTER TYPE mood RENAME VALUE 'a' TO 'b';",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 1';\nALTER FUNCTION f() RENAME TO g;",
    'CREATE VIEW v AS SELECT 1;\nALTER VIEW v RENAME TO w;',
    'CREATE SCHEMA staging;\nALTER SCHEMA staging RENAME TO imports;',
    "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy';",
    'ALTER INDEX users_email_idx RENAME TO users_mail_idx;',
    // A swap (corpus: Prisma's enum migrations): the old name exists again when the migration commits.
    'ALTER TYPE "Status" RENAME TO "Status_old";\nCREATE TYPE "Status" AS ENUM (\'A\', \'B\');\nDROP TYPE "Status_old";',
    'ALTER VIEW active_users RENAME TO active_users_v1;\nCREATE VIEW active_users AS SELECT 1 AS id;',
    // Prisma's enum swap: X to X_old, then X_new to X.
    'BEGIN;\nCREATE TYPE "Source_new" AS ENUM (\'A\');\nALTER TYPE "Source" RENAME TO "Source_old";\nALTER TYPE "Source_new" RENAME TO "Source";\nDROP TYPE "Source_old";\nCOMMIT;',
  ],
  invalid: [
    {
      sql: "ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';\nALTER SCHEMA reporting RENAME TO analytics;\nALTER VIEW active_users RENAME TO live_users;\nALTER FUNCTION compute_total(bigint) RENAME TO order_total;\nALTER TYPE order_status RENAME TO order_state;",
      reports: [
        { range: [0, 0, 0, 62], messageId: 'enumValue', data: { type: 'order_status', old: 'canceled', new: 'cancelled' } },
        { range: [1, 0, 1, 42], messageId: 'schema', data: { old: 'reporting', new: 'analytics' } },
        { range: [2, 0, 2, 44], messageId: 'view', data: { old: 'active_users', new: 'live_users' } },
        { range: [3, 0, 3, 58], messageId: 'function', data: { old: 'compute_total', new: 'order_total' } },
        { range: [4, 0, 4, 45], messageId: 'type', data: { old: 'order_status', new: 'order_state' } },
      ],
      output: null,
    },
    {
      sql: 'ALTER MATERIALIZED VIEW app.stats RENAME TO totals;\nALTER DOMAIN positive RENAME TO positive_int;\nALTER PROCEDURE archive() RENAME TO archive_orders;',
      reports: [
        { range: [0, 0, 0, 50], messageId: 'view', data: { old: 'app.stats', new: 'totals' } },
        { range: [1, 0, 1, 44], messageId: 'type', data: { old: 'positive', new: 'positive_int' } },
        { range: [2, 0, 2, 50], messageId: 'function', data: { old: 'archive', new: 'archive_orders' } },
      ],
      output: null,
    },
  ],
};
