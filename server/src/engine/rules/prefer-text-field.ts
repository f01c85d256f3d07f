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
      .map((d): Report => ({ start: d.start, end: d.end, message: `${d.table}.${d.column.colname} is varchar(n): prefer text with a CHECK on its length, which can change without ACCESS EXCLUSIVE.` }));
  },
  tests: {
    valid: ['CREATE TABLE users (email text CHECK (length(email) <= 255));', 'CREATE TABLE users (email varchar);'],
    invalid: [{ sql: 'CREATE TABLE users (email varchar(255));', reports: [{ range: [0, 20, 0, 38] }], output: null }],
  },
};
