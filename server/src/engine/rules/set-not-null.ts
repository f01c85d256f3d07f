import { FileFacts, StatementFacts } from '../facts';
import { defaultName, ident, splitCommand } from '../fixes';
import { existingTableCommands, Fix, relationText, Report, Rule } from '../rule';

/** CHECK ... NOT VALID; VALIDATE (after COMMIT when in a transaction); SET NOT NULL; DROP CONSTRAINT. */
function fourSteps(file: FileFacts, s: StatementFacts, index: number): Fix {
  const title = 'Replace with CHECK NOT VALID, VALIDATE, SET NOT NULL, DROP CONSTRAINT';
  if (file.settings.pgVersion < 12) return { title, safety: 'unsafe', edits: [], disabled: 'before PostgreSQL 12, SET NOT NULL scans even with a valid CHECK' };
  const relation = relationText(s, s.statement.node?.relation?.location) ?? '';
  const column = s.commands[index].node.name as string;
  const name = ident(defaultName(s.statement.node?.relation?.relname, column, 'not_null'));
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
        fixes: [fourSteps(file, s, s.commands.indexOf(cmd))],
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
        output: [
          'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;',
          'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
          'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
          'ALTER TABLE users DROP CONSTRAINT users_email_not_null;',
        ].join('\n'),
      },
      {
        sql: '-- keep this\nalter table app."Users" alter column "Email" set not null, add column note text;',
        reports: [{ range: [1, 24, 1, 57] }],
        output: [
          '-- keep this',
          'alter table app."Users" add column note text;',
          'ALTER TABLE app."Users" ADD CONSTRAINT "Users_Email_not_null" CHECK ("Email" IS NOT NULL) NOT VALID;',
          'ALTER TABLE app."Users" VALIDATE CONSTRAINT "Users_Email_not_null";',
          'ALTER TABLE app."Users" ALTER COLUMN "Email" SET NOT NULL;',
          'ALTER TABLE app."Users" DROP CONSTRAINT "Users_Email_not_null";',
        ].join('\n'),
      },
      {
        sql: 'BEGIN;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nCOMMIT;',
        reports: [{ range: [1, 18, 1, 49] }],
        output: [
          'BEGIN;',
          'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;',
          'COMMIT;',
          'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
          'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
          'ALTER TABLE users DROP CONSTRAINT users_email_not_null;',
        ].join('\n'),
      },
      {
        sql: 'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        reports: [{ range: [1, 18, 1, 49] }],
        output: [
          'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;',
          'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;',
          'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
          'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
          'ALTER TABLE users DROP CONSTRAINT users_email_not_null;',
        ].join('\n'),
      },
      {
        sql: 'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT c;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        settings: { pgVersion: 11 },
        reports: [{ range: [2, 18, 2, 49] }],
        output: null,
      },
      {
        sql: 'DO $$ BEGIN ALTER TABLE users ALTER COLUMN email SET NOT NULL; END $$;',
        reports: [{ range: [0, 30, 0, 61], message: 'users.email' }],
        output: null,
      },
    ],
  },
};
