/**
 * The expand-contract plan for a change that cannot be made safely in one statement: the
 * sequence of migrations, each with what the application must do before the next one.
 *
 * - a column's type (the classic: int to bigint on a busy table, primary key included),
 * - renaming a column, or a table,
 * - adding NOT NULL to an existing column, or a required column with a computed value.
 */
import { relationKey, StatementFacts } from './facts';
import { FileFacts } from './facts';
import { defaultName, ident, keyRangeLoop, syncTriggerSql } from './fixes';
import { Node } from './parse';
import { isSerial, relationText, typeOf } from './rule';
import { sqlLiteral } from './settings';

export interface PlanStep {
  /** Short name for the migration: `expand`, `backfill`, ... */
  slug: string;
  /** What it does and what the application must do before the next step. */
  note: string;
  sql: string;
}

export interface Plan {
  title: string;
  steps: PlanStep[];
}

export interface PlanOptions {
  batchSize: number;
  /** Seconds to sleep between batches. */
  pause: number;
  lockTimeout: string;
  /**
   * Extensions installed on the connected database, when one is connected: the VACUUM FULL /
   * CLUSTER plans use pg_repack or pg_squeeze only where they are there.
   */
  extensions?: readonly string[];
}

/** A batched, resumable backfill: one transaction per batch of key range, a pause between. */
function backfill(table: string, key: string, set: string, pending: string, o: PlanOptions): string {
  return [
    `-- ${o.batchSize} rows per transaction, resumable: rows already done are skipped.`,
    '-- Run outside a transaction block (COMMIT inside DO: PostgreSQL 11+).',
    ...keyRangeLoop({ tag: 'backfill', table, key, size: o.batchSize, pause: o.pause, statement: (inRange) => `UPDATE ${table} SET ${set} WHERE ${inRange(key)} AND ${pending}` }),
  ].join('\n');
}

/**
 * A batched backfill for a table without a known key: batches of rows still pending, picked by
 * ctid and committed one by one, until a batch finds none. A row updated meanwhile moves to a new
 * ctid and is skipped by its batch (the UPDATE re-checks the condition), then picked by a later one.
 */
function backfillByCtid(table: string, set: string, pending: string, o: PlanOptions): string {
  return [
    `-- ${o.batchSize} rows per transaction, resumable: rows already done are skipped.`,
    '-- Run outside a transaction block (COMMIT inside DO: PostgreSQL 11+).',
    'DO $backfill$',
    'DECLARE',
    '  done bigint;',
    'BEGIN',
    '  LOOP',
    `    UPDATE ${table} SET ${set} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${table} WHERE ${pending} LIMIT ${o.batchSize}));`,
    '    GET DIAGNOSTICS done = ROW_COUNT;',
    '    COMMIT;',
    '    EXIT WHEN done = 0;',
    `    PERFORM pg_sleep(${o.pause});`,
    '  END LOOP;',
    'END',
    '$backfill$;',
  ].join('\n');
}

/** The backfill by the table's single-column primary key when the history knows it, else by ctid. */
function backfillOf(s: StatementFacts, table: string, set: string, pending: string, o: PlanOptions): string {
  const pk = s.catalog.get(relationKey(s.statement.node?.relation))?.primaryKey;
  return pk?.length === 1 ? backfill(table, ident(pk[0]), set, pending, o) : backfillByCtid(table, set, pending, o);
}

/**
 * An expression of a table's columns rewritten for a row trigger: each bare column name becomes
 * `NEW.<name>`. Undefined when the expression has a qualified or star column reference.
 */
function forTrigger(s: StatementFacts, expr: Node, text: string, start: number): string | undefined {
  const refs: number[] = [];
  let bad = false;
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const node = v as Node;
      if (node.ColumnRef) {
        const fields = (node.ColumnRef.fields ?? []) as Node[];
        if (fields.length !== 1 || !fields[0].String) bad = true;
        else refs.push(s.statement.at(node.ColumnRef.location) - start);
        return;
      }
      for (const x of Object.values(node)) walk(x);
    }
  };
  walk(expr);
  if (bad || refs.some((r) => r < 0 || r > text.length)) return undefined;
  let out = text;
  for (const r of refs.sort((a, b) => b - a)) out = `${out.slice(0, r)}NEW.${out.slice(r)}`;
  return out;
}

