import { StatementFacts } from '../facts';
import { dotted as names, nodeOf } from '../ast';
import { firstLine, parsedStatements, Report, Rule } from '../rule';


/** Types, schemas and functions the migration creates, by name: renaming them is safe until it commits. */
function createdNames(statements: StatementFacts[], before: number): Set<string> {
  const out = new Set<string>();
  for (const s of statements) {
    if (s.statement.index >= before) break;
    const st = s.statement;
    const type = nodeOf(st, 'CreateEnumStmt') ?? nodeOf(st, 'CreateRangeStmt');
    if (type) out.add(`type ${names(type.typeName)}`);
    const composite = nodeOf(st, 'CompositeTypeStmt');
    if (composite) out.add(`type ${composite.typevar?.schemaname ? `${composite.typevar.schemaname}.` : ''}${composite.typevar?.relname}`);
    const domain = nodeOf(st, 'CreateDomainStmt');
    if (domain) out.add(`type ${names(domain.domainname)}`);
    const schema = nodeOf(st, 'CreateSchemaStmt');
    if (schema) out.add(`schema ${schema.schemaname}`);
    const fn = nodeOf(st, 'CreateFunctionStmt');
    if (fn && !fn.replace) out.add(`function ${names(fn.funcname)}`);
  }
  return out;
}

/**
 * Objects created, or renamed to a name, after the statement (keys as in createdNames): a rename
 * followed by a new object under the old name is a swap (Prisma's enum migrations rename X to X_old
 * and X_new to X), and code that names it still works.
 */
function createdAfter(statements: StatementFacts[], after: number): Set<string> {
  const out = createdNames(statements, Number.MAX_SAFE_INTEGER);
  for (const key of createdNames(statements, after + 1)) out.delete(key);
  for (const s of statements) {
    if (s.statement.index <= after) continue;
    const view = nodeOf(s.statement, 'ViewStmt');
    if (view) out.add(`view ${view.view?.schemaname ? `${view.view.schemaname}.` : ''}${view.view?.relname}`);
    const fn = nodeOf(s.statement, 'CreateFunctionStmt');
    if (fn?.replace) out.add(`function ${names(fn.funcname)}`);
    const n = nodeOf(s.statement, 'RenameStmt');
    if (n) {
      const schema = (qualified: string) => (qualified.includes('.') ? `${qualified.slice(0, qualified.lastIndexOf('.') + 1)}` : '');
      const kind = { OBJECT_TYPE: 'type', OBJECT_DOMAIN: 'type', OBJECT_SCHEMA: 'schema', OBJECT_VIEW: 'view', OBJECT_MATVIEW: 'view', OBJECT_FUNCTION: 'function', OBJECT_PROCEDURE: 'function' }[n.renameType as string];
      const old = n.relation ? `${n.relation.schemaname ? `${n.relation.schemaname}.` : ''}${n.relation.relname}` : names(n.object?.List?.items ?? n.object?.ObjectWithArgs?.objname);
      if (kind) out.add(`${kind} ${kind === 'schema' ? n.newname : `${schema(old)}${n.newname}`}`);
    }
  }
  return out;
}

export const rule: Rule = {
  meta: {
    id: 'renaming-object',
    severity: 'warning',
    messages: {
      enumValue:
        "Renaming {{type}}'s value '{{old}}' to '{{new}}' breaks running code that writes or compares '{{old}}' (invalid input value for enum). Add the new value, move the code to it, then stop using the old one.",
      schema: 'Renaming schema {{old}} to {{new}} breaks every running query, function body and search_path that names {{old}}.',
      view: 'Renaming view {{old}} to {{new}} breaks every running query that reads {{old}}. Create the view under the new name beside the old one, move the code, then drop the old one.',
      function:
        'Renaming function {{old}} to {{new}} breaks running code and function bodies that call it by name (triggers and defaults keep working: they hold its OID). Create the new name beside the old one, move the callers, then drop the old one.',
      type: 'Renaming type {{old}} to {{new}} breaks running code and function bodies that name it (casts, declarations).',
    },
    docs: {
      summary: 'Renaming an enum value, a schema, a view, a function or a type that running code uses.',
      why: `Like a renamed table or column, a renamed object breaks the application version that is still running
during the deploy, from the moment the rename commits: it still names the old enum value
('invalid input value for enum'), the old schema or view ('relation does not exist'), the old function
('function does not exist', also from other PL/pgSQL function bodies, which are not checked when the
callee is renamed) or the old type. Triggers, column defaults and views that use a function keep
working (they hold its OID), which makes the breakage easy to miss in tests. ALTER VIEW ... RENAME
takes ACCESS EXCLUSIVE on the view; the others take no table lock.`,
      unsafe: `ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';
ALTER SCHEMA reporting RENAME TO analytics;
ALTER VIEW active_users RENAME TO live_users;
ALTER FUNCTION compute_total(bigint) RENAME TO order_total;
ALTER TYPE order_status RENAME TO order_state;`,
      safe: `-- Expand: the new name beside the old one; move the code; drop the old one in a later migration.
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'cancelled';
CREATE VIEW live_users AS SELECT * FROM active_users;
-- Objects created in the same migration can be renamed freely:
CREATE SCHEMA staging;
ALTER SCHEMA staging RENAME TO imports;`,
      notes: 'Tables and columns have their own rules (renaming-table, renaming-column), with fixes.',
    },
    fixable: [],
  },
  check(file) {
    const statements = parsedStatements(file);
    const reports: Report[] = [];
    for (const s of statements) {
      const created = () => createdNames(statements, s.statement.index);
      const swapped = (key: string) => createdAfter(statements, s.statement.index).has(key);
      const alterEnum = nodeOf(s.statement, 'AlterEnumStmt');
      if (alterEnum?.oldVal !== undefined) {
        const type = names(alterEnum.typeName);
        if (!created().has(`type ${type}`)) reports.push({ ...firstLine(s), messageId: 'enumValue', data: { type, old: alterEnum.oldVal, new: alterEnum.newVal ?? '' } });
        continue;
      }
      const n = nodeOf(s.statement, 'RenameStmt');
      if (!n) continue;
      const newname = n.newname ?? '';
      switch (n.renameType) {
        case 'OBJECT_SCHEMA':
          if (!created().has(`schema ${n.subname}`) && !swapped(`schema ${n.subname}`)) reports.push({ ...firstLine(s), messageId: 'schema', data: { old: n.subname ?? '', new: newname } });
          break;
        case 'OBJECT_VIEW':
        case 'OBJECT_MATVIEW':
          if (s.locks[0]?.existing && !swapped(`view ${s.locks[0].relation}`)) reports.push({ ...firstLine(s), messageId: 'view', data: { old: s.locks[0].relation, new: newname } });
          break;
        case 'OBJECT_FUNCTION':
        case 'OBJECT_PROCEDURE':
        case 'OBJECT_ROUTINE': {
          const old = names(n.object?.ObjectWithArgs?.objname);
          if (!created().has(`function ${old}`) && !swapped(`function ${old}`)) reports.push({ ...firstLine(s), messageId: 'function', data: { old, new: newname } });
          break;
        }
        case 'OBJECT_TYPE':
        case 'OBJECT_DOMAIN': {
          const old = names(n.object?.List?.items ?? n.object?.TypeName?.names);
          if (!created().has(`type ${old}`) && !swapped(`type ${old}`)) reports.push({ ...firstLine(s), messageId: 'type', data: { old, new: newname } });
          break;
        }
      }
    }
    return reports;
  },
};
