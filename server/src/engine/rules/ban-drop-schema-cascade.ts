import { nodeOf } from '../ast';
import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'ban-drop-schema-cascade',
    severity: 'error',
    scope: 'statement',
    docs: {
      summary: 'DROP SCHEMA ... CASCADE drops every object in the schema.',
      why: 'CASCADE drops every table, view, function and type in the schema, and objects elsewhere that depend on them, none of which the statement names.',
      unsafe: `DROP SCHEMA reporting CASCADE;`,
      safe: `-- Drop the objects one by one (each reviewed), then the empty schema:
DROP SCHEMA reporting;`,
      noSafeForm: `CASCADE drops whatever depends on the schema, known or not: there is no safe form. Drop the objects
by name, then the schema without CASCADE.`,
    },
    messages: {
      dropSchemaCascade: 'DROP SCHEMA ... CASCADE drops every object in the schema and everything that depends on them.',
    },
    fixable: [],
  },
  check(file) {
    return parsedStatements(file)
      .filter((s) => nodeOf(s.statement, 'DropStmt')?.removeType === 'OBJECT_SCHEMA' && nodeOf(s.statement, 'DropStmt')?.behavior === 'DROP_CASCADE')
      .map((s): Report => ({ ...firstLine(s), messageId: 'dropSchemaCascade' }));
  },
};
