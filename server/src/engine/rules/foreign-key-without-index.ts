import { relationKey, relationName, StatementFacts } from '../facts';
import { defaultName, ident } from '../fixes';
import { Node, nodeOf, Of } from '../ast';
import { elementSpan, Fix, parsedStatements, relationText, Report, Rule } from '../rule';

interface ForeignKey {
  s: StatementFacts;
  table: string;
  columns: string[];
  referenced: string;
  start: number;
  end: number;
  /** The table is created by this migration (by this statement or an earlier one). */
  newTable: boolean;
}

const strings = (items: Node[] | undefined) => (items ?? []).map((i) => i.String?.sval ?? '');

/**
 * Foreign keys whose referencing columns the migration itself creates (a new table, or columns it
 * adds): an index on them can only exist if the migration creates it too, so "no index" is known.
 */
function foreignKeys(statements: StatementFacts[]): { keys: ForeignKey[]; indexes: Map<string, string[][]> } {
  const keys: ForeignKey[] = [];
  const indexes = new Map<string, string[][]>();
  const index = (table: string, columns: string[]) => {
    if (columns.length) indexes.set(table, [...(indexes.get(table) ?? []), columns]);
  };
  const newTables = new Set<string>();
  const newColumns = new Set<string>();
  const keyOf = (c: Of<'Constraint'>, columns: string[]) => (c.contype === 'CONSTR_PRIMARY' || c.contype === 'CONSTR_UNIQUE' ? columns : undefined);
  for (const s of statements) {
    const create = nodeOf(s.statement, 'CreateStmt');
    const indexStmt = nodeOf(s.statement, 'IndexStmt');
    const alter = nodeOf(s.statement, 'AlterTableStmt');
    if (create) {
      const table = relationKey(create.relation);
      newTables.add(table);
      for (const e of create.tableElts ?? []) {
        const column = e.ColumnDef;
        for (const c of (column?.constraints ?? []).map((x) => x.Constraint ?? {})) {
          const own = keyOf(c, [column?.colname ?? '']);
          if (own) index(table, own);
          if (c.contype !== 'CONSTR_FOREIGN') continue;
          const span = elementSpan(s, s.statement.at(column?.location ?? 0));
          keys.push({ s, table, columns: [column?.colname ?? ''], referenced: relationName(c.pktable), ...span, newTable: true });
        }
        const c = e.Constraint;
        if (!c) continue;
        const own = keyOf(c, strings(c.keys));
        if (own) index(table, own);
        if (c.contype === 'CONSTR_FOREIGN') {
          const span = elementSpan(s, s.statement.at(c.location ?? 0));
          keys.push({ s, table, columns: strings(c.fk_attrs), referenced: relationName(c.pktable), ...span, newTable: true });
        }
      }
    } else if (indexStmt) {
      index(relationKey(indexStmt.relation), (indexStmt.indexParams ?? []).map((p) => p.IndexElem?.name ?? ''));
    } else if (alter?.objtype === 'OBJECT_TABLE') {
      const table = relationKey(alter.relation);
      for (const cmd of s.commands) {
        const def = cmd.node.def ?? {};
        if (cmd.subtype === 'AT_AddColumn') {
          const column = def.ColumnDef ?? {};
          const colname = column.colname ?? '';
          newColumns.add(`${table}.${colname}`);
          for (const c of (column.constraints ?? []).map((x) => x.Constraint ?? {})) {
            const own = keyOf(c, [colname]);
            if (own) index(table, own);
            if (c.contype === 'CONSTR_FOREIGN') keys.push({ s, table, columns: [colname], referenced: relationName(c.pktable), start: cmd.start, end: cmd.end, newTable: newTables.has(table) });
          }
        } else if (cmd.subtype === 'AT_AddConstraint') {
          const c = def.Constraint ?? {};
          const own = keyOf(c, strings(c.keys));
          if (own) index(table, own);
          if (c.contype !== 'CONSTR_FOREIGN') continue;
          const columns = strings(c.fk_attrs);
          // Columns that existed before the migration may have an index we cannot see.
          if (!newTables.has(table) && !columns.every((col) => newColumns.has(`${table}.${col}`))) continue;
          keys.push({ s, table, columns, referenced: relationName(c.pktable), start: cmd.start, end: cmd.end, newTable: newTables.has(table) });
        }
      }
    }
  }
  return { keys, indexes };
}

/** An index serves the foreign key when the key's columns are its leading columns, in any order. */
function covered(fk: ForeignKey, indexes: Map<string, string[][]>): boolean {
  return (indexes.get(fk.table) ?? []).some((cols) => cols.length >= fk.columns.length && fk.columns.every((c) => cols.slice(0, fk.columns.length).includes(c)));
}

function addIndex(fk: ForeignKey): Fix[] {
  if (!fk.newTable) return [];
  const relation = nodeOf(fk.s.statement, 'CreateStmt')?.relation ?? nodeOf(fk.s.statement, 'AlterTableStmt')?.relation;
  const name = ident(defaultName(relation?.relname, ...fk.columns, 'idx'));
  const at = fk.s.statement.terminatorEnd ?? fk.s.statement.end;
  const sql = `CREATE INDEX ${name} ON ${relationText(fk.s, relation?.location) ?? fk.table} (${fk.columns.map(ident).join(', ')});`;
  // The table is new: a plain CREATE INDEX right after it locks nobody out.
  return [{ title: `Add ${sql}`, safety: 'unsafe', edits: [{ start: at, end: at, newText: `${fk.s.statement.terminatorEnd ? '' : ';'}\n${sql}` }] }];
}

export const rule: Rule = {
  meta: {
    id: 'foreign-key-without-index',
    severity: 'warning',
    messages: {
      noIndex:
        'No index on {{table}} ({{columns}}) for its foreign key to {{referenced}}: every DELETE from {{referenced}}, and every UPDATE of its key, reads all of {{table}} to check it, holding its locks meanwhile. Add an index whose leading columns are ({{columns}}).',
    },
    docs: {
      summary: 'A foreign key whose referencing columns, created by the migration, get no index.',
      why: `PostgreSQL indexes the referenced side of a foreign key (it must be a primary key or unique) but not the
referencing side. Each DELETE on the referenced table, and each UPDATE of its key, must find the rows
that point at it: without an index on the referencing columns that is a sequential scan of the
referencing table, per deleted row, while the deleting transaction holds its locks. A cleanup job
deleting a few thousand parents then reads the child table thousands of times; ON DELETE CASCADE
makes it worse. Joins from the parent to its children are slow for the same reason.`,
      unsafe: `CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), sku text);`,
      safe: `CREATE TABLE order_items (id bigint PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders (id), sku text);
CREATE INDEX order_items_order_id_idx ON order_items (order_id);`,
      notes: `Only foreign keys on columns the migration creates (a new table, or columns it adds) are checked: the
index of an older column may come from an earlier migration. An index whose leading columns are the
key's columns counts, in any order, and so does a primary key or unique constraint that starts with
them. On an existing table, build the index with CREATE INDEX CONCURRENTLY (see require-concurrent-index).`,
    },
    fixable: ['unsafe'],
  },
  check(file) {
    const { keys, indexes } = foreignKeys(parsedStatements(file));
    const reports: Report[] = [];
    for (const fk of keys) {
      if (covered(fk, indexes)) continue;
      reports.push({ start: fk.start, end: fk.end, messageId: 'noIndex', data: { table: fk.table, columns: fk.columns.join(', '), referenced: fk.referenced }, fixes: addIndex(fk) });
    }
    return reports;
  },
};