/** The span of a parenthesised expression that starts at the first `(` at or after `from`. */
function parenthesised(s: StatementFacts, from: number): { start: number; end: number } | undefined {
  const tokens = s.statement.tokens;
  let i = tokens.findIndex((t) => t.start >= from && t.text === '(');
  if (i < 0) return undefined;
  const start = tokens[i].end;
  for (let depth = 0; i < tokens.length; i++) {
    if (tokens[i].text === '(') depth++;
    if (tokens[i].text === ')' && --depth === 0) return { start, end: tokens[i].start };
  }
  return undefined;
}

/** The NOT NULL steps: a CHECK added NOT VALID, validated without blocking writes, then SET NOT NULL without its scan. */
function enforceNotNull(table: string, relname: string, column: string, o: PlanOptions): PlanStep {
  const col = ident(column);
  const check = ident(defaultName(relname, column, 'not_null'));
  return {
    slug: 'enforce',
    note: `Makes ${column} NOT NULL: the CHECK is validated without blocking writes, then SET NOT NULL skips its scan (PostgreSQL 12+).`,
    sql: [
      timeouts(o),
      `ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL) NOT VALID;`,
      `ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};`,
      `ALTER TABLE ${table} ALTER COLUMN ${col} SET NOT NULL;`,
      `ALTER TABLE ${table} DROP CONSTRAINT ${check};`,
    ].join('\n'),
  };
}

/** The unique index built without blocking writes, then the PRIMARY KEY / UNIQUE constraint on it. */
function keyStep(table: string, relname: string, column: string, kind: 'PRIMARY KEY' | 'UNIQUE', o: PlanOptions): PlanStep[] {
  const name = kind === 'PRIMARY KEY' ? defaultName(relname, 'pkey') : defaultName(relname, column, 'key');
  const index = ident(defaultName(name, 'idx'));
  return [
    { slug: 'index', note: `Builds the unique index of ${column} without blocking writes.`, sql: `CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${table} (${ident(column)});` },
    { slug: kind === 'PRIMARY KEY' ? 'primary-key' : 'unique', note: `Makes the index the ${kind}: a short lock, no scan.`, sql: [timeouts(o), `ALTER TABLE ${table} ADD CONSTRAINT ${ident(name)} ${kind} USING INDEX ${index};`].join('\n') },
  ];
}

const SERIAL_TYPES: Record<string, string> = { smallserial: 'smallint', serial2: 'smallint', serial: 'integer', serial4: 'integer', bigserial: 'bigint', serial8: 'bigint' };

/**
 * A serial / bigserial / identity column added to a table with rows: the column nullable, its
 * sequence and default for new rows, the existing rows numbered in batches, NOT NULL the safe way,
 * the key built concurrently, and (identity) the column made an identity at the end.
 */
