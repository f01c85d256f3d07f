/** The test table of sequence-as-int (server/src/engine/rules/sequence-as-int.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['ALTER SEQUENCE orders_id_seq AS bigint;', 'ALTER SEQUENCE orders_id_seq RESTART WITH 100;', 'CREATE SEQUENCE tickets_seq;\nALTER SEQUENCE tickets_seq AS integer;'],
  invalid: [
    {
      sql: 'ALTER SEQUENCE orders_id_seq AS integer;',
      reports: [{ range: [0, 0, 0, 39], messageId: 'narrowed', data: { sequence: 'orders_id_seq', type: 'integer', limit: '2,147,483,647' } }],
      output: null,
    },
    {
      sql: 'ALTER SEQUENCE app.s AS smallint MAXVALUE 100;',
      reports: [{ range: [0, 0, 0, 45], messageId: 'narrowed', data: { sequence: 'app.s', type: 'smallint', limit: '32,767' } }],
      output: null,
    },
  ],
};
