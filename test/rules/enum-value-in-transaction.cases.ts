/** The test table of enum-value-in-transaction (server/src/engine/rules/enum-value-in-transaction.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [{ sql: "ALTER TYPE mood ADD VALUE 'happy';", settings: { pgVersion: 11 } }, "BEGIN;\nALTER TYPE mood ADD VALUE 'happy';\nCOMMIT;"],
  invalid: [
    { sql: "BEGIN;\nALTER TYPE mood ADD VALUE 'happy';\nCOMMIT;", settings: { pgVersion: 11 }, reports: [{ range: [1, 0, 1, 33], messageId: 'addValueInTransaction', data: { pgVersion: 11 } }], output: "BEGIN;\nCOMMIT;\nALTER TYPE mood ADD VALUE 'happy';" },
  ],
};
