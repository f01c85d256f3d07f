/** The test table of row-level-security-without-policy (server/src/engine/rules/row-level-security-without-policy.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: [
    'ALTER TABLE documents ENABLE ROW LEVEL SECURITY;\nCREATE POLICY documents_owner ON documents USING (true);',
    'CREATE POLICY documents_owner ON public.documents USING (true);\nALTER TABLE documents ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;',
    'CREATE TABLE documents (id bigint);\nALTER TABLE documents ENABLE ROW LEVEL SECURITY;',
    'ALTER TABLE documents DISABLE ROW LEVEL SECURITY;',
  ],
  invalid: [
    {
      sql: 'ALTER TABLE documents ENABLE ROW LEVEL SECURITY;',
      reports: [{ range: [0, 22, 0, 47], messageId: 'enable', data: { table: 'documents' } }],
      output: null,
    },
    {
      sql: 'ALTER TABLE documents FORCE ROW LEVEL SECURITY;',
      reports: [{ range: [0, 22, 0, 46], messageId: 'force', data: { table: 'documents' } }],
      output: null,
    },
    {
      // A policy on another table does not count; ENABLE and FORCE together give one finding.
      sql: 'CREATE POLICY p ON notes USING (true);\nALTER TABLE documents ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;',
      reports: [{ range: [1, 22, 1, 47], messageId: 'enable', data: { table: 'documents' } }],
      output: null,
    },
  ],
};
