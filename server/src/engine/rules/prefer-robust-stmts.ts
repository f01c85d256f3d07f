import { nodeOf } from '../ast';
import { inBody } from '../plpgsql';
import { Fix, firstLine, keywordToken, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'prefer-robust-stmts',
    severity: 'hint',
    scope: 'statement',
    enabledByDefault: false,
    docs: {
      summary: 'CREATE / DROP without IF NOT EXISTS / IF EXISTS (opt-in).',
      why: `A migration that fails halfway outside a transaction (CONCURRENTLY statements cannot run in one)
leaves some statements applied. Re-running it then fails on the first CREATE that already happened.
IF NOT EXISTS / IF EXISTS make each statement safe to run again. Off by default: with one transaction
per migration the retry problem does not arise; enable it with "rules": {"prefer-robust-stmts": "warning"}.`,
      unsafe: `CREATE INDEX CONCURRENTLY users_email_idx ON users (email);
DROP INDEX CONCURRENTLY users_old_idx;`,
      safe: `CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON users (email);
DROP INDEX CONCURRENTLY IF EXISTS users_old_idx;`,
      notes: 'A CONCURRENTLY index build that failed leaves an INVALID index that IF NOT EXISTS then skips: check pg_index.indisvalid.',
    },
    messages: {
      notRerunnable: 'Add {{clause}} so that the migration can run again after a partial failure.',
    },
    fixable: ['safe'],
    squawk: ['prefer-robust-stmts'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      // In a DO block under IF NOT EXISTS (...) or EXCEPTION WHEN ...: the robust form already.
      if (inBody(s.statement) && s.statement.body.conditions.length) continue;
      const tokens = s.statement.tokens;
      let clause: string | undefined;
      let after: number | undefined;
      const afterKeyword = (keyword: string) => {
        const concurrently = keywordToken(tokens, 'CONCURRENTLY');
        return (concurrently ?? keywordToken(tokens, keyword))?.end;
      };
      const create = nodeOf(s.statement, 'CreateStmt');
      const index = nodeOf(s.statement, 'IndexStmt');
      const drop = nodeOf(s.statement, 'DropStmt');
      if (create && !create.if_not_exists) [clause, after] = ['IF NOT EXISTS', keywordToken(tokens, 'TABLE')?.end];
      else if (index?.idxname && !index.if_not_exists) [clause, after] = ['IF NOT EXISTS', afterKeyword('INDEX')];
      else if (drop && !drop.missing_ok && ['OBJECT_TABLE', 'OBJECT_INDEX', 'OBJECT_VIEW', 'OBJECT_SEQUENCE'].includes(drop.removeType ?? '')) {
        const keyword = { OBJECT_TABLE: 'TABLE', OBJECT_INDEX: 'INDEX', OBJECT_VIEW: 'VIEW', OBJECT_SEQUENCE: 'SEQUENCE' }[drop.removeType as string]!;
        [clause, after] = ['IF EXISTS', afterKeyword(keyword)];
      }
      if (s.kind === 'AlterTableStmt') {
        // ADD COLUMN IF NOT EXISTS / DROP COLUMN IF EXISTS, per subcommand.
        for (const cmd of s.commands) {
          const add = cmd.subtype === 'AT_AddColumn';
          if ((!add && cmd.subtype !== 'AT_DropColumn') || cmd.node.missing_ok) continue;
          const anchor = cmd.tokens[1]?.keyword === 'COLUMN' ? cmd.tokens[1] : cmd.tokens[0];
          const text = add ? 'IF NOT EXISTS' : 'IF EXISTS';
          reports.push({
            start: cmd.start,
            end: cmd.end,
            messageId: 'notRerunnable',
            data: { clause: text },
            fixes: [{ title: `Add ${text}`, safety: 'safe', edits: [{ start: anchor.end, end: anchor.end, newText: ` ${text}` }] }],
          });
        }
      }
      if (!clause) continue;
      const fixes: Fix[] = after === undefined ? [] : [{ title: `Add ${clause}`, safety: 'safe', edits: [{ start: after, end: after, newText: ` ${clause}` }] }];
      reports.push({ ...firstLine(s), messageId: 'notRerunnable', data: { clause }, fixes });
    }
    return reports;
  },
};
