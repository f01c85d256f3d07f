import { existingTableCommands, isSerialPrimaryKey, Report, Rule, typeOf } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'adding-serial-primary-key',
    severity: 'error',
    scope: 'statement',
    docs: {
      summary: 'ADD COLUMN serial / bigserial PRIMARY KEY on an existing table.',
      why: `Filling a serial column calls nextval() for every row, which rewrites the table, and the PRIMARY KEY
then builds its index: both under ACCESS EXCLUSIVE, for as long as the table takes to copy and
index. Reads and writes wait throughout.`,
      unsafe: `ALTER TABLE events ADD COLUMN id bigserial PRIMARY KEY;`,
      safe: `ALTER TABLE events ADD COLUMN id bigint;
CREATE SEQUENCE events_id_seq OWNED BY events.id;
ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('events_id_seq');
-- backfill id in batches, SET NOT NULL the safe way, then:
CREATE UNIQUE INDEX CONCURRENTLY events_pkey_idx ON events (id);
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_pkey_idx;`,
    },
    messages: {
      serialPrimaryKey: 'A {{type}} PRIMARY KEY rewrites {{table}} (nextval() for every row) and builds the index, all under ACCESS EXCLUSIVE.',
    },
    fixable: [],
    plan: true,
    squawk: ['adding-serial-primary-key-field'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { cmd, table } of existingTableCommands(file)) {
      if (cmd.subtype !== 'AT_AddColumn') continue;
      const column = cmd.node.def?.ColumnDef ?? {};
      if (!isSerialPrimaryKey(column)) continue;
      reports.push({ start: cmd.start, end: cmd.end, messageId: 'serialPrimaryKey', data: { type: typeOf(column), table } });
    }
    return reports;
  },
};
