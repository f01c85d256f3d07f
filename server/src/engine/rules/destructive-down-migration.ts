import { nodeOf } from '../ast';
import { firstLine, parsedStatements, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'destructive-down-migration',
    severity: 'warning',
    scope: 'statement',
    docs: {
      summary: 'A down / revert / undo migration that drops a table or column, or changes a type back: rolling back loses the data written since the deploy.',
      why: `A down migration runs after the up migration has been live: users have written rows to the new table
or values to the new column. Dropping them throws that data away, and changing a type back can fail on
or truncate the new values. Rolling back also needs the old code to be back first. Rolling forward (a
new up migration that fixes the problem) keeps the data and keeps the history linear.`,
      unsafe: `-- migrate:up
ALTER TABLE users ADD COLUMN nickname text;
-- migrate:down
ALTER TABLE users DROP COLUMN nickname;`,
      safe: `-- migrate:up
ALTER TABLE users ADD COLUMN nickname text;
-- migrate:down
-- Roll forward instead: fix problems with a new migration.`,
      notes: `Down sections and files are recognised for golang-migrate (*.down.sql), dbmate (-- migrate:down), goose
(-- +goose Down), node-pg-migrate (-- Down Migration), Flyway undo (U<version>__*.sql) and Sqitch (revert/).
A destructive up migration without a down migration is not reported here.`,
    },
    messages: {
      dropTable: 'Rolling back drops table {{tables}}: the data written since the deploy is lost. Roll forward instead, with a new migration that fixes the problem.',
      truncate: 'Rolling back drops every row of {{tables}}: the data written since the deploy is lost. Roll forward instead, with a new migration that fixes the problem.',
      dropColumn: 'Rolling back drops column {{columns}}: the data written since the deploy is lost. Roll forward instead, with a new migration that fixes the problem.',
      changeType:
        'Rolling back drops the type of {{columns}} (values written since may not fit the old type): the data written since the deploy is lost. Roll forward instead, with a new migration that fixes the problem.',
    },
    fixable: [],
  },
  check(file) {
    const reports: Report[] = [];
    for (const s of parsedStatements(file)) {
      if (s.direction !== 'down') continue;
      let what: Pick<Report, 'messageId' | 'data'> | undefined;
      if (nodeOf(s.statement, 'DropStmt')?.removeType === 'OBJECT_TABLE') what = { messageId: 'dropTable', data: { tables: s.locks.map((l) => l.relation).join(', ') } };
      else if (s.kind === 'TruncateStmt') what = { messageId: 'truncate', data: { tables: s.locks.map((l) => l.relation).join(', ') } };
      else if (s.kind === 'AlterTableStmt') {
        const drops = s.commands.filter((c) => c.subtype === 'AT_DropColumn').map((c) => c.node.name);
        const types = s.commands.filter((c) => c.subtype === 'AT_AlterColumnType').map((c) => c.node.name);
        if (drops.length) what = { messageId: 'dropColumn', data: { columns: drops.map((c) => `${s.locks[0]?.relation}.${c}`).join(', ') } };
        else if (types.length) what = { messageId: 'changeType', data: { columns: types.map((c) => `${s.locks[0]?.relation}.${c}`).join(', ') } };
      }
      if (!what) continue;
      reports.push({ ...firstLine(s), ...what });
    }
    return reports;
  },
};
