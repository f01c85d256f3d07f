import { nodeOf } from '../ast';
import { AlterCommand, relationKey, StatementFacts } from '../facts';
import { Fix, firstLine, lineOf, Report, Rule } from '../rule';

/** Subcommands PostgreSQL will not combine with others in one ALTER TABLE. */
const ALONE = new Set(['AT_AttachPartition', 'AT_DetachPartition', 'AT_DetachPartitionFinalize', 'AT_SetTableSpace']);

/** Validated by a query of its own even inside one ALTER TABLE: a foreign key, VALIDATE CONSTRAINT. */
function checkedApart(cmd: AlterCommand): boolean {
  if (cmd.subtype === 'AT_ValidateConstraint') return true;
  if (cmd.subtype === 'AT_AddConstraint') return cmd.node.def?.Constraint?.contype === 'CONSTR_FOREIGN';
  return false;
}

function mergeable(s: StatementFacts): boolean {
  return nodeOf(s.statement, 'AlterTableStmt')?.objtype === 'OBJECT_TABLE' && s.transaction !== undefined && Boolean(s.locks[0]?.existing) && s.commands.length > 0 && !s.commands.some((c) => ALONE.has(c.subtype));
}

const sameTarget = (a: StatementFacts, b: StatementFacts) =>
  a.transaction === b.transaction && relationKey(nodeOf(a.statement, 'AlterTableStmt')?.relation) === relationKey(nodeOf(b.statement, 'AlterTableStmt')?.relation) && Boolean(nodeOf(a.statement, 'AlterTableStmt')?.relation?.inh) === Boolean(nodeOf(b.statement, 'AlterTableStmt')?.relation?.inh);

/** One ALTER TABLE with the subcommands of the whole run, in order. */
function merge(run: StatementFacts[]): Fix {
  const title = `Merge the ${run.length} ALTER TABLE statements into one`;
  const [first, ...rest] = run;
  const last = run[run.length - 1];
  const commented = run.some((s, i) => s.statement.ownComments.length > 0 || (i > 0 && s.statement.leadingComments.length > 0));
  if (commented) return { title, safety: 'unsafe', edits: [], disabled: 'comments between the statements would be lost' };
  const parts = rest.map((s) => s.statement.text.slice(s.commands[0].start - s.statement.start));
  const sql = `${first.statement.text},\n  ${parts.join(',\n  ')}${last.statement.terminatorEnd ? ';' : ''}`;
  // Unsafe: the subcommands then run in PostgreSQL's passes over one statement, not one after the other.
  return { title, safety: 'unsafe', edits: [{ start: first.statement.start, end: last.statement.terminatorEnd ?? last.statement.end, newText: sql }] };
}

export const rule: Rule = {
  meta: {
    id: 'merge-alter-table',
    severity: 'hint',
    messages: {
      separate:
        'Another ALTER TABLE {{table}} in the same transaction (the first is on line {{line}}): each statement is its own pass over the table, so two that rewrite or scan it do it twice under the lock. One ALTER TABLE with several subcommands makes one pass.',
    },
    docs: {
      summary: 'Several ALTER TABLE statements in a row on the same table in one transaction (a hint, with a fix that merges them).',
      why: `PostgreSQL runs all the subcommands of one ALTER TABLE together: one lock, one rewrite or one validating
scan for all of them. Separate statements each do their own: two type changes rewrite the table twice,
two NOT NULL columns are checked in two scans, all while the first statement's ACCESS EXCLUSIVE lock
is held until COMMIT. Merged, the table is read or copied once (eugene's W12).`,
      unsafe: `BEGIN;
ALTER TABLE users ALTER COLUMN id TYPE bigint;
ALTER TABLE users ALTER COLUMN account_id TYPE bigint;
COMMIT;`,
      safe: `BEGIN;
ALTER TABLE users
  ALTER COLUMN id TYPE bigint,
  ALTER COLUMN account_id TYPE bigint;
COMMIT;`,
      notes: `Reported when at least two statements of the run rewrite the table or check its rows (CHECK, NOT NULL,
UNIQUE): catalog-only changes such as DROP CONSTRAINT are quick either way, and foreign keys are
validated by a query each even in one statement. Only statements that follow each other directly are merged, and
only inside a transaction (in autocommit, merging would also change what commits together). ATTACH /
DETACH PARTITION and SET TABLESPACE stay on their own. The fix is offered when no comment sits between
the statements.`,
    },
    fixable: ['unsafe'],
  },
  check(file) {
    const reports: Report[] = [];
    const statements = file.statements;
    let i = 0;
    while (i < statements.length) {
      if (!mergeable(statements[i])) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < statements.length && mergeable(statements[j]) && sameTarget(statements[i], statements[j])) j++;
      const run = statements.slice(i, j);
      // Worth it when at least two of them rewrite the table or check it in PostgreSQL's shared pass
      // (catalog-only changes are quick; foreign keys are validated one query each either way).
      const passes = run.filter((s) => s.rewrites.length > 0 || (s.scans.length > 0 && !s.commands.every(checkedApart))).length;
      if (run.length > 1 && passes > 1) {
        const fix = merge(run);
        const line = lineOf(file, run[0].statement.start);
        for (const s of run.slice(1)) reports.push({ ...firstLine(s), messageId: 'separate', data: { table: s.locks[0].relation, line }, fixes: [fix] });
      }
      i = j;
    }
    return reports;
  },
};
