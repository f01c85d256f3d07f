import { existingTableCommands, Report, Rule } from '../rule';

export const rule: Rule = {
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
  },
  check(file) {
    const reports: Report[] = [];
    for (const { s, cmd, table } of existingTableCommands(file)) {
      // The facts decide whether PostgreSQL scans (a valid CHECK proves the column on 12+).
      if (cmd.subtype !== 'AT_SetNotNull' || !s.scans.includes(table)) continue;
      reports.push({
        start: cmd.start,
        end: cmd.end,
        message: `SET NOT NULL on ${table}.${cmd.node.name} reads every row under ACCESS EXCLUSIVE: no query runs on ${table} until it ends. Add CHECK (${cmd.node.name} IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL.`,
      });
    }
    return reports;
  },
  tests: {
    valid: [
      'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
      'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      'CREATE TABLE users (email text);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    ],
    invalid: [
      {
        sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        reports: [{ range: [0, 18, 0, 49], message: 'users.email' }],
        output: null,
      },
      {
        sql: 'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        reports: [{ range: [1, 18, 1, 49] }],
        output: null,
      },
      {
        sql: 'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT c;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        settings: { pgVersion: 11 },
        reports: [{ range: [2, 18, 2, 49] }],
        output: null,
      },
    ],
  },
};
