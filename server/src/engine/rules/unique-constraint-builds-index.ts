import { Node } from '../parse';
import { existingTableCommands, isSerialPrimaryKey, Report, Rule } from '../rule';

export const rule: Rule = {
  id: 'unique-constraint-builds-index',
  severity: 'error',
  docs: {
    summary: 'ADD UNIQUE / PRIMARY KEY / EXCLUDE on an existing table builds its index under ACCESS EXCLUSIVE.',
    why: `Adding a UNIQUE, PRIMARY KEY or EXCLUDE constraint builds its index while holding ACCESS EXCLUSIVE on
the table: no query can read or write it for the whole build, minutes on a large table. Build the
unique index CONCURRENTLY first (reads and writes go on), then attach it: ADD CONSTRAINT ... USING
INDEX only takes the lock for a catalog change.`,
    unsafe: `ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
ALTER TABLE accounts ADD PRIMARY KEY (id);`,
    safe: `CREATE UNIQUE INDEX CONCURRENTLY users_email_key_idx ON users (email);
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key_idx;`,
    notes: `A PRIMARY KEY also needs its columns NOT NULL: SET NOT NULL them first the safe way (set-not-null).
EXCLUDE constraints have no USING INDEX form: on a busy table, consider a trigger or a unique index
instead.`,
  },
  check(file) {
    const reports: Report[] = [];
    for (const { cmd, table } of existingTableCommands(file)) {
      const def = cmd.node.def ?? {};
      let kind: string | undefined;
      if (cmd.subtype === 'AT_AddConstraint') {
        const c = def.Constraint ?? {};
        if ((c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_PRIMARY') && !c.indexname) kind = c.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'PRIMARY KEY';
        if (c.contype === 'CONSTR_EXCLUSION') kind = 'EXCLUDE';
      } else if (cmd.subtype === 'AT_AddColumn' && !isSerialPrimaryKey(def.ColumnDef ?? {})) {
        const types = ((def.ColumnDef?.constraints ?? []) as Node[]).map((c) => c.Constraint?.contype);
        if (types.includes('CONSTR_UNIQUE')) kind = 'UNIQUE';
        if (types.includes('CONSTR_PRIMARY')) kind = 'PRIMARY KEY';
      }
      if (!kind) continue;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        message: `${kind} builds its index on ${table} under ACCESS EXCLUSIVE: reads and writes wait for the whole build. ${kind === 'EXCLUDE' ? 'There is no USING INDEX form for EXCLUDE: run it when the table is small or quiet.' : 'CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX.'}`,
      });
    }
    return reports;
  },
  tests: {
    valid: [
      'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key_idx;',
      'ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_pkey_idx;',
      'CREATE TABLE users (id bigint, email text);\nALTER TABLE users ADD PRIMARY KEY (id), ADD UNIQUE (email);',
    ],
    invalid: [
      {
        sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);',
        reports: [{ range: [0, 18, 0, 63], message: 'UNIQUE builds its index on users' }],
        output: null,
      },
      {
        sql: 'ALTER TABLE accounts ADD PRIMARY KEY (id);',
        reports: [{ range: [0, 21, 0, 41], message: 'PRIMARY KEY' }],
        output: null,
      },
      {
        sql: 'ALTER TABLE rooms ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);',
        reports: [{ range: [0, 18, 0, 92], message: 'no USING INDEX form' }],
        output: null,
      },
      {
        sql: 'ALTER TABLE users ADD COLUMN code text UNIQUE;',
        reports: [{ range: [0, 18, 0, 45] }],
        output: null,
      },
    ],
  },
};
