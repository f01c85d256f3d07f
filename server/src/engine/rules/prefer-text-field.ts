import { ident, retype } from '../fixes';
import { columnDefinitions, Report, Rule, typeOf } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'prefer-text-field',
    severity: 'hint',
    scope: 'statement',
    docs: {
      summary: 'varchar(n): a length limit that is costly to change.',
      why: `text and varchar have the same storage and speed in PostgreSQL. A varchar(n) limit can later be raised
without a rewrite, but lowering it rewrites the table, and every change takes ACCESS EXCLUSIVE. A
CHECK (length(col) <= n) says the same thing and can be replaced NOT VALID, then validated, without
blocking.`,
      unsafe: `CREATE TABLE users (email varchar(255));`,
      safe: `CREATE TABLE users (email text CHECK (length(email) <= 255));`,
    },
    messages: {
      varchar: '{{table}}.{{column}} is varchar(n): prefer text with a CHECK on its length, which can change without ACCESS EXCLUSIVE.',
    },
    fixable: ['safe', 'unsafe'],
    squawk: ['prefer-text-field'],
  },
  check(file) {
    return columnDefinitions(file)
      .filter((d) => typeOf(d.column) === 'varchar' && (d.column.typeName?.typmods ?? []).length > 0)
      .map((d): Report => {
        const limit = d.column.typeName?.typmods?.[0]?.A_Const?.ival?.ival;
        const col = ident(d.column.colname ?? '');
        // In CREATE TABLE the CHECK comes for free; on ADD COLUMN it would scan the table.
        const fixes = d.existing
          ? retype(d.s, d.column, 'text', 'Use text (drops the length limit)', 'unsafe')
          : retype(d.s, d.column, `text CHECK (length(${col}) <= ${limit})`, `Use text CHECK (length(${col}) <= ${limit})`, 'safe');
        return { start: d.start, end: d.end, messageId: 'varchar', data: { table: d.table, column: d.column.colname ?? '' }, fixes };
      });
  },
};
