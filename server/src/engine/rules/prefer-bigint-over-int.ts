import { Node } from '../parse';
import { columnDefinitions, Report, Rule, typeOf } from '../rule';

const SMALL = new Set(['int4', 'int2', 'serial', 'serial4', 'smallserial', 'serial2']);

export const rule: Rule = {
  id: 'prefer-bigint-over-int',
  severity: 'warning',
  docs: {
    summary: 'int, smallint or serial for a key column: it can run out.',
    why: `integer keys stop at 2,147,483,647 (smallint at 32,767). A busy table reaches that, and the fix then
is the most painful migration there is: changing the type of the primary key and of every column that
references it, each a full rewrite under ACCESS EXCLUSIVE. bigint costs 4 more bytes a row.`,
    unsafe: `CREATE TABLE events (id serial PRIMARY KEY, user_id int REFERENCES users (id));`,
    safe: `CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint REFERENCES users (id));
-- Counters and small numbers are fine as int:
CREATE TABLE stock (sku text PRIMARY KEY, quantity int NOT NULL);`,
    notes: 'Reported for key columns only: primary keys, identity and serial columns, foreign keys, and columns named id or ending in _id.',
  },
  check(file) {
    const reports: Report[] = [];
    for (const d of columnDefinitions(file)) {
      const type = typeOf(d.column);
      if (!SMALL.has(type)) continue;
      const kinds = ((d.column.constraints ?? []) as Node[]).map((c) => c.Constraint?.contype);
      const name = d.column.colname as string;
      const keyLike = /(^|_)id$/i.test(name) || type.includes('serial') || kinds.some((k) => ['CONSTR_PRIMARY', 'CONSTR_IDENTITY', 'CONSTR_FOREIGN'].includes(k));
      if (!keyLike) continue;
      const shown = { int4: 'integer', int2: 'smallint' }[type] ?? type;
      reports.push({ start: d.start, end: d.end, message: `${d.table}.${name} is ${shown}: a key column that can run out at ${type.includes('2') || type === 'smallserial' ? '32,767' : '2,147,483,647'}. Use bigint${type.includes('serial') ? ' (GENERATED ALWAYS AS IDENTITY)' : ''}.` });
    }
    return reports;
  },
  tests: {
    valid: ['CREATE TABLE stock (sku text PRIMARY KEY, quantity int NOT NULL);', 'CREATE TABLE e (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint);'],
    invalid: [
      {
        sql: 'CREATE TABLE events (id serial PRIMARY KEY, user_id int REFERENCES users (id));',
        reports: [
          { range: [0, 21, 0, 42], message: 'events.id is serial' },
          { range: [0, 44, 0, 77], message: 'events.user_id is integer' },
        ],
        output: null,
      },
      { sql: 'ALTER TABLE orders ADD COLUMN shop_id smallint;', reports: [{ range: [0, 19, 0, 46], message: '32,767' }], output: null },
    ],
  },
};
