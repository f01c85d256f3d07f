import { columnDefinitions, isSerial, Report, Rule, typeOf } from '../rule';

export const rule: Rule = {
  id: 'prefer-identity',
  severity: 'info',
  docs: {
    summary: 'serial / bigserial instead of an identity column.',
    why: `serial is a default of nextval() on a sequence that the column merely owns: permissions, dumps and
copying the table handle it separately, and anyone can insert explicit values that later collide with
the sequence. GENERATED ALWAYS AS IDENTITY (PostgreSQL 10+) is the SQL-standard form, tied to the
column.`,
    unsafe: `CREATE TABLE events (id bigserial PRIMARY KEY);`,
    safe: `CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);`,
  },
  check(file) {
    return columnDefinitions(file)
      .filter((d) => isSerial(d.column))
      .map((d): Report => ({ start: d.start, end: d.end, message: `${d.table}.${d.column.colname} is ${typeOf(d.column)}: use ${typeOf(d.column).startsWith('big') || typeOf(d.column) === 'serial8' ? 'bigint' : 'bigint (or int)'} GENERATED ALWAYS AS IDENTITY.` }));
  },
  tests: {
    valid: ['CREATE TABLE events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);'],
    invalid: [{ sql: 'CREATE TABLE events (id bigserial PRIMARY KEY);', reports: [{ range: [0, 21, 0, 45], message: 'bigserial' }], output: null }],
  },
};