function addSequenced(file: FileFacts, s: StatementFacts, column: Node, o: PlanOptions): Plan | undefined {
  const n = s.statement.node ?? {};
  const table = relationText(s, n.relation?.location) ?? ident(n.relation?.relname);
  const relname = n.relation?.relname as string;
  const name = column.colname as string;
  const col = ident(name);
  const constraints = ((column.constraints ?? []) as Node[]).map((c) => c.Constraint ?? {});
  const identity = constraints.find((c) => c.contype === 'CONSTR_IDENTITY');
  const last = typeOf(column);
  const type = SERIAL_TYPES[last] ?? (identity ? file.parsed.text.slice(s.statement.at(column.typeName?.location ?? 0), s.statement.at(identity.location)).trim() : undefined);
  if (!type) return undefined;
  // An identity makes its own sequence, named like a serial's: the numbering one must not take that name.
  const seqName = defaultName(relname, name, identity ? 'fill_seq' : 'seq');
  const schema = n.relation?.schemaname ? `${ident(n.relation.schemaname)}.` : '';
  const seq = `${schema}${ident(seqName)}`;
  const seqLiteral = sqlLiteral(`${schema}${ident(seqName)}`);
  const steps: PlanStep[] = [
    {
      slug: 'expand',
      note: `Adds ${name} nullable, with its sequence as the default for new rows: no rewrite. Nothing for the application to do yet.`,
      sql: [
        timeouts(o),
        `ALTER TABLE ${table} ADD COLUMN ${col} ${type};`,
        `CREATE SEQUENCE ${seq} AS ${/^(smallint|integer|int|int4|int2)$/i.test(type) ? type : 'bigint'} OWNED BY ${table}.${col};`,
        `ALTER TABLE ${table} ALTER COLUMN ${col} SET DEFAULT nextval(${seqLiteral});`,
      ].join('\n'),
    },
    { slug: 'backfill', note: `Numbers the existing rows from the sequence, in batches. New rows get their number from the default.`, sql: backfillOf(s, table, `${col} = nextval(${seqLiteral})`, `${col} IS NULL`, o) },
    enforceNotNull(table, relname, name, o),
  ];
  if (constraints.some((c) => c.contype === 'CONSTR_PRIMARY')) steps.push(...keyStep(table, relname, name, 'PRIMARY KEY', o));
  else if (constraints.some((c) => c.contype === 'CONSTR_UNIQUE')) steps.push(...keyStep(table, relname, name, 'UNIQUE', o));
  if (identity) {
    const when = identity.generated_when === 'a' ? 'ALWAYS' : 'BY DEFAULT';
    steps.push({
      slug: 'identity',
      note: `Makes ${name} an identity column (no rewrite: the column is NOT NULL already), its sequence continuing after the numbers given, and drops the numbering sequence.`,
      sql: [
        timeouts(o),
        'BEGIN;',
        `ALTER TABLE ${table} ALTER COLUMN ${col} DROP DEFAULT;`,
        // Dropped first: owned by the column, it would be the sequence pg_get_serial_sequence finds.
        `DROP SEQUENCE ${seq};`,
        `ALTER TABLE ${table} ALTER COLUMN ${col} ADD GENERATED ${when} AS IDENTITY;`,
        `SELECT setval(pg_get_serial_sequence(${sqlLiteral(`${schema}${ident(relname)}`)}, ${sqlLiteral(name)}), max(${col})) FROM ${table} HAVING max(${col}) IS NOT NULL;`,
        'COMMIT;',
      ].join('\n'),
    });
  }
  return { title: `Add ${relname}.${name} (${identity ? 'identity' : last}) without rewriting ${relname} under ACCESS EXCLUSIVE`, steps };
}

/**
 * A stored generated column on a table with rows: a plain column kept current by a trigger, the
 * existing rows filled in batches. It stays a plain column (making it generated would rewrite).
 */
