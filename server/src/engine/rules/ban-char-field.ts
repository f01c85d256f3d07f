import { retype } from '../fixes';
import { columnDefinitions, Report, Rule, typeOf } from '../rule';

export const rule: Rule = {
  id: 'ban-char-field',
  severity: 'warning',
  docs: {
    summary: 'char(n): blank-padded, and no faster than text.',
    why: `char(n) pads values with spaces to n characters, compares ignoring the padding, and is no faster or
smaller than text in PostgreSQL. Values of another length surprise application code.`,
    unsafe: `CREATE TABLE countries (code char(2) PRIMARY KEY);`,
    safe: `CREATE TABLE countries (code text PRIMARY KEY CHECK (length(code) = 2));`,
  },
  check(file) {
    return columnDefinitions(file)
      .filter((d) => typeOf(d.column) === 'bpchar')
      .map((d): Report => ({
        start: d.start,
        end: d.end,
        message: `${d.table}.${d.column.colname} is char(n): use text (with a CHECK on its length if needed).`,
        fixes: retype(d.s, d.column, 'text', 'Use text (values are no longer blank-padded)', 'unsafe'),
      }));
  },
  tests: {
    valid: ['CREATE TABLE countries (code text PRIMARY KEY CHECK (length(code) = 2));', 'CREATE TABLE t (flag "char");'],
    invalid: [{ sql: 'CREATE TABLE countries (code character(2) PRIMARY KEY);', reports: [{ range: [0, 24, 0, 53] }], output: 'CREATE TABLE countries (code text PRIMARY KEY);' }],
  },
};
