import { nodeOf } from '../ast';
import { relationKey } from '../facts';
import { existingTableCommands, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'row-level-security-without-policy',
    severity: 'warning',
    messages: {
      enable:
        'Row level security on {{table}} with no policy created in this migration: every query by a role other than the owner (or one with BYPASSRLS) now sees no rows and changes none. Create the policies in the same migration.',
      force:
        'FORCE ROW LEVEL SECURITY on {{table}} with no policy created in this migration: with row level security enabled, even the owner now sees no rows and changes none. Create the policies in the same migration.',
    },
    docs: {
      summary: 'ENABLE / FORCE ROW LEVEL SECURITY on an existing table, with no CREATE POLICY for it in the migration.',
      why: `With row level security enabled and no policy, PostgreSQL applies a default-deny policy: SELECT returns
no rows and INSERT, UPDATE and DELETE fail or touch nothing, for every role but the table's owner
and roles with BYPASSRLS (FORCE takes the owner's exemption away too). An application that connects
as a non-owner role sees its data vanish the moment the migration commits, until a later migration
adds the policies. The statement itself takes ACCESS EXCLUSIVE briefly.`,
      unsafe: `ALTER TABLE documents ENABLE ROW LEVEL SECURITY;`,
      safe: `BEGIN;
ALTER TABLE documents ENABLE ROW LEVEL SECURITY;
CREATE POLICY documents_owner ON documents USING (owner_id = current_setting('app.user_id')::bigint);
COMMIT;`,
      notes: `A table created in the same migration is not reported (nobody uses it yet, and deny-all can be the
intent). Policies created by earlier migrations are not known: if the table already has them, ignore
the finding with a comment that says so.`,
    },
    fixable: [],
  },
  check(file) {
    const statements = parsedStatements(file);
    const policies = new Set(statements.filter((s) => s.kind === 'CreatePolicyStmt').map((s) => relationKey(nodeOf(s.statement, 'CreatePolicyStmt')?.table)));
    const reports: Report[] = [];
    const enabled = new Set<string>();
    for (const { s, cmd, table } of existingTableCommands(file)) {
      const key = relationKey(nodeOf(s.statement, 'AlterTableStmt')?.relation);
      const messageId = cmd.subtype === 'AT_EnableRowSecurity' ? 'enable' : cmd.subtype === 'AT_ForceRowSecurity' ? 'force' : undefined;
      // ENABLE and FORCE on one table: one finding says it.
      if (!messageId || policies.has(key) || (messageId === 'force' && enabled.has(key))) continue;
      if (messageId === 'enable') enabled.add(key);
      reports.push({ start: cmd.start, end: cmd.end, messageId, data: { table } });
    }
    return reports;
  },
};
