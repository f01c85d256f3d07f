/** The test table of inheritance-changes-parent-queries (server/src/engine/rules/inheritance-changes-parent-queries.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    // A child created in the same migration: empty, and nobody queries it yet.
    'CREATE TABLE audit_2026 (LIKE audit_base INCLUDING ALL);\nALTER TABLE audit_2026 INHERIT audit_base;',
    'CREATE TABLE audit_2026 () INHERITS (audit_base);\nALTER TABLE audit_2026 NO INHERIT audit_base;',
    // NO INHERIT under a lock_timeout.
    "SET lock_timeout = '2s';\nALTER TABLE audit_2024 NO INHERIT audit_base;",
    { sql: 'ALTER TABLE audit_2024 NO INHERIT audit_base;', settings: { timeoutsInForce: true, lockTimeout: '2s' } },
    // Other forms.
    'ALTER TABLE audit_2024 DETACH PARTITION audit_2023 CONCURRENTLY;',
  ],
  invalid: [
    {
      sql: 'ALTER TABLE audit_2025 INHERIT audit_base;',
      reports: [{ range: [0, 23, 0, 41], messageId: 'inherit', data: { table: 'audit_2025', parent: 'audit_base' } }],
      output: null,
    },
    {
      // INHERIT is reported with a lock_timeout too: what it changes is the parent's queries.
      sql: "SET lock_timeout = '2s';\nALTER TABLE app.audit_2025 ADD COLUMN note text, INHERIT app.audit_base;",
      reports: [{ range: [1, 49, 1, 71], messageId: 'inherit', data: { table: 'app.audit_2025', parent: 'app.audit_base' } }],
      output: null,
    },
    {
      sql: 'BEGIN;\nALTER TABLE audit_2024 NO INHERIT audit_base;\nCOMMIT;',
      reports: [{ range: [1, 23, 1, 44], messageId: 'noInherit', data: { table: 'audit_2024', parent: 'audit_base' } }],
      output: null,
    },
  ],
};
