import { columnsOfType, FunctionUse, functionUses } from '../catalog';
import { Node, nodeOf } from '../ast';
import { firstLine, parsedStatements, Report, Rule } from '../rule';

const id = 'drop-object-still-used';

/** `name`, or `schema.name` outside public: how the catalog keys functions. */
function keyOf(names: Node[] | undefined): { key: string; name: string } {
  const parts = ((names ?? []) as Node[]).map((n) => n.String?.sval as string);
  return { key: (parts.length > 1 && parts[0] === 'public' ? parts.slice(1) : parts).join('.'), name: parts.join('.') };
}

const describeUse = (u: FunctionUse) => (u.trigger ? `the trigger ${u.trigger} on ${u.table}` : `the default of ${u.table}.${u.column}`);

export const rule: Rule = {
  meta: {
    id,
    severity: 'error',
    scope: 'statement',
    docs: {
      summary: 'DROP FUNCTION or DROP TYPE of an object that a column default, a trigger or a column of the migrations still uses.',
      why: `PostgreSQL records what depends on a function or a type. A column default or a trigger that calls
the function, or a column of the type, makes DROP fail ("cannot drop function ... because other
objects depend on it"): the migration stops there. With CASCADE the drop goes through and takes
the dependents with it, without naming them: the column default disappears (inserts get NULL), the
trigger stops firing, the column of the type is dropped with its data. Migration Guard knows the
defaults, triggers and columns the migrations created (this file and the earlier migrations of its
folder).`,
      unsafe: `CREATE FUNCTION next_code() RETURNS text LANGUAGE sql AS $$ SELECT md5(random()::text) $$;
CREATE TABLE coupons (id bigint PRIMARY KEY, code text DEFAULT next_code());
DROP FUNCTION next_code();

CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE people (id bigint, feeling mood);
DROP TYPE mood CASCADE;`,
      noSafeForm: `Nothing can make a DROP of something still in use safe: first change the defaults, triggers or columns
that use it (in this migration, before the DROP, or in an earlier one), then drop it without CASCADE,
so that PostgreSQL refuses if anything still depends on it.`,
      safe: `CREATE FUNCTION next_code() RETURNS text LANGUAGE sql AS $$ SELECT md5(random()::text) $$;
CREATE TABLE coupons (id bigint PRIMARY KEY, code text DEFAULT next_code());
-- Stop using it first, then drop it:
ALTER TABLE coupons ALTER COLUMN code DROP DEFAULT;
DROP FUNCTION next_code();

CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE people (id bigint, feeling mood);
ALTER TABLE people ALTER COLUMN feeling TYPE text;
DROP TYPE mood;`,
      notes: `Functions are matched by name (overloads are one), types by their last name. Objects created
outside the migrations are unknown to Migration Guard. Down migrations are checked too: the down of
a migration that only replaced a function must not drop, with CASCADE, the triggers an earlier
migration created on it.`,
    },
    messages: {
      functionRestrict: 'DROP FUNCTION {{function}} fails: {{uses}} still call it ("other objects depend on it"). Change or drop them first.',
      functionCascade: 'DROP FUNCTION {{function}} ... CASCADE also drops {{uses}}, which the statement does not name. Drop or change each explicitly first, then the function.',
      typeRestrict: 'DROP TYPE {{type}} fails: {{columns}} still have that type ("other objects depend on it"). Change the columns\' type or drop them first.',
      typeCascade: 'DROP TYPE {{type}} ... CASCADE also drops {{columns}}, with their data, which the statement does not name. Change the columns\' type first.',
    },
    fixable: [],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      const n = nodeOf(s.statement, 'DropStmt');
      if (!n) continue;
      const cascade = n.behavior === 'DROP_CASCADE';
      const at = firstLine(s);
      if (n.removeType === 'OBJECT_FUNCTION' || n.removeType === 'OBJECT_PROCEDURE' || n.removeType === 'OBJECT_ROUTINE') {
        for (const o of n.objects ?? []) {
          const { key, name } = keyOf(o.ObjectWithArgs?.objname);
          const uses = functionUses(s.catalog, key);
          if (!uses.length) continue;
          reports.push({ ...at, messageId: cascade ? 'functionCascade' : 'functionRestrict', data: { function: name, uses: uses.map(describeUse).join(', ') } });
        }
      } else if (n.removeType === 'OBJECT_TYPE' || n.removeType === 'OBJECT_DOMAIN') {
        for (const o of n.objects ?? []) {
          const names = (o.TypeName?.names ?? []).map((x) => x.String?.sval ?? '');
          const columns = columnsOfType(s.catalog, names[names.length - 1] ?? '');
          if (!columns.length) continue;
          const list = columns.map((c) => `${c.table}.${c.column}`);
          reports.push({ ...at, messageId: cascade ? 'typeCascade' : 'typeRestrict', data: { type: names.join('.'), columns: `${list.length > 1 ? 'the columns' : 'the column'} ${list.join(', ')}` } });
        }
      }
    }
    return reports;
  },
};
