import { nodeOf, Of } from '../ast';
import { publishingChanges, relationKey } from '../catalog';
import { StatementFacts } from '../facts';
import { parsedStatements, Report, Rule } from '../rule';

/** The subcommand gives the table a new row identity: a primary key (ADD PRIMARY KEY, ADD COLUMN ... PRIMARY KEY), or REPLICA IDENTITY USING INDEX / FULL. */
const identifies = (cmd: Of<'AlterTableCmd'>) =>
  (cmd.subtype === 'AT_AddConstraint' && cmd.def?.Constraint?.contype === 'CONSTR_PRIMARY') ||
  (cmd.subtype === 'AT_AddColumn' && (cmd.def?.ColumnDef?.constraints ?? []).some((c) => c.Constraint?.contype === 'CONSTR_PRIMARY')) ||
  (cmd.subtype === 'AT_ReplicaIdentity' && ['i', 'f'].includes(cmd.def?.ReplicaIdentityStmt?.identity_type ?? ''));

const tableName = (key: string) => key.slice(key.lastIndexOf('.') + 1);

/** The constraint is the table's primary key: PostgreSQL's name for it, or one the migrations created. */
function isPrimaryKey(s: StatementFacts, key: string, name: string): boolean {
  if (name === `${tableName(key)}_pkey`.slice(0, 63)) return true;
  const table = s.catalog.get(key);
  const index = table?.indexes?.get(name);
  return Boolean(table?.primaryKey && index?.constraint === name && index.columns.join() === table.primaryKey.join());
}

export const rule: Rule = {
  meta: {
    id: 'drop-primary-key-of-published-table',
    severity: 'error',
    messages: {
      dropped:
        'Dropping the primary key of {{table}}, which publication {{publication}} publishes: from this statement until a new primary key or replica identity is in place, every UPDATE and DELETE on {{table}} fails ("cannot update table because it does not have a replica identity and publishes updates"). Add the new key in the same ALTER TABLE, or set REPLICA IDENTITY USING INDEX first.',
    },
    docs: {
      summary: 'ALTER TABLE ... DROP CONSTRAINT <primary key> on a table a publication of the migrations publishes.',
      why: `A table in a publication that publishes UPDATE or DELETE (the default) needs a replica identity, and
by default that is its primary key. Once the primary key is dropped, PostgreSQL refuses every UPDATE
and DELETE on the table on the publisher itself: "cannot update table "orders" because it does not
have a replica identity and publishes updates" (and "cannot delete from table"). INSERT goes on. It
does so whatever wal_level is and whether or not anything subscribes (checked on PGlite and Debian's
PostgreSQL, test/claims.pg.test.ts). A migration that drops the key and adds the new one in a later
statement, outside one transaction, breaks the application's writes in between; one that never adds
a new key breaks them for good.`,
      unsafe: `CREATE PUBLICATION orders_feed FOR TABLE orders;
ALTER TABLE orders DROP CONSTRAINT orders_pkey;`,
      noSafeForm: `The way out depends on what identifies the rows afterwards: a new primary key added in the same ALTER
TABLE, or REPLICA IDENTITY USING INDEX on a unique index over NOT NULL columns, set before the key goes.
Migration Guard cannot choose that key for you; the safe SQL below shows both forms.`,
      safe: `CREATE PUBLICATION orders_feed FOR TABLE orders;
-- Swap the key in one statement: the table is never without a replica identity.
ALTER TABLE orders DROP CONSTRAINT orders_pkey, ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_uuid_key;`,
      notes: `Reported when a publication created or altered earlier in the file, or by an earlier migration of its
folder, publishes the table (FOR TABLE, FOR TABLES IN SCHEMA, FOR ALL TABLES) with update or delete in
its publish list. A new primary key or a REPLICA IDENTITY USING INDEX / FULL in the same statement, or
later in the same transaction, or a REPLICA IDENTITY USING INDEX / FULL set earlier (in the file or an
earlier migration), keeps it quiet. Publications made outside the migrations (by a CDC tool or Supabase Realtime) are not seen:
if the table is replicated, the same failure follows. REPLICA IDENTITY FULL avoids the failure at a cost in WAL
(see replica-identity-full).`,
    },
    fixable: [],
  },
  check(file) {
    const reports: Report[] = [];
    const statements = parsedStatements(file);
    statements.forEach((s, i) => {
      const n = nodeOf(s.statement, 'AlterTableStmt');
      if (n?.objtype !== 'OBJECT_TABLE') return;
      const key = relationKey(n.relation);
      const cmds = s.commands;
      // A replica identity other than the primary key, set earlier (in this file or an earlier migration), survives the drop.
      const identity = s.catalog.get(key)?.replicaIdentity;
      if (s.locks[0]?.existing && identity !== 'full' && identity !== 'index' && !cmds.some((c) => identifies(c.node))) {
        const published = publishingChanges(s.catalog, key);
        // Read the rest of the transaction only for a published table (a long file has many ALTERs).
        const restored =
          published.length > 0 &&
          statements.slice(i + 1).some((t) => s.transaction !== undefined && t.transaction === s.transaction && relationKey(nodeOf(t.statement, 'AlterTableStmt')?.relation) === key && t.commands.some((c) => identifies(c.node)));
        for (const cmd of cmds) {
          if (!published.length || restored || cmd.subtype !== 'AT_DropConstraint' || !isPrimaryKey(s, key, cmd.node.name ?? '')) continue;
          reports.push({ start: cmd.start, end: cmd.end, messageId: 'dropped', data: { table: s.locks[0].relation, publication: published.join(', ') } });
        }
      }
    });
    return reports;
  },
};
