import { ident, retype } from '../fixes';
import { columnDefinitions, Report, Rule, typeOf } from '../rule';

export const rule: Rule = {
  id: 'prefer-text-field',
  severity: 'info',
  docs: {
    summary: 'varchar(n): a length limit that is costly to change.',
    why: `text and varchar have the same storage and speed in PostgreSQL. A varchar(n) limit can later be raised
without a rewrite, but lowering it rewrites the table, and every change takes ACCESS EXCLUSIVE. A
CHECK (length(col) <= n) says the same thing and can be replaced NOT VALID, then validated, without
blocking.`,
    unsafe: `CREATE TABLE users (email varchar(255));`,
    safe: `CREATE TABLE users (email text CHECK (length(email) <= 255));`,
  },
  check(file) {
    return columnDefinitions(file)
      .filter((d) => typeOf(d.column) === 'varchar' && (d.column.typeName?.typmods ?? []).length > 0)
      .map((d): Report => {
        const limit = d.column.typeName.typmods[0]?.A_Const?.ival?.ival;
        const col = ident(d.column.colname);
        // In CREATE TABLE the CHECK comes for free; on ADD COLUMN it would scan the table.
        const fixes = d.existing
          ? retype(d.s, d.column, 'text', 'Use text (drops the length limit)', 'unsafe')
          : retype(d.s, d.column, `text CHECK (length(${col}) <= ${limit})`, `Use text CHECK (length(${col}) <= ${limit})`, 'safe');
        return { start: d.start, end: d.end, message: `${d.table}.${d.column.colname} is varchar(n): prefer text with a CHECK on its length, which can change without ACCESS EXCLUSIVE.`, fixes };
      });
  },
  tests: {
    valid: ['CREATE TABLE users (email text CHECK (length(email) <= 255));', 'CREATE TABLE users (email varchar);'],
    invalid: [
      { sql: 'CREATE TABLE users (email varchar(255));', reports: [{ range: [0, 20, 0, 38] }], output: 'CREATE TABLE users (email text CHECK (length(email) <= 255));' },
      {
        sql: 'ALTER TABLE users ADD COLUMN code character varying(12) NOT NULL DEFAULT \'\';',
        reports: [{ range: [0, 18, 0, 75] }],
        output: "ALTER TABLE users ADD COLUMN code text NOT NULL DEFAULT '';",
      },
    ],
  },
};
