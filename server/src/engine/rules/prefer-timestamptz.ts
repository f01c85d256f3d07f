import { retype } from '../fixes';
import { columnDefinitions, Report, Rule, typeOf } from '../rule';

export const rule: Rule = {
  id: 'prefer-timestamptz',
  severity: 'warning',
  docs: {
    summary: 'timestamp without time zone.',
    why: `timestamp stores a wall-clock time with no zone: the same value means different instants for servers
and clients in different zones, and daylight-saving changes make some values ambiguous. timestamptz
stores an instant (in UTC) and converts on the way in and out. Changing the type later rewrites the
table.`,
    unsafe: `CREATE TABLE events (created_at timestamp NOT NULL DEFAULT now());`,
    safe: `CREATE TABLE events (created_at timestamptz NOT NULL DEFAULT now());`,
  },
  check(file) {
    return columnDefinitions(file)
      .filter((d) => typeOf(d.column) === 'timestamp')
      .map((d): Report => {
        const precision = d.column.typeName.typmods?.[0]?.A_Const?.ival?.ival;
        const type = precision === undefined ? 'timestamptz' : `timestamptz(${precision})`;
        return { start: d.start, end: d.end, message: `${d.table}.${d.column.colname} is timestamp without time zone: use timestamptz.`, fixes: retype(d.s, d.column, type, `Use ${type}`, 'unsafe') };
      });
  },
  tests: {
    valid: ['CREATE TABLE events (created_at timestamptz, d date);', 'CREATE TABLE e (at timestamp with time zone);'],
    invalid: [
      { sql: 'ALTER TABLE events ADD COLUMN seen_at timestamp(3);', reports: [{ range: [0, 19, 0, 50], message: 'events.seen_at' }], output: 'ALTER TABLE events ADD COLUMN seen_at timestamptz(3);' },
      {
        sql: 'CREATE TABLE events (\n  created_at timestamp without time zone NOT NULL DEFAULT now() -- UTC\n);',
        reports: [{ range: [1, 2, 1, 63] }],
        output: 'CREATE TABLE events (\n  created_at timestamptz NOT NULL DEFAULT now() -- UTC\n);',
      },
    ],
  },
};
