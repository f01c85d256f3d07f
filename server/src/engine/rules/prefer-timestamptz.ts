import { retype } from '../fixes';
import { columnDefinitions, Report, Rule, typeOf } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'prefer-timestamptz',
    severity: 'hint',
    scope: 'statement',
    docs: {
      summary: 'timestamp without time zone.',
      why: `timestamp stores a wall-clock time with no zone: the same value means different instants for servers
and clients in different zones, and daylight-saving changes make some values ambiguous. timestamptz
stores an instant (in UTC) and converts on the way in and out. Changing the type later rewrites the
table.`,
      unsafe: `CREATE TABLE events (created_at timestamp NOT NULL DEFAULT now());`,
      safe: `CREATE TABLE events (created_at timestamptz NOT NULL DEFAULT now());`,
    },
    messages: {
      timestamp: '{{table}}.{{column}} is timestamp without time zone: use timestamptz.',
    },
    fixable: ['unsafe'],
    squawk: ['prefer-timestamp-tz'],
  },
  check(file) {
    return columnDefinitions(file)
      .filter((d) => typeOf(d.column) === 'timestamp')
      .map((d): Report => {
        const precision = d.column.typeName?.typmods?.[0]?.A_Const?.ival?.ival;
        const type = precision === undefined ? 'timestamptz' : `timestamptz(${precision})`;
        return { start: d.start, end: d.end, messageId: 'timestamp', data: { table: d.table, column: d.column.colname ?? '' }, fixes: retype(d.s, d.column, type, `Use ${type}`, 'unsafe') };
      });
  },
};
