import { nodeOf } from '../ast';
import { AlterCommand, FileFacts, relationKey, StatementFacts } from '../facts';
import { moveOutOfTransaction, Placement, splitCommand } from '../fixes';
import { existingTableCommands, Fix, relationText, Report, Rule } from '../rule';

/**
 * The VALIDATE moved where it commits apart from its ADD: after the COMMIT of an explicit
 * transaction, out of the tool's transaction the tool's way, or into a migration of its own.
 */
function moveValidate(file: FileFacts, s: StatementFacts, cmd: AlterCommand): Fix[] {
  const relation = relationText(s, nodeOf(s.statement, 'AlterTableStmt')?.relation?.location);
  if (!relation) return [];
  const text = file.parsed.text.slice(cmd.start, cmd.end);
  const index = s.commands.indexOf(cmd);
  const placed: Placement = s.commands.length === 1 ? moveOutOfTransaction(file, s, `ALTER TABLE ${relation} ${text};`) : splitCommand(file, s, index, [], [`ALTER TABLE ${relation} ${text};`]);
  const title = 'Validate after the ADD commits';
  if ('disabled' in placed) return [{ title, safety: 'unsafe', edits: [], disabled: placed.disabled }];
  return [{ title: placed.note ? `${title}: ${placed.note}` : placed.moved ? 'Move the VALIDATE after COMMIT' : title, safety: 'unsafe', edits: placed.edits }];
}

export const rule: Rule = {
  meta: {
    id: 'validate-in-same-transaction',
    severity: 'error',
    docs: {
      summary: 'A NOT VALID constraint validated in the same transaction that added it.',
      why: `The point of ADD CONSTRAINT ... NOT VALID is to keep the strong lock short: the ADD takes ACCESS
EXCLUSIVE (CHECK) or SHARE ROW EXCLUSIVE (FOREIGN KEY) for an instant, and VALIDATE scans under SHARE
UPDATE EXCLUSIVE, which lets reads and writes go on. In one transaction the lock from the ADD is held
until COMMIT, so it is held through the whole validation scan: the same outage as without NOT VALID.`,
      because: 'In one transaction the lock taken by ADD CONSTRAINT ... NOT VALID is held until COMMIT, so it is held through the whole validation scan: the same outage as without NOT VALID.',
      unsafe: `BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
COMMIT;`,
      safe: `BEGIN;
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
COMMIT;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;`,
      notes: `Migration tools that run a whole file in one transaction put both in it: put the VALIDATE in the next
migration file.`,
      noSafeForm: `In a file an unknown tool runs in one transaction (\`assumeInTransaction\` without a known tool)
the VALIDATE cannot be moved automatically: Migration Guard cannot name a new migration. Put it in the
next migration by hand.`,
    },
    messages: {
      validateInAddTransaction:
        '{{constraint}} was added NOT VALID in this same transaction: its {{mode}} lock on {{table}} is held through this validation scan. Commit before VALIDATE (or move it to the next migration).',
    },
    fixable: ['unsafe'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd, table } of existingTableCommands(file)) {
      if (cmd.subtype !== 'AT_ValidateConstraint' || s.transaction === undefined) continue;
      const added = s.catalog.get(relationKey(nodeOf(s.statement, 'AlterTableStmt')?.relation))?.checks.find((c) => c.name === cmd.node.name);
      if (!added || added.addedIn !== s.transaction) continue;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        messageId: 'validateInAddTransaction',
        data: { constraint: cmd.node.name ?? '', mode: added.kind === 'check' ? 'ACCESS EXCLUSIVE' : 'SHARE ROW EXCLUSIVE', table },
        fixes: moveValidate(file, s, cmd),
      });
    }
    return reports;
  },
};
