import { retype } from '../fixes';
import { columnDefinitions, Report, Rule, typeOf } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'prefer-jsonb',
    severity: 'warning',
    scope: 'statement',
    messages: {
      json: '{{table}}.{{column}} is json: it has no equality operator (SELECT DISTINCT, UNION, GROUP BY and some ORMs fail on it) and is parsed again on every access. Use jsonb.',
    },
    docs: {
      summary: 'A json column instead of jsonb.',
      why: `json stores the text as written and has no equality operator: SELECT DISTINCT, UNION (without ALL),
GROUP BY and comparisons on the column fail ("could not identify an equality operator for type json"),
and ORMs that compare rows run into it. Every access parses the text again, and it cannot have a
GIN index. jsonb stores the parsed value, compares, indexes and is what PostgreSQL recommends unless
the exact text (key order, duplicate keys, whitespace) must be kept. Changing the type later
rewrites the table.`,
      unsafe: `CREATE TABLE events (payload json NOT NULL);`,
      safe: `CREATE TABLE events (payload jsonb NOT NULL);`,
      notes: `jsonb does not keep key order, duplicate keys or whitespace: keep json only where the exact text matters
(a signed webhook body, for instance). On an existing column, ALTER COLUMN ... TYPE jsonb rewrites the table
(see changing-column-type).`,
    },
    fixable: ['unsafe'],
  },
  check(file) {
    return columnDefinitions(file)
      .filter((d) => typeOf(d.column) === 'json')
      .map((d): Report => ({
        start: d.start,
        end: d.end,
        messageId: 'json',
        data: { table: d.table, column: d.column.colname ?? '' },
        // Unsafe: jsonb drops key order, duplicate keys and whitespace.
        fixes: retype(d.s, d.column, 'jsonb', 'Use jsonb (key order, duplicate keys and whitespace are not kept)', 'unsafe'),
      }));
  },
};
