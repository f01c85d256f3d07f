import { nodeOf } from '../ast';
import { FileFacts, relationKey, StatementFacts } from '../facts';
import { firstLine, once, parsedStatements, Rule } from '../rule';

const LIMITS: Record<string, string> = { int4: '2,147,483,647', int2: '32,767' };
const NAMES: Record<string, string> = { int4: 'integer', int2: 'smallint' };

/** The largest value of each narrower type (what AS integer / smallint makes MAXVALUE when it was the old type's). */
export const TYPE_MAX: Record<string, number> = { int4: 2147483647, int2: 32767 };

/** ALTER SEQUENCE ... AS integer / smallint on a sequence the migration did not create: the statement, the sequence as written and the new type (int4, int2). */
export const narrowedSequences = once((file: FileFacts): { s: StatementFacts; sequence: string; type: string }[] => {
  const out: { s: StatementFacts; sequence: string; type: string }[] = [];
  // Sequences the migration creates (the facts' "created before" covers tables, views and indexes).
  const created = new Set<string>();
  for (const s of parsedStatements(file)) {
    const create = nodeOf(s.statement, 'CreateSeqStmt');
    if (create) created.add(relationKey(create.sequence));
    const n = nodeOf(s.statement, 'AlterSeqStmt');
    if (!n || !s.locks[0]?.existing || created.has(relationKey(n.sequence))) continue;
    const as = (n.options ?? []).find((o) => o.DefElem?.defname === 'as')?.DefElem;
    const names = (as?.arg?.TypeName?.names ?? []).map((x) => x.String?.sval ?? '');
    const type = names[names.length - 1];
    if (type && LIMITS[type]) out.push({ s, sequence: s.locks[0].relation, type });
  }
  return out;
});

export const rule: Rule = {
  meta: {
    id: 'sequence-as-int',
    severity: 'warning',
    messages: {
      narrowed:
        'ALTER SEQUENCE {{sequence}} AS {{type}} lowers its maximum to {{limit}}: the statement fails if the sequence is already past it, and inserts fail once it gets there. Keep bigint.',
    },
    docs: {
      summary: 'ALTER SEQUENCE ... AS integer / smallint on an existing sequence.',
      why: `AS integer sets the sequence's MAXVALUE to 2,147,483,647 (smallint: 32,767) when it was the old type's
maximum, as it is unless set by hand. If the sequence's current value is already higher, the statement
fails ("RESTART value (3000000000) cannot be greater than MAXVALUE (2147483647)", proven on PGlite and
Debian's PostgreSQL in test/claims.pg.test.ts): in production, where the sequence has moved, and not
in development. If it is lower, every insert that takes a value fails once the sequence gets there
("reached maximum value of sequence"), while the column is often bigint already. The statement takes SHARE ROW EXCLUSIVE on the sequence and gives it
new storage (proven in docs/locks.md).`,
      unsafe: `ALTER SEQUENCE orders_id_seq AS integer;`,
      safe: `ALTER SEQUENCE orders_id_seq AS bigint;`,
      notes: `With a database connection, the production checklist's sequence-limit item reads the sequence's
current value (last_value in pg_sequences) and compares it with the new limit: past it, or a MAXVALUE
set by hand above it, fails; half of it or more needs you. A sequence created in the same migration is
not reported.`,
    },
    fixable: [],
  },
  check(file) {
    return narrowedSequences(file).map(({ s, sequence, type }) => ({ ...firstLine(s), messageId: 'narrowed', data: { sequence, type: NAMES[type], limit: LIMITS[type] } }));
  },
};