function addGenerated(file: FileFacts, s: StatementFacts, cmdEnd: number, column: Node, generated: Node, o: PlanOptions): Plan | undefined {
  const n = s.statement.node ?? {};
  const table = relationText(s, n.relation?.location) ?? ident(n.relation?.relname);
  const relname = n.relation?.relname as string;
  const name = column.colname as string;
  const col = ident(name);
  const typeStart = s.statement.at(column.typeName?.location ?? -1);
  const typeEnd = s.statement.tokens.find((t) => t.start > typeStart && ['GENERATED', 'NOT', 'NULL', 'CHECK', 'REFERENCES', 'CONSTRAINT', 'COLLATE', 'DEFAULT'].includes(t.keyword))?.start;
  const span = parenthesised(s, s.statement.at(generated.location));
  if (typeStart < 0 || typeEnd === undefined || !span || span.end > cmdEnd) return undefined;
  const type = file.parsed.text.slice(typeStart, typeEnd).trim();
  const expr = file.parsed.text.slice(span.start, span.end).trim();
  const lead = file.parsed.text.slice(span.start, span.end).length - file.parsed.text.slice(span.start, span.end).trimStart().length;
  const row = forTrigger(s, generated.raw_expr, expr, span.start + lead);
  if (!row) return undefined;
  const fn = ident(defaultName(relname, name, 'compute'));
  return {
    title: `Add ${relname}.${name} (computed) without rewriting ${relname} under ACCESS EXCLUSIVE`,
    steps: [
      {
        slug: 'expand',
        note: `Adds ${name} as a plain column and a trigger that computes it on every INSERT and UPDATE.${file.settings.pgVersion >= 18 ? ' On PostgreSQL 18 a VIRTUAL generated column does not rewrite either (computed on read, not indexable).' : ''}`,
        sql: [
          timeouts(o),
          `ALTER TABLE ${table} ADD COLUMN ${col} ${type};`,
          `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $compute$`,
          'BEGIN',
          `  NEW.${col} := (${row});`,
          '  RETURN NEW;',
          'END',
          '$compute$;',
          `CREATE TRIGGER ${fn} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
        ].join('\n'),
      },
      {
        slug: 'backfill',
        note: `Computes ${name} for the existing rows, in batches. It stays a plain column kept by the trigger: turning it into a generated column would rewrite ${relname}.`,
        sql: backfillOf(s, table, `${col} = (${expr})`, `${col} IS DISTINCT FROM (${expr})`, o),
      },
    ],
  };
}

/** VACUUM FULL / CLUSTER with the tool installed on the connected database that does it without the long lock. */
function repack(s: StatementFacts, o: PlanOptions): Plan | undefined {
  const n = s.statement.node ?? {};
  const relations: Node[] = s.kind === 'ClusterStmt' ? [n.relation] : ((n.rels ?? []) as Node[]).map((r) => r.VacuumRelation?.relation);
  if (!relations.length || relations.some((r) => !r?.relname)) return undefined;
  const index = s.kind === 'ClusterStmt' ? (n.indexname as string | undefined) : undefined;
  const what = s.kind === 'ClusterStmt' ? 'CLUSTER' : 'VACUUM FULL';
  if (o.extensions?.includes('pg_squeeze')) {
    return {
      title: `${what} with pg_squeeze (installed on the connected database): the table stays readable and writable`,
      steps: [
        {
          slug: 'squeeze',
          note: `pg_squeeze copies the table while reads and writes go on (changes captured by logical decoding; the table needs a primary key or replica identity), and takes ACCESS EXCLUSIVE only for the final swap. It needs wal_level = logical and pg_squeeze in shared_preload_libraries.`,
          sql: relations.map((r) => `SELECT squeeze.squeeze_table(${sqlLiteral(r.schemaname ?? 'public')}, ${sqlLiteral(r.relname)}, ${index ? sqlLiteral(index) : 'NULL'}, NULL, NULL);`).join('\n'),
        },
      ],
    };
  }
  if (o.extensions?.includes('pg_repack')) {
    const tables = relations.map((r) => `--table=${r.schemaname ? `${r.schemaname}.` : ''}${r.relname}`).join(' ');
    return {
      title: `${what} with pg_repack (installed on the connected database): the table stays readable and writable`,
      steps: [
        {
          slug: 'repack',
          note: `pg_repack is a command-line client of the pg_repack extension: run it from a shell, not as a migration. It copies the table while reads and writes go on (changes captured by a trigger; the table needs a primary key or a unique index on NOT NULL columns) and takes ACCESS EXCLUSIVE only at the start and for the final swap.`,
          sql: [
            '-- Not SQL: run from a shell against the database (a migration cannot run it).',
            `-- pg_repack --dbname=<database> ${tables}${s.kind === 'ClusterStmt' ? (index ? ' (orders by the table\'s clustered index; --order-by=<columns> for another order)' : '') : ' --no-order'}`,
          ].join('\n'),
        },
      ],
    };
  }
  return undefined;
}

const timeouts = (o: PlanOptions) => `SET lock_timeout = ${sqlLiteral(o.lockTimeout)};`;

function typeChange(file: FileFacts, s: StatementFacts, cmd: Node, o: PlanOptions): Plan {
  const n = s.statement.node ?? {};
  const table = relationText(s, n.relation?.location) ?? n.relation?.relname;
  const info = s.catalog.get(relationKey(n.relation));
  const column = cmd.name as string;
  const col = ident(column);
  const next = ident(`${column}_new`);
  const old = ident(`${column}_old`);
  const typeNode = cmd.def?.ColumnDef?.typeName ?? {};
  const typeText = file.parsed.text.slice(s.statement.at(typeNode.location ?? 0), s.commands.find((c) => c.node === cmd)?.end ?? s.statement.end);
  const type = typeText.replace(/\s+USING[\s\S]*$/i, '').trim();
  const primary = info?.primaryKey?.length === 1 && info.primaryKey[0] === column;
  const key = ident(info?.primaryKey?.length === 1 ? info.primaryKey[0] : 'id');
  const relname = n.relation?.relname as string;
  const fn = ident(defaultName(relname, column, 'sync'));
  const index = ident(defaultName(relname, `${column}_new`, 'idx'));
  const check = ident(defaultName(relname, `${column}_new`, 'not_null'));
  const seq = ident(defaultName(relname, column, 'seq'));
  const steps: PlanStep[] = [
    {
      slug: 'expand',
      note: `Adds ${column}_new (${type}) and a trigger that copies ${column} into it on every INSERT and UPDATE. Nothing for the application to do yet.`,
      sql: [
        timeouts(o),
        `ALTER TABLE ${table} ADD COLUMN ${next} ${type};`,
        `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $sync$`,
        'BEGIN',
        `  NEW.${next} := NEW.${col};`,
        '  RETURN NEW;',
        'END',
        '$sync$;',
        `CREATE TRIGGER ${fn} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
      ].join('\n'),
    },
    {
      slug: 'backfill',
      note: `Copies ${column} into ${column}_new for the existing rows, in batches. Rows written meanwhile are kept in sync by the trigger.`,
      sql: backfill(table, key, `${next} = ${col}`, `${next} IS DISTINCT FROM ${col}`, o),
    },
    {
      slug: 'prepare',
      note: `Proves ${column}_new NOT NULL without a long lock${primary ? ' and builds its unique index without blocking writes' : ''}.`,
      sql: [
        timeouts(o),
        `ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${next} IS NOT NULL) NOT VALID;`,
        `ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};`,
        ...(primary ? [`CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${table} (${next});`] : []),
      ].join('\n'),
    },
    {
      slug: 'switch',
      note: `Swaps the columns in one short transaction: ${column} is now ${type}${primary ? ' and the primary key' : ''}; the old values stay in ${column}_old. Deploy code that no longer writes ${column}_old before the next step.`,
      sql: [
        timeouts(o),
        'BEGIN;',
        `DROP TRIGGER ${fn} ON ${table};`,
        `DROP FUNCTION ${fn}();`,
        ...(primary
          ? [
              `ALTER TABLE ${table} DROP CONSTRAINT ${ident(defaultName(relname, 'pkey'))};`,
              `ALTER TABLE ${table} ALTER COLUMN ${next} SET NOT NULL;`,
              `ALTER TABLE ${table} ADD CONSTRAINT ${ident(defaultName(relname, 'pkey'))} PRIMARY KEY USING INDEX ${index};`,
            ]
          : [`ALTER TABLE ${table} ALTER COLUMN ${next} SET NOT NULL;`]),
        `ALTER TABLE ${table} DROP CONSTRAINT ${check};`,
        `ALTER TABLE ${table} RENAME COLUMN ${col} TO ${old};`,
        `ALTER TABLE ${table} RENAME COLUMN ${next} TO ${col};`,
        `ALTER TABLE ${table} ALTER COLUMN ${old} DROP NOT NULL;`,
        ...(primary
          ? [
              `-- The sequence behind a serial ${column} moves to the new column, and grows to bigint.`,
              `ALTER SEQUENCE IF EXISTS ${seq} AS bigint;`,
              `ALTER TABLE ${table} ALTER COLUMN ${col} SET DEFAULT nextval('${seq}');`,
              `ALTER TABLE ${table} ALTER COLUMN ${old} DROP DEFAULT;`,
              `ALTER SEQUENCE IF EXISTS ${seq} OWNED BY ${table}.${col};`,
            ]
          : []),
        'COMMIT;',
      ].join('\n'),
    },
    {
      slug: 'contract',
      note: `Drops ${column}_old once no deployed code reads it.`,
      sql: [timeouts(o), `ALTER TABLE ${table} DROP COLUMN ${old};`].join('\n'),
    },
  ];
  return { title: `Change ${relname}.${column} to ${type} without a rewrite under ACCESS EXCLUSIVE`, steps };
}

function renameColumn(s: StatementFacts, o: PlanOptions): Plan | undefined {
  const n = s.statement.node ?? {};
  const info = s.catalog.get(relationKey(n.relation))?.columns.get(n.subname);
  if (!info) return undefined;
  const table = relationText(s, n.relation?.location) ?? n.relation?.relname;
  const [from, to] = [ident(n.subname), ident(n.newname)];
  const type = `${info.type}${info.typmods.length ? `(${info.typmods.join(', ')})` : ''}${info.isArray ? '[]' : ''}`;
  const fn = ident(defaultName(n.relation?.relname, 'sync', n.newname));
  const key = ident(s.catalog.get(relationKey(n.relation))?.primaryKey?.[0] ?? 'id');
  return {
    title: `Rename ${n.relation?.relname}.${n.subname} to ${n.newname} without breaking running code`,
    steps: [
      {
        slug: 'expand',
        note: `Adds ${n.newname}, kept equal to ${n.subname} on every write in either direction.`,
        sql: [
          timeouts(o),
          `ALTER TABLE ${table} ADD COLUMN ${to} ${type};`,
          ...syncTriggerSql(table, from, to, fn),
        ].join('\n'),
      },
      { slug: 'backfill', note: `Copies ${n.subname} into ${n.newname} for the existing rows. Then deploy code that reads and writes ${n.newname} only.`, sql: backfill(table, key, `${to} = ${from}`, `${to} IS DISTINCT FROM ${from}`, o) },
      { slug: 'contract', note: `Once no deployed code uses ${n.subname}.`, sql: [timeouts(o), `DROP TRIGGER ${fn} ON ${table};`, `DROP FUNCTION ${fn}();`, `ALTER TABLE ${table} DROP COLUMN ${from};`].join('\n') },
    ],
  };
}

function renameTable(s: StatementFacts, o: PlanOptions): Plan {
  const n = s.statement.node ?? {};
  const schema = n.relation?.schemaname ? `${ident(n.relation.schemaname)}.` : '';
  const [from, to] = [`${schema}${ident(n.relation?.relname)}`, `${schema}${ident(n.newname)}`];
  return {
    title: `Rename ${n.relation?.relname} to ${n.newname} without breaking running code`,
    steps: [
      { slug: 'rename', note: `Renames the table and leaves an updatable view under the old name, in one transaction. Then deploy code that uses ${n.newname}.`, sql: [timeouts(o), 'BEGIN;', `ALTER TABLE ${from} RENAME TO ${ident(n.newname)};`, `CREATE VIEW ${from} AS SELECT * FROM ${to};`, 'COMMIT;'].join('\n') },
      { slug: 'contract', note: `Once no deployed code uses ${n.relation?.relname}.`, sql: [timeouts(o), `DROP VIEW ${from};`].join('\n') },
    ],
  };
}

function notNull(s: StatementFacts, column: string, o: PlanOptions, added?: { type: string; value?: string }, required = true): Plan {
  const n = s.statement.node ?? {};
  const table = relationText(s, n.relation?.location) ?? n.relation?.relname;
  const col = ident(column);
  const steps: PlanStep[] = [];
  if (added) {
    steps.push({
      slug: 'expand',
      note: `Adds ${column} nullable${added.value ? `, with ${added.value} as the default for new rows` : ''}. Deploy code that writes ${column} before the backfill.`,
      sql: [timeouts(o), `ALTER TABLE ${table} ADD COLUMN ${col} ${added.type};`, ...(added.value ? [`ALTER TABLE ${table} ALTER COLUMN ${col} SET DEFAULT ${added.value};`] : [])].join('\n'),
    });
    if (added.value) steps.push({ slug: 'backfill', note: `Fills ${column} for the existing rows.`, sql: backfillOf(s, table, `${col} = ${added.value}`, `${col} IS NULL`, o) });
  }
  if (required) steps.push(enforceNotNull(table, n.relation?.relname, column, o));
  return required
    ? { title: `Make ${n.relation?.relname}.${column} NOT NULL without a scan under ACCESS EXCLUSIVE`, steps }
    : { title: `Add ${n.relation?.relname}.${column} with its default without rewriting ${n.relation?.relname} under ACCESS EXCLUSIVE`, steps };
}

/** The plan for the statement at `index`, when there is one for what it does. */
export function planFor(file: FileFacts, index: number, o: PlanOptions): Plan | undefined {
  const s = file.statements[index];
  if (!s || s.kind === 'SyntaxError') return undefined;
  const n = s.statement.node ?? {};
  if (s.kind === 'RenameStmt' && n.renameType === 'OBJECT_COLUMN') return renameColumn(s, o);
  if (s.kind === 'RenameStmt' && n.renameType === 'OBJECT_TABLE') return renameTable(s, o);
  if ((s.kind === 'VacuumStmt' && s.rewrites.length) || s.kind === 'ClusterStmt') return repack(s, o);
  if (s.kind !== 'AlterTableStmt') return undefined;
  for (const cmd of s.commands) {
    if (cmd.subtype === 'AT_AlterColumnType') return typeChange(file, s, cmd.node, o);
    if (cmd.subtype === 'AT_SetNotNull') return notNull(s, cmd.node.name, o);
    if (cmd.subtype === 'AT_AddColumn') {
      const column = cmd.node.def?.ColumnDef ?? {};
      const constraints = ((column.constraints ?? []) as Node[]).map((c) => c.Constraint ?? {});
      if (isSerial(column) || constraints.some((c) => c.contype === 'CONSTR_IDENTITY')) return addSequenced(file, s, column, o);
      const generated = constraints.find((c) => c.contype === 'CONSTR_GENERATED' && c.generated_kind === 's');
      if (generated) return addGenerated(file, s, cmd.end, column, generated, o);
      const rewrites = s.rewrites.length > 0 && constraints.some((c) => c.contype === 'CONSTR_DEFAULT');
      if (!constraints.some((c) => c.contype === 'CONSTR_NOTNULL') && !rewrites) continue;
      const def = constraints.find((c) => c.contype === 'CONSTR_DEFAULT');
      const tokens = cmd.tokens;
      const typeStart = s.statement.at(column.typeName?.location ?? 0);
      const typeEnd = tokens.find((t) => t.start > typeStart && ['NOT', 'DEFAULT', 'NULL', 'CHECK', 'REFERENCES', 'CONSTRAINT'].includes(t.keyword))?.start ?? cmd.end;
      const type = file.parsed.text.slice(typeStart, typeEnd).trim();
      const value = def ? file.parsed.text.slice(s.statement.at(def.raw_expr ? firstLocation(def.raw_expr) : def.location), clauseEnd(s, cmd.tokens, def)).trim() : undefined;
      return notNull(s, column.colname, o, { type, value }, constraints.some((c) => c.contype === 'CONSTR_NOTNULL'));
    }
  }
  return undefined;
}

function firstLocation(node: unknown): number {
  let best = Number.MAX_SAFE_INTEGER;
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as Node)) {
        if (k === 'location' && typeof x === 'number' && x >= 0) best = Math.min(best, x);
        else walk(x);
      }
    }
  };
  walk(node);
  return best === Number.MAX_SAFE_INTEGER ? 0 : best;
}

function clauseEnd(s: StatementFacts, tokens: StatementFacts['statement']['tokens'], def: Node): number {
  const start = s.statement.at(def.location);
  let depth = 0;
  let end = start;
  for (const t of tokens) {
    if (t.start <= start) continue;
    if (depth === 0 && (t.text === ',' || ['NOT', 'NULL', 'CHECK', 'REFERENCES', 'CONSTRAINT', 'UNIQUE', 'PRIMARY'].includes(t.keyword))) break;
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    end = t.end;
  }
  return end;
}
