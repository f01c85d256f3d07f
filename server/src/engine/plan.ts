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
import { relationText } from './rule';
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
}

/** A batched, resumable backfill: one transaction per batch of key range, a pause between. */
function backfill(table: string, key: string, set: string, pending: string, o: PlanOptions): string {
  return [
    `-- ${o.batchSize} rows per transaction, resumable: rows already done are skipped.`,
    '-- Run outside a transaction block (COMMIT inside DO: PostgreSQL 11+).',
    ...keyRangeLoop({ tag: 'backfill', table, key, size: o.batchSize, pause: o.pause, statement: (inRange) => `UPDATE ${table} SET ${set} WHERE ${inRange(key)} AND ${pending}` }),
  ].join('\n');
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

function notNull(s: StatementFacts, column: string, o: PlanOptions, added?: { type: string; value?: string }): Plan {
  const n = s.statement.node ?? {};
  const table = relationText(s, n.relation?.location) ?? n.relation?.relname;
  const col = ident(column);
  const check = ident(defaultName(n.relation?.relname, column, 'not_null'));
  const key = ident(s.catalog.get(relationKey(n.relation))?.primaryKey?.[0] ?? 'id');
  const steps: PlanStep[] = [];
  if (added) {
    steps.push({
      slug: 'expand',
      note: `Adds ${column} nullable${added.value ? `, with ${added.value} as the default for new rows` : ''}. Deploy code that writes ${column} before the backfill.`,
      sql: [timeouts(o), `ALTER TABLE ${table} ADD COLUMN ${col} ${added.type};`, ...(added.value ? [`ALTER TABLE ${table} ALTER COLUMN ${col} SET DEFAULT ${added.value};`] : [])].join('\n'),
    });
    if (added.value) steps.push({ slug: 'backfill', note: `Fills ${column} for the existing rows.`, sql: backfill(table, key, `${col} = ${added.value}`, `${col} IS NULL`, o) });
  }
  steps.push({
    slug: 'enforce',
    note: `Makes ${column} NOT NULL: the CHECK is validated without blocking writes, then SET NOT NULL skips its scan (PostgreSQL 12+).`,
    sql: [
      timeouts(o),
      `ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL) NOT VALID;`,
      `ALTER TABLE ${table} VALIDATE CONSTRAINT ${check};`,
      `ALTER TABLE ${table} ALTER COLUMN ${col} SET NOT NULL;`,
      `ALTER TABLE ${table} DROP CONSTRAINT ${check};`,
    ].join('\n'),
  });
  return { title: `Make ${n.relation?.relname}.${column} NOT NULL without a scan under ACCESS EXCLUSIVE`, steps };
}

/** The plan for the statement at `index`, when there is one for what it does. */
export function planFor(file: FileFacts, index: number, o: PlanOptions): Plan | undefined {
  const s = file.statements[index];
  if (!s || s.kind === 'SyntaxError') return undefined;
  const n = s.statement.node ?? {};
  if (s.kind === 'RenameStmt' && n.renameType === 'OBJECT_COLUMN') return renameColumn(s, o);
  if (s.kind === 'RenameStmt' && n.renameType === 'OBJECT_TABLE') return renameTable(s, o);
  if (s.kind !== 'AlterTableStmt') return undefined;
  for (const cmd of s.commands) {
    if (cmd.subtype === 'AT_AlterColumnType') return typeChange(file, s, cmd.node, o);
    if (cmd.subtype === 'AT_SetNotNull') return notNull(s, cmd.node.name ?? '', o);
    if (cmd.subtype === 'AT_AddColumn') {
      const column = cmd.node.def?.ColumnDef ?? {};
      const constraints = ((column.constraints ?? []) as Node[]).map((c) => c.Constraint ?? {});
      if (!constraints.some((c) => c.contype === 'CONSTR_NOTNULL')) continue;
      const def = constraints.find((c) => c.contype === 'CONSTR_DEFAULT');
      const tokens = cmd.tokens;
      const typeStart = s.statement.at(column.typeName?.location ?? 0);
      const typeEnd = tokens.find((t) => t.start > typeStart && ['NOT', 'DEFAULT', 'NULL', 'CHECK', 'REFERENCES', 'CONSTRAINT'].includes(t.keyword))?.start ?? cmd.end;
      const type = file.parsed.text.slice(typeStart, typeEnd).trim();
      const value = def ? file.parsed.text.slice(s.statement.at(def.raw_expr ? firstLocation(def.raw_expr) : def.location), clauseEnd(s, cmd.tokens, def)).trim() : undefined;
      return notNull(s, column.colname ?? '', o, { type, value });
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
