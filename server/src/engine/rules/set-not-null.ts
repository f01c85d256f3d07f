import { nodeOf } from '../ast';
import { FileFacts, StatementFacts } from '../facts';
import { defaultName, ident, splitCommand } from '../fixes';
import { existingTableCommands, Fix, relationText, Report, Rule } from '../rule';

/** CHECK ... NOT VALID; VALIDATE (after COMMIT when in a transaction); SET NOT NULL; DROP CONSTRAINT. */
function fourSteps(file: FileFacts, s: StatementFacts, index: number): Fix {
  const title = 'Replace with CHECK NOT VALID, VALIDATE, SET NOT NULL, DROP CONSTRAINT';
  if (file.settings.pgVersion < 12) return { title, safety: 'unsafe', edits: [], disabled: 'before PostgreSQL 12, SET NOT NULL scans even with a valid CHECK' };
  const relation = relationText(s, nodeOf(s.statement, 'AlterTableStmt')?.relation?.location) ?? '';
  const column = s.commands[index].node.name as string;
  const name = ident(defaultName(nodeOf(s.statement, 'AlterTableStmt')?.relation?.relname, column, 'not_null'));
  const placed = splitCommand(
    file,
    s,
    index,
    [`ALTER TABLE ${relation} ADD CONSTRAINT ${name} CHECK (${ident(column)} IS NOT NULL) NOT VALID;`],
    [
      `ALTER TABLE ${relation} VALIDATE CONSTRAINT ${name};`,
      `ALTER TABLE ${relation} ALTER COLUMN ${ident(column)} SET NOT NULL;`,
      `ALTER TABLE ${relation} DROP CONSTRAINT ${name};`,
    ],
  );
  if ('disabled' in placed) return { title, safety: 'unsafe', edits: [], disabled: placed.disabled };
  return { title: placed.note ? `${title}, ${placed.note}` : placed.moved ? `${title} (after COMMIT)` : title, safety: 'unsafe', edits: placed.edits };
}

export const rule: Rule = {
  meta: {
    id: 'set-not-null',
    severity: 'error',
    docs: {
      summary: 'ALTER COLUMN ... SET NOT NULL scans the whole table under ACCESS EXCLUSIVE.',
      why: `SET NOT NULL takes ACCESS EXCLUSIVE (no reads, no writes) and then reads every row to prove there is
no NULL. On a large table every query waits for the whole scan. Since PostgreSQL 12 the scan is
skipped when a valid CHECK (col IS NOT NULL) constraint already proves it: add that CHECK NOT VALID
(instant), VALIDATE it (a scan under SHARE UPDATE EXCLUSIVE, which lets reads and writes go on),
then SET NOT NULL is instant, and the CHECK can go.`,
      unsafe: `ALTER TABLE users ALTER COLUMN email SET NOT NULL;`,
      safe: `ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_email_not_null;`,
      notes: `Run the VALIDATE in its own transaction (not in the one that added the CHECK). Before PostgreSQL 12,
SET NOT NULL always scans. PostgreSQL 18 also accepts \`ADD CONSTRAINT ... NOT NULL col NOT VALID\`.
DROP NOT NULL is instant and not reported.`,
      noSafeForm: `Inside a DO block, or in a file an unknown tool runs in one transaction (\`assumeInTransaction\`
without a known tool), the CHECK ... NOT VALID, its VALIDATE and the SET NOT NULL cannot be given
transactions of their own automatically: write them as separate migrations by hand (the plan shows them).`,
    },
    messages: {
      scans:
        'SET NOT NULL on {{table}}.{{column}} reads every row under ACCESS EXCLUSIVE: no query runs on {{table}} until it ends. Add CHECK ({{column}} IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL.',
    },
    fixable: ['unsafe'],
    plan: true,
    squawk: ['adding-not-nullable-field'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd, table } of existingTableCommands(file)) {
      // The facts decide whether PostgreSQL scans (a valid CHECK proves the column on 12+).
      if (cmd.subtype !== 'AT_SetNotNull' || !s.scans.includes(table)) continue;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        messageId: 'scans',
        data: { table, column: cmd.node.name ?? '' },
        fixes: [fourSteps(file, s, s.commands.indexOf(cmd))],
      });
    }
    return reports;
  },
};
