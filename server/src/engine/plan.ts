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
import { migrationContext, segmentAt } from './context';
import { toolById } from './tools';
import { Node, nodeOf, Of } from './ast';
import { parseFileInFull, Statement } from './parse';
import { isSerial, relationText, typeOf } from './rule';
import { Settings, sqlLiteral } from './settings';

/** The table an ALTER TABLE or RENAME acts on. */
const relationOf = (s: StatementFacts) => (nodeOf(s.statement, 'AlterTableStmt') ?? nodeOf(s.statement, 'RenameStmt'))?.relation;

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
  /** Extensions the connected database's server has but that are not installed there (pg_available_extensions). */
  available?: readonly string[];
}

/** The plan options the settings give (batch size, pause, lock_timeout), and what a database probe found. */
export function planOptions(settings: Settings, probed: Pick<PlanOptions, 'extensions' | 'available'> = {}): PlanOptions {
  return { batchSize: settings.planBatchSize, pause: settings.planPauseSeconds, lockTimeout: settings.lockTimeout, ...probed };
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
  const pk = s.catalog.get(relationKey(relationOf(s)))?.primaryKey;
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
        else refs.push(s.statement.at(node.ColumnRef.location ?? 0) - start);
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
function addSequenced(file: FileFacts, s: StatementFacts, column: Of<'ColumnDef'>, o: PlanOptions): Plan | undefined {
  const n = { relation: relationOf(s) };
  const table = relationText(s, n.relation?.location) ?? ident(n.relation?.relname ?? '');
  const relname = n.relation?.relname as string;
  const name = column.colname as string;
  const col = ident(name);
  const constraints = (column.constraints ?? []).map((c) => c.Constraint ?? {});
  const identity = constraints.find((c) => c.contype === 'CONSTR_IDENTITY');
  const last = typeOf(column);
  const type = SERIAL_TYPES[last] ?? (identity ? file.parsed.text.slice(s.statement.at(column.typeName?.location ?? 0), s.statement.at(identity.location ?? 0)).trim() : undefined);
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
function addGenerated(file: FileFacts, s: StatementFacts, cmdEnd: number, column: Of<'ColumnDef'>, generated: Of<'Constraint'>, o: PlanOptions): Plan | undefined {
  const n = { relation: relationOf(s) };
  const table = relationText(s, n.relation?.location) ?? ident(n.relation?.relname ?? '');
  const relname = n.relation?.relname as string;
  const name = column.colname as string;
  const col = ident(name);
  const typeStart = s.statement.at(column.typeName?.location ?? -1);
  const typeEnd = s.statement.tokens.find((t) => t.start > typeStart && ['GENERATED', 'NOT', 'NULL', 'CHECK', 'REFERENCES', 'CONSTRAINT', 'COLLATE', 'DEFAULT'].includes(t.keyword))?.start;
  const span = parenthesised(s, s.statement.at(generated.location ?? 0));
  if (typeStart < 0 || typeEnd === undefined || !span || span.end > cmdEnd) return undefined;
  const type = file.parsed.text.slice(typeStart, typeEnd).trim();
  const expr = file.parsed.text.slice(span.start, span.end).trim();
  const lead = file.parsed.text.slice(span.start, span.end).length - file.parsed.text.slice(span.start, span.end).trimStart().length;
  const row = generated.raw_expr && forTrigger(s, generated.raw_expr, expr, span.start + lead);
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
  const cluster = nodeOf(s.statement, 'ClusterStmt');
  const found = cluster ? [cluster.relation] : (nodeOf(s.statement, 'VacuumStmt')?.rels ?? []).map((r) => r.VacuumRelation?.relation);
  const relations = found.filter((r): r is Of<'RangeVar'> & { relname: string } => Boolean(r?.relname));
  if (!relations.length || relations.length !== found.length) return undefined;
  const index = cluster?.indexname;
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

/** Whether the plan for the statement depends on the extensions of the database (VACUUM FULL, CLUSTER). */
const readsExtensions = (s: StatementFacts) => (s.kind === 'VacuumStmt' && s.rewrites.length > 0) || s.kind === 'ClusterStmt';

/** Whether the plan for the statement at `index` depends on PlanOptions.extensions: the adapters probe the database only then. */
export function planReadsExtensions(file: FileFacts, index: number): boolean {
  const s = file.statements[index];
  return !!s && readsExtensions(s);
}

/** Why VACUUM FULL / CLUSTER has no plan: no database to ask, or neither tool installed (and whether the server has one to install). */
function withoutRepack(o: PlanOptions): string {
  if (!o.extensions) return 'no database is connected to tell whether pg_squeeze or pg_repack is installed (--database): no statement rewrites a table without ACCESS EXCLUSIVE';
  const installable = ['pg_squeeze', 'pg_repack'].filter((x) => o.available?.includes(x));
  const hint = installable.length ? ` (${installable.join(' and ')} ${installable.length > 1 ? 'are' : 'is'} available on its server: CREATE EXTENSION ${installable[installable.length - 1]}, then plan again)` : '';
  return `neither pg_squeeze nor pg_repack is installed on the connected database${hint}: no statement rewrites a table without ACCESS EXCLUSIVE (see the rule's docs)`;
}

const timeouts = (o: PlanOptions) => `SET lock_timeout = ${sqlLiteral(o.lockTimeout)};`;

/** A plan, or why none can be written for the statement (what is missing). */
export type PlanAnswer = { plan: Plan } | { missing: string };

/**
 * A column's type changed without the rewrite: a new column kept in sync by a trigger, filled in
 * batches with the change's USING expression (or an explicit cast), given the old column's NOT
 * NULL, default, foreign keys and CHECKs (recreated NOT VALID, then validated) and indexes (built
 * CONCURRENTLY), then swapped in. What the earlier migrations show is written out; what they do
 * not is read from the database by the steps themselves, and the contract step refuses to drop
 * the old column while anything the plan did not move still depends on it.
 */
function typeChange(file: FileFacts, s: StatementFacts, cmd: Of<'AlterTableCmd'>, o: PlanOptions): PlanAnswer {
  const n = { relation: relationOf(s) };
  const table = relationText(s, n.relation?.location) ?? ident(n.relation?.relname ?? '');
  const info = s.catalog.get(relationKey(n.relation));
  const column = cmd.name as string;
  const col = ident(column);
  const next = ident(`${column}_new`);
  const old = ident(`${column}_old`);
  const def = cmd.def?.ColumnDef ?? {};
  const typeNode = def.typeName ?? {};
  const typeStart = s.statement.at(typeNode.location ?? 0);
  const commandEnd = s.commands.find((c) => c.node === cmd)?.end ?? s.statement.end;
  const usingToken = s.statement.tokens.find((t) => t.start > typeStart && t.end <= commandEnd && t.keyword === 'USING');
  const type = file.parsed.text.slice(typeStart, usingToken?.start ?? commandEnd).trim();
  // The conversion of a row's value: the change's USING expression, else an explicit cast.
  let convert = `${col}::${type}`;
  let convertRow = `NEW.${col}::${type}`;
  if (usingToken && def.raw_default) {
    const start = s.statement.tokens[s.statement.tokens.indexOf(usingToken) + 1]?.start ?? commandEnd;
    const text = file.parsed.text.slice(start, commandEnd).trim();
    const row = forTrigger(s, def.raw_default, text, start);
    if (!row) return { missing: `the USING expression has qualified column references: write the trigger's conversion by hand` };
    convert = `(${text})`;
    convertRow = `(${row})`;
  }
  const relname = n.relation?.relname as string;
  const primary = info?.primaryKey?.length === 1 && info.primaryKey[0] === column;
  if (info?.primaryKey && info.primaryKey.length > 1 && info.primaryKey.includes(column)) return { missing: `${column} is part of the composite primary key of ${relname}: the plan rebuilds single-column keys only` };
  const referencedBy = [...s.catalog].filter(([, t]) => t.checks.some((c) => c.kind === 'foreign key' && c.references === relationKey(n.relation))).map(([k]) => k);
  if (primary && referencedBy.length) return { missing: `foreign keys of ${referencedBy.join(', ')} reference ${relname}: they must move to the new key too, which this plan does not write` };
  const columnInfo = info?.columns.get(column);
  // NOT NULL as the earlier migrations show it; unknown there, the steps read it from pg_attribute.
  const notNull = primary || columnInfo?.notNull === true;
  const nullUnknown = !primary && !columnInfo;
  const regclass = sqlLiteral(table);
  const attnotnull = `(SELECT attnotnull FROM pg_attribute WHERE attrelid = ${regclass}::regclass AND attname = ${sqlLiteral(column)})`;
  const key = info?.primaryKey?.length === 1 ? ident(info.primaryKey[0]) : undefined;
  const fn = ident(defaultName(relname, column, 'sync'));
  const pkIndex = ident(defaultName(relname, `${column}_new`, 'idx'));
  const check = ident(defaultName(relname, `${column}_new`, 'not_null'));
  const seq = ident(defaultName(relname, column, 'seq'));
  // Indexes the earlier migrations show on the column (besides the primary key): rebuilt on the new one.
  const indexes = [...(info?.indexes ?? [])].filter(([name, x]) => x.columns.includes(column) && !(primary && x.constraint === defaultName(relname, 'pkey')) && !x.columns.includes('(expression)') && name);
  const backfillStep = key
    ? backfill(table, key, `${next} = ${convert}`, `${next} IS DISTINCT FROM ${convert}`, o)
    : backfillByCtid(table, `${next} = ${convert}`, `${next} IS DISTINCT FROM ${convert}`, o);
  const steps: PlanStep[] = [
    {
      slug: 'expand',
      note: `Adds ${column}_new (${type}) and a trigger that copies ${column} into it, converted, on every INSERT and UPDATE. Nothing for the application to do yet.`,
      sql: [
        timeouts(o),
        `ALTER TABLE ${table} ADD COLUMN ${next} ${type};`,
        `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $sync$`,
        'BEGIN',
        `  NEW.${next} := ${convertRow};`,
        '  RETURN NEW;',
        'END',
        '$sync$;',
        `CREATE TRIGGER ${fn} BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${fn}();`,
      ].join('\n'),
    },
    {
      slug: 'backfill',
      note: `Copies ${column} into ${column}_new for the existing rows, converted, in batches. Rows written meanwhile are kept in sync by the trigger.`,
      sql: backfillStep,
    },
  ];
  if (notNull) {
    steps.push({
      slug: 'prepare',
      note: `Proves ${column}_new NOT NULL, as ${column} is, without a long lock.`,
      sql: [timeouts(o), `ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${next} IS NOT NULL) NOT VALID;`, `ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};`].join('\n'),
    });
  } else if (nullUnknown) {
    steps.push({
      slug: 'prepare',
      note: `The earlier migrations do not show whether ${column} is NOT NULL: this step reads it from the database and, if it is, proves ${column}_new NOT NULL without a long lock.`,
      sql: [
        '-- Run outside a transaction block (COMMIT inside DO: PostgreSQL 11+).',
        'DO $prepare$',
        'BEGIN',
        `  PERFORM set_config('lock_timeout', ${sqlLiteral(o.lockTimeout)}, false);`,
        `  IF ${attnotnull} THEN`,
        `    ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${next} IS NOT NULL) NOT VALID;`,
        '    COMMIT;',
        `    ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};`,
        '  END IF;',
        'END',
        '$prepare$;',
      ].join('\n'),
    });
  }
  if (primary) steps.push({ slug: 'key-index', note: `Builds the unique index of ${column}_new without blocking writes.`, sql: `CREATE UNIQUE INDEX CONCURRENTLY ${pkIndex} ON ${table} (${next});` });
  for (const [name, x] of indexes) {
    steps.push({
      slug: 'index',
      note: `Rebuilds ${name} on ${column}_new without blocking writes.`,
      sql: `CREATE ${x.unique ? 'UNIQUE ' : ''}INDEX CONCURRENTLY ${ident(defaultName(name, 'new'))} ON ${table} (${x.columns.map((c) => ident(c === column ? `${column}_new` : c)).join(', ')});`,
    });
  }
  // Foreign keys and CHECKs on the column alone, as the database has them: recreated on the new
  // column NOT VALID, each validated in a transaction of its own.
  steps.push({
    slug: 'constraints',
    note: `Recreates the foreign keys and CHECK constraints of ${column} on ${column}_new: each added NOT VALID (a short lock), then validated without blocking writes. A definition that does not hold for the new type fails here, before anything is swapped.`,
    sql: [
      '-- Run outside a transaction block (COMMIT inside DO: PostgreSQL 11+).',
      'DO $constraints$',
      'DECLARE',
      '  c record;',
      'BEGIN',
      `  PERFORM set_config('lock_timeout', ${sqlLiteral(o.lockTimeout)}, false);`,
      `  FOR c IN SELECT conname, contype, regexp_replace(pg_get_constraintdef(oid), ' NOT VALID$', '') AS def FROM pg_constraint`,
      `           WHERE conrelid = ${regclass}::regclass AND contype IN ('f', 'c')`,
      `             AND conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = ${regclass}::regclass AND attname = ${sqlLiteral(column)})] LOOP`,
      `    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s NOT VALID', ${regclass}, c.conname || '_new',`,
      `      CASE c.contype WHEN 'f' THEN regexp_replace(c.def, '^FOREIGN KEY \\([^)]*\\)', ${sqlLiteral(`FOREIGN KEY (${next})`)})`,
      `                     ELSE regexp_replace(c.def, ${sqlLiteral(`\\m${column.replace(/[^A-Za-z0-9_]/g, '\\$&')}\\M`)}, ${sqlLiteral(next)}, 'g') END);`,
      '    COMMIT;',
      `    EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', ${regclass}, c.conname || '_new');`,
      '    COMMIT;',
      '  END LOOP;',
      'END',
      '$constraints$;',
    ].join('\n'),
  });
  steps.push({
    slug: 'switch',
    note: `Swaps the columns in one short transaction: ${column} is now ${type}${primary ? ' and the primary key' : ''}, with the old column's default; the old values stay in ${column}_old. Deploy code that no longer writes ${column}_old before the next step.`,
    sql: [
      timeouts(o),
      'BEGIN;',
      `DROP TRIGGER ${fn} ON ${table};`,
      `DROP FUNCTION ${fn}();`,
      ...(primary
        ? [
            `ALTER TABLE ${table} DROP CONSTRAINT ${ident(defaultName(relname, 'pkey'))};`,
            `ALTER TABLE ${table} ALTER COLUMN ${next} SET NOT NULL;`,
            `ALTER TABLE ${table} ADD CONSTRAINT ${ident(defaultName(relname, 'pkey'))} PRIMARY KEY USING INDEX ${pkIndex};`,
          ]
        : notNull
          ? [`ALTER TABLE ${table} ALTER COLUMN ${next} SET NOT NULL;`]
          : nullUnknown
            ? [`DO $notnull$ BEGIN IF ${attnotnull} THEN ALTER TABLE ${table} ALTER COLUMN ${next} SET NOT NULL; END IF; END $notnull$;`]
            : []),
      ...(notNull ? [`ALTER TABLE ${table} DROP CONSTRAINT ${check};`] : nullUnknown ? [`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${check};`] : []),
      // The old column's default, converted, moves to the new one.
      'DO $default$',
      'DECLARE',
      '  d text;',
      'BEGIN',
      `  SELECT pg_get_expr(adbin, adrelid) INTO d FROM pg_attrdef WHERE adrelid = ${regclass}::regclass`,
      `    AND adnum = (SELECT attnum FROM pg_attribute WHERE attrelid = ${regclass}::regclass AND attname = ${sqlLiteral(column)});`,
      '  IF d IS NOT NULL THEN',
      `    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I DROP DEFAULT', ${regclass}, ${sqlLiteral(column)});`,
      `    EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET DEFAULT (%s)::%s', ${regclass}, ${sqlLiteral(`${column}_new`)}, d, ${sqlLiteral(type)});`,
      '  END IF;',
      'END',
      '$default$;',
      ...indexes.filter(([, x]) => x.constraint).flatMap(([name, x]) => [
        `ALTER TABLE ${table} DROP CONSTRAINT ${ident(x.constraint!)};`,
        `ALTER TABLE ${table} ADD CONSTRAINT ${ident(x.constraint!)} UNIQUE USING INDEX ${ident(defaultName(name, 'new'))};`,
      ]),
      ...indexes.filter(([, x]) => !x.constraint).flatMap(([name]) => [`ALTER INDEX ${schemaOf(n)}${ident(name)} RENAME TO ${ident(defaultName(name, 'old'))};`, `ALTER INDEX ${schemaOf(n)}${ident(defaultName(name, 'new'))} RENAME TO ${ident(name)};`]),
      `ALTER TABLE ${table} RENAME COLUMN ${col} TO ${old};`,
      `ALTER TABLE ${table} RENAME COLUMN ${next} TO ${col};`,
      `ALTER TABLE ${table} ALTER COLUMN ${old} DROP NOT NULL;`,
      ...(primary
        ? [
            `-- The sequence behind a serial ${column} moves to the new column, and grows to bigint.`,
            `ALTER SEQUENCE IF EXISTS ${seq} AS bigint;`,
            `ALTER SEQUENCE IF EXISTS ${seq} OWNED BY ${table}.${col};`,
          ]
        : []),
      'COMMIT;',
    ].join('\n'),
  });
  for (const [name] of indexes.filter(([, x]) => !x.constraint)) {
    steps.push({ slug: 'drop-index', note: `Drops ${name}_old, the old column's index, without blocking writes.`, sql: `DROP INDEX CONCURRENTLY IF EXISTS ${schemaOf(n)}${ident(defaultName(name, 'old'))};` });
  }
  steps.push({
    slug: 'contract',
    note: `Drops ${column}_old once no deployed code reads it, and gives the recreated constraints their names back. Refuses while an index or constraint the plan did not move still uses ${column}_old (the earlier migrations did not show it): move it first.`,
    sql: [
      timeouts(o),
      'BEGIN;',
      'DO $contract$',
      'DECLARE',
      '  left_over text;',
      'BEGIN',
      `  SELECT string_agg(name, ', ') INTO left_over FROM (`,
      `    SELECT i.indexrelid::regclass::text AS name FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)`,
      `      WHERE i.indrelid = ${regclass}::regclass AND a.attname = ${sqlLiteral(`${column}_old`)}`,
      '    UNION ALL',
      `    SELECT c.conname::text FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)`,
      `      WHERE c.conrelid = ${regclass}::regclass AND a.attname = ${sqlLiteral(`${column}_old`)} AND (c.contype NOT IN ('f', 'c') OR cardinality(c.conkey) > 1)) used;`,
      `  IF left_over IS NOT NULL THEN RAISE EXCEPTION 'still on ${column}_old, move to ${column} first: %', left_over; END IF;`,
      'END',
      '$contract$;',
      `ALTER TABLE ${table} DROP COLUMN ${old};`,
      'DO $names$',
      'DECLARE',
      '  c record;',
      'BEGIN',
      `  FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = ${regclass}::regclass AND contype IN ('f', 'c') AND conname LIKE '%\\_new'`,
      `             AND conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = ${regclass}::regclass AND attname = ${sqlLiteral(column)})] LOOP`,
      `    EXECUTE format('ALTER TABLE %s RENAME CONSTRAINT %I TO %I', ${regclass}, c.conname, left(c.conname, -4));`,
      '  END LOOP;',
      'END',
      '$names$;',
      'COMMIT;',
    ].join('\n'),
  });
  return { plan: { title: `Change ${relname}.${column} to ${type} without a rewrite under ACCESS EXCLUSIVE`, steps } };
}

const schemaOf = (n: { relation?: Of<'RangeVar'> }): string => (n.relation?.schemaname ? `${ident(n.relation.schemaname)}.` : '');

function renameColumn(s: StatementFacts, o: PlanOptions): Plan {
  const r = nodeOf(s.statement, 'RenameStmt');
  const n = { relation: r?.relation, subname: r?.subname ?? '', newname: r?.newname ?? '' };
  const info = s.catalog.get(relationKey(n.relation))?.columns.get(n.subname);
  const table = relationText(s, n.relation?.location) ?? n.relation?.relname ?? '';
  const [from, to] = [ident(n.subname), ident(n.newname)];
  const type = info ? `${info.type}${info.typmods.length ? `(${info.typmods.join(', ')})` : ''}${info.isArray ? '[]' : ''}` : undefined;
  // The type from the earlier migrations; unknown there, read from the database when the step runs.
  const addColumn = type
    ? [`ALTER TABLE ${table} ADD COLUMN ${to} ${type};`]
    : [
        `-- The earlier migrations do not say ${n.subname}'s type: it is read from the database (the step fails if ${n.subname} is not there).`,
        'DO $expand$',
        'DECLARE',
        '  t text;',
        'BEGIN',
        `  SELECT format_type(atttypid, atttypmod) INTO t FROM pg_attribute WHERE attrelid = ${sqlLiteral(table)}::regclass AND attname = ${sqlLiteral(n.subname)} AND NOT attisdropped;`,
        `  IF t IS NULL THEN RAISE EXCEPTION 'no column ${n.subname.replace(/'/g, "''").replace(/%/g, '%%')} in %', ${sqlLiteral(table)}; END IF;`,
        `  EXECUTE format('ALTER TABLE %s ADD COLUMN %I %s', ${sqlLiteral(table)}, ${sqlLiteral(n.newname)}, t);`,
        'END',
        '$expand$;',
      ];
  const fn = ident(defaultName(n.relation?.relname, 'sync', n.newname));
  return {
    title: `Rename ${n.relation?.relname}.${n.subname} to ${n.newname} without breaking running code`,
    steps: [
      {
        slug: 'expand',
        note: `Adds ${n.newname}, kept equal to ${n.subname} on every write in either direction.`,
        sql: [
          timeouts(o),
          ...addColumn,
          ...syncTriggerSql(table, from, to, fn),
        ].join('\n'),
      },
      { slug: 'backfill', note: `Copies ${n.subname} into ${n.newname} for the existing rows. Then deploy code that reads and writes ${n.newname} only.`, sql: backfillOf(s, table, `${to} = ${from}`, `${to} IS DISTINCT FROM ${from}`, o) },
      { slug: 'contract', note: `Once no deployed code uses ${n.subname}.`, sql: [timeouts(o), `DROP TRIGGER ${fn} ON ${table};`, `DROP FUNCTION ${fn}();`, `ALTER TABLE ${table} DROP COLUMN ${from};`].join('\n') },
    ],
  };
}

function renameTable(s: StatementFacts, o: PlanOptions): Plan {
  const r = nodeOf(s.statement, 'RenameStmt');
  const n = { relation: r?.relation, subname: r?.subname ?? '', newname: r?.newname ?? '' };
  const schema = n.relation?.schemaname ? `${ident(n.relation.schemaname)}.` : '';
  const [from, to] = [`${schema}${ident(n.relation?.relname ?? '')}`, `${schema}${ident(n.newname)}`];
  return {
    title: `Rename ${n.relation?.relname} to ${n.newname} without breaking running code`,
    steps: [
      { slug: 'rename', note: `Renames the table and leaves an updatable view under the old name, in one transaction. Then deploy code that uses ${n.newname}.`, sql: [timeouts(o), 'BEGIN;', `ALTER TABLE ${from} RENAME TO ${ident(n.newname)};`, `CREATE VIEW ${from} AS SELECT * FROM ${to};`, 'COMMIT;'].join('\n') },
      { slug: 'contract', note: `Once no deployed code uses ${n.relation?.relname}.`, sql: [timeouts(o), `DROP VIEW ${from};`].join('\n') },
    ],
  };
}

function notNull(s: StatementFacts, column: string, o: PlanOptions, added?: { type: string; value?: string }, required = true): Plan {
  const n = { relation: relationOf(s) };
  const table = relationText(s, n.relation?.location) ?? n.relation?.relname ?? '';
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
  if (required) steps.push(enforceNotNull(table, n.relation?.relname ?? '', column, o));
  return required
    ? { title: `Make ${n.relation?.relname}.${column} NOT NULL without a scan under ACCESS EXCLUSIVE`, steps }
    : { title: `Add ${n.relation?.relname}.${column} with its default without rewriting ${n.relation?.relname} under ACCESS EXCLUSIVE`, steps };
}

/** The plan for the statement at `index`, or what it lacks; undefined when plans do not cover what it does. */
function answerFor(file: FileFacts, index: number, o: PlanOptions): PlanAnswer | undefined {
  const some = (plan: Plan | undefined, missing: string): PlanAnswer => (plan ? { plan } : { missing });
  const s = file.statements[index];
  if (!s || s.kind === 'SyntaxError') return undefined;
  const rename = nodeOf(s.statement, 'RenameStmt')?.renameType;
  if (rename === 'OBJECT_COLUMN') return { plan: renameColumn(s, o) };
  if (rename === 'OBJECT_TABLE') return { plan: renameTable(s, o) };
  if (readsExtensions(s)) return some(repack(s, o), withoutRepack(o));
  if (s.kind !== 'AlterTableStmt') return undefined;
  for (const cmd of s.commands) {
    if (cmd.subtype === 'AT_AlterColumnType') return typeChange(file, s, cmd.node, o);
    if (cmd.subtype === 'AT_SetNotNull') return { plan: notNull(s, cmd.node.name ?? '', o) };
    if (cmd.subtype === 'AT_AddColumn') {
      const column = cmd.node.def?.ColumnDef ?? {};
      const constraints = (column.constraints ?? []).map((c) => c.Constraint ?? {});
      if (isSerial(column) || constraints.some((c) => c.contype === 'CONSTR_IDENTITY')) return some(addSequenced(file, s, column, o), 'the column\'s type could not be read from the statement');
      const generated = constraints.find((c) => c.contype === 'CONSTR_GENERATED' && c.generated_kind === 's');
      if (generated) return some(addGenerated(file, s, cmd.end, column, generated, o), 'the generation expression has qualified column references: write the trigger by hand');
      const rewrites = s.rewrites.length > 0 && constraints.some((c) => c.contype === 'CONSTR_DEFAULT');
      if (!constraints.some((c) => c.contype === 'CONSTR_NOTNULL') && !rewrites) continue;
      const def = constraints.find((c) => c.contype === 'CONSTR_DEFAULT');
      const tokens = cmd.tokens;
      const typeStart = s.statement.at(column.typeName?.location ?? 0);
      const typeEnd = tokens.find((t) => t.start > typeStart && ['NOT', 'DEFAULT', 'NULL', 'CHECK', 'REFERENCES', 'CONSTRAINT'].includes(t.keyword))?.start ?? cmd.end;
      const type = file.parsed.text.slice(typeStart, typeEnd).trim();
      const value = def ? file.parsed.text.slice(s.statement.at(def.raw_expr ? firstLocation(def.raw_expr) : (def.location ?? 0)), clauseEnd(s, cmd.tokens, def)).trim() : undefined;
      return { plan: notNull(s, column.colname ?? '', o, { type, value }, constraints.some((c) => c.contype === 'CONSTR_NOTNULL')) };
    }
  }
  return undefined;
}

/**
 * The plan for the statement at `index` or, when one of its kind cannot be written here, what is
 * missing (said before the plan is chosen); undefined when plans do not cover the statement. For a
 * tool that runs each file in one transaction, each part that must commit apart is a step of its own.
 */
export function planAnswer(file: FileFacts, index: number, o: PlanOptions): PlanAnswer | undefined {
  const answer = answerFor(file, index, o);
  if (!answer || !('plan' in answer) || !wrapsSeveral(file)) return answer;
  return { plan: { ...answer.plan, steps: answer.plan.steps.flatMap((step) => ownTransactions(step, file.context.framework)) } };
}

/**
 * Whether the file's tool runs a migration of several statements in one transaction: how it will
 * run the planned steps (Prisma runs a file of one statement on its own, of two in one transaction).
 */
function wrapsSeveral(file: FileFacts): boolean {
  const where = file.context.location;
  const path = where ? `${where.folder}/${where.base}` : undefined;
  const settings = { ...file.settings, framework: file.context.framework };
  // Two statements, written the way the tool writes a plan step (dbmate's markers...).
  const body = 'SELECT 1;\nSELECT 2;\n';
  const step = { slug: 'step', note: '', sql: body };
  const text = toolById(file.context.framework)?.sql?.planFile?.({ base: where?.base ?? 'x.sql', folder: where?.folder ?? '', n: 1, step, plan: { title: '', steps: [step] }, body }).content ?? body;
  const parsed = parseFileInFull(text);
  const first = parsed.statements.find((st) => st.kind === 'SelectStmt');
  const context = migrationContext(path, parsed, settings, where?.probe);
  return first ? segmentAt(context, first.start).transaction : context.wrapsInTransaction;
}

/** The plan for the statement at `index`, when one can be written. */
export function planFor(file: FileFacts, index: number, o: PlanOptions): Plan | undefined {
  const answer = planAnswer(file, index, o);
  return answer && 'plan' in answer ? answer.plan : undefined;
}

/** Runs outside any transaction block and so alone in its migration: CONCURRENTLY, a DO block that commits. */
const alone = (st: Statement) => /\bCONCURRENTLY\b/i.test(st.text) || (st.kind === 'DoStmt' && /\bCOMMIT\b/i.test(st.text));
/** Must commit apart from what comes before it in the step: VALIDATE after its NOT VALID. */
const startsTransaction = (st: Statement) => (nodeOf(st, 'AlterTableStmt')?.cmds ?? []).some((c) => c.AlterTableCmd?.subtype === 'AT_ValidateConstraint');

/**
 * A step as migrations of a tool that runs each file in one transaction: its explicit BEGIN /
 * COMMIT dropped (the file is the transaction), and split where a part must commit apart from
 * the one before (VALIDATE after the NOT VALID ADD) or run outside a transaction (alone).
 */
function ownTransactions(step: PlanStep, tool: string): PlanStep[] {
  const parsed = parseFileInFull(step.sql).statements;
  if (parsed.some((st) => st.kind === 'SyntaxError')) return [step];
  const control = parsed.filter((st) => st.kind === 'TransactionStmt');
  const body = parsed.filter((st) => st.kind !== 'TransactionStmt');
  const settings = body.filter((st) => st.kind === 'VariableSetStmt');
  const units: Statement[][] = [];
  for (const st of body) {
    const last = units[units.length - 1];
    if (st.kind === 'VariableSetStmt' && !last) continue;
    if (!last || alone(st) || startsTransaction(st) || last.some(alone)) units.push([st]);
    else last.push(st);
  }
  if (units.length <= 1 && !control.length) return [step];
  if (units.length === 1 && units[0].some(alone)) return [step];
  return units.map((unit, k) => {
    const head = unit.some(alone) ? [] : settings.map((st) => `${st.text};`);
    const lead = k === 0 ? leadingComments(step.sql) : '';
    return {
      slug: k === 0 ? step.slug : `${step.slug}-${k + 1}`,
      note: k === 0 ? step.note : `Part ${k + 1} of "${step.slug}": it must commit apart from the part before (${tool} runs each migration in one transaction).`,
      sql: `${lead}${[...head, ...unit.map((st) => `${st.text};`)].join('\n')}`,
    };
  });
}

/** The comment lines a step's SQL starts with. */
function leadingComments(sql: string): string {
  return /^(?:--[^\n]*\n)*/.exec(sql)?.[0] ?? '';
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

function clauseEnd(s: StatementFacts, tokens: StatementFacts['statement']['tokens'], def: Of<'Constraint'>): number {
  const start = s.statement.at(def.location ?? 0);
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
