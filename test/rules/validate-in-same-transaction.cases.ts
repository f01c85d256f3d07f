/** The test table of validate-in-same-transaction (server/src/engine/rules/validate-in-same-transaction.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT c;',
    'ALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;',
    'BEGIN;\nALTER TABLE orders VALIDATE CONSTRAINT c;\nCOMMIT;',
  ],
  invalid: [
    {
      sql: 'BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;\nCOMMIT;',
      reports: [{ range: [2, 19, 2, 40], messageId: 'validateInAddTransaction', data: { constraint: 'c', mode: 'ACCESS EXCLUSIVE', table: 'orders' } }],
      output: 'BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT c;',
    },
    {
      // Another subcommand stays; the VALIDATE leaves with its own ALTER TABLE.
      sql: 'BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders ADD COLUMN n int, VALIDATE CONSTRAINT c;\nCOMMIT;',
      reports: [{ range: [2, 37, 2, 58], messageId: 'validateInAddTransaction', data: { constraint: 'c', mode: 'ACCESS EXCLUSIVE', table: 'orders' } }],
      output: 'BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (total >= 0) NOT VALID;\nALTER TABLE orders ADD COLUMN n int;\nCOMMIT;\nALTER TABLE orders VALIDATE CONSTRAINT c;',
    },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT fk;',
      settings: { assumeInTransaction: true },
      reports: [{ range: [1, 19, 1, 41], messageId: 'validateInAddTransaction', data: { constraint: 'fk', mode: 'SHARE ROW EXCLUSIVE', table: 'orders' } }],
      output: null,
    },
  ],
  // docs.unsafe: the statements that set the scene.
  unsafeContext: ['BEGIN', 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID', 'COMMIT'],
};
