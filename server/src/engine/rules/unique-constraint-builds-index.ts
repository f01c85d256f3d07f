import { nodeOf } from '../ast';
import { AlterCommand, FileFacts, StatementFacts } from '../facts';
import { afterTransaction, defaultName, deleteWithLeadingSpace, ident, moveOutOfTransaction } from '../fixes';
import { existingTableCommands, Fix, isSerialPrimaryKey, relationText, Report, Rule } from '../rule';

/** CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX (out of the transaction). */
function indexFirst(file: FileFacts, s: StatementFacts, cmd: AlterCommand): Fix[] {
  const c = cmd.node.def?.Constraint ?? {};
  const keys = (c.keys ?? []).map((k) => k.String?.sval ?? '');
  // Only plain column lists: INCLUDE, WITH (...), USING INDEX TABLESPACE and deferrable forms keep the slow way.
  if (!keys.length || c.including?.length || c.options?.length || c.indexspace || c.deferrable || s.commands.length !== 1) return [];
  const table = nodeOf(s.statement, 'AlterTableStmt')?.relation?.relname as string;
  const relation = relationText(s, nodeOf(s.statement, 'AlterTableStmt')?.relation?.location) ?? table;
  const primary = c.contype === 'CONSTR_PRIMARY';
  const name = c.conname ?? defaultName(table, ...(primary ? [] : keys), primary ? 'pkey' : 'key');
  const index = ident(defaultName(name, 'idx'));
  const sql = [
    `CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${relation} (${keys.map(ident).join(', ')});`,
    `ALTER TABLE ${relation} ADD CONSTRAINT ${ident(name)} ${primary ? 'PRIMARY KEY' : 'UNIQUE'} USING INDEX ${index};`,
  ].join('\n');
  const placed = moveOutOfTransaction(file, s, sql);
  const title = 'Build the unique index CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX';
  if ('disabled' in placed) return [{ title, safety: 'unsafe', edits: [], disabled: placed.disabled }];
  return [{ title: placed.note ? `${title}, ${placed.note}` : placed.moved ? `${title} (after COMMIT)` : title, safety: 'unsafe', edits: placed.edits }];
}

/** ADD COLUMN ... UNIQUE: the column without UNIQUE, then the index CONCURRENTLY and USING INDEX (out of the transaction). */
function columnThenIndex(file: FileFacts, s: StatementFacts, cmd: AlterCommand): Fix[] {
  const column = cmd.node.def?.ColumnDef ?? {};
  const unique = (column.constraints ?? []).map((c) => c.Constraint ?? {}).find((c) => c.contype === 'CONSTR_UNIQUE');
  if (!unique || unique.options?.length || unique.indexspace || unique.deferrable || unique.nulls_not_distinct || s.commands.length !== 1) return [];
  // From CONSTRAINT name (or UNIQUE) through UNIQUE.
  const from = s.statement.at(unique.location ?? -1);
  const start = cmd.tokens.find((t) => t.start === from);
  const end = cmd.tokens.find((t) => t.start >= from && t.keyword === 'UNIQUE');
  if (!start || !end) return [];
  const table = nodeOf(s.statement, 'AlterTableStmt')?.relation?.relname as string;
  const relation = relationText(s, nodeOf(s.statement, 'AlterTableStmt')?.relation?.location) ?? table;
  const name = unique.conname ?? defaultName(table, column.colname, 'key');
  const index = ident(defaultName(name, 'idx'));
  const sql = [
    `CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${relation} (${ident(column.colname ?? '')});`,
    `ALTER TABLE ${relation} ADD CONSTRAINT ${ident(name)} UNIQUE USING INDEX ${index};`,
  ].join('\n');
  const placed = afterTransaction(file, s, sql);
  const title = 'Add the column without UNIQUE, build the unique index CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX';
  if ('disabled' in placed) return [{ title, safety: 'unsafe', edits: [], disabled: placed.disabled }];
  const edits = [deleteWithLeadingSpace(file, { start: start.start, end: end.end }), ...placed.edits];
  return [{ title: placed.note ? `${title}, ${placed.note}` : placed.moved ? `${title} (after COMMIT)` : title, safety: 'unsafe', edits }];
}

export const rule: Rule = {
  meta: {
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
EXCLUDE constraints have no USING INDEX form and no CONCURRENTLY way: on a large busy table, plan it on a
new table (create it with the constraint, keep it in sync with a trigger, copy the rows in batches,
then swap the names in one short transaction), or enforce the rule with a trigger. ADD COLUMN ...
UNIQUE has a fix: the column first, then the index CONCURRENTLY and ADD CONSTRAINT ... USING INDEX.`,
      noSafeForm: `An EXCLUDE constraint has no USING INDEX form: PostgreSQL builds its index under the ALTER TABLE's
lock, and no statement adds it without blocking writes (build it on a new table, or accept the lock in
a quiet window). A PRIMARY KEY on a column added in the same statement is a new column filled under
the lock anyway: add the column, fill it in batches, build the unique index CONCURRENTLY, then
\`ADD CONSTRAINT ... PRIMARY KEY USING INDEX\`.`,
    },
    messages: {
      buildsIndex:
        '{{constraint}} builds its index on {{table}} under ACCESS EXCLUSIVE: reads and writes wait for the whole build. CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX.',
      exclusion:
        'EXCLUDE builds its index on {{table}} under ACCESS EXCLUSIVE: reads and writes wait for the whole build. There is no USING INDEX form for EXCLUDE: run it when the table is small or quiet.',
    },
    fixable: ['unsafe'],
    squawk: ['disallowed-unique-constraint'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd, table } of existingTableCommands(file)) {
      const def = cmd.node.def ?? {};
      let kind: string | undefined;
      if (cmd.subtype === 'AT_AddConstraint') {
        const c = def.Constraint ?? {};
        if ((c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_PRIMARY') && !c.indexname) kind = c.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'PRIMARY KEY';
        if (c.contype === 'CONSTR_EXCLUSION') kind = 'EXCLUDE';
      } else if (cmd.subtype === 'AT_AddColumn' && !isSerialPrimaryKey(def.ColumnDef ?? {})) {
        const types = (def.ColumnDef?.constraints ?? []).map((c) => c.Constraint?.contype);
        if (types.includes('CONSTR_UNIQUE')) kind = 'UNIQUE';
        if (types.includes('CONSTR_PRIMARY')) kind = 'PRIMARY KEY';
      }
      if (!kind) continue;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        fixes: kind === 'EXCLUDE' ? [] : cmd.subtype === 'AT_AddConstraint' ? indexFirst(file, s, cmd) : kind === 'UNIQUE' ? columnThenIndex(file, s, cmd) : [],
        ...(kind === 'EXCLUDE' ? { messageId: 'exclusion', data: { table } } : { messageId: 'buildsIndex', data: { constraint: kind, table } }),
      });
    }
    return reports;
  },
};
