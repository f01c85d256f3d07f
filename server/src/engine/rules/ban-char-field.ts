import { retype } from '../fixes';
import { columnDefinitions, Report, Rule, typeOf } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'ban-char-field',
    severity: 'hint',
    scope: 'statement',
    docs: {
      summary: 'char(n): blank-padded, and no faster than text.',
      why: `char(n) pads values with spaces to n characters, compares ignoring the padding, and is no faster or
smaller than text in PostgreSQL. Values of another length surprise application code.`,
      unsafe: `CREATE TABLE countries (code char(2) PRIMARY KEY);`,
      safe: `CREATE TABLE countries (code text PRIMARY KEY CHECK (length(code) = 2));`,
    },
    messages: {
      charColumn: '{{table}}.{{column}} is char(n): use text (with a CHECK on its length if needed).',
    },
    fixable: ['unsafe'],
    squawk: ['ban-char-field'],
  },
  check(file) {
    return columnDefinitions(file)
      .filter((d) => typeOf(d.column) === 'bpchar')
      .map((d): Report => ({
        start: d.start,
        end: d.end,
        messageId: 'charColumn',
        data: { table: d.table, column: d.column.colname ?? '' },
        fixes: retype(d.s, d.column, 'text', 'Use text (values are no longer blank-padded)', 'unsafe'),
      }));
  },
};
