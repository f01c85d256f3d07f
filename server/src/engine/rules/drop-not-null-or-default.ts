import { existingTableCommands, Report, Rule } from '../rule';

export const rule: Rule = {
  meta: {
    id: 'drop-not-null-or-default',
    severity: 'hint',
    scope: 'statement',
    enabledByDefault: false,
    messages: {
      dropNotNull:
        '{{table}}.{{column}} may hold NULL from now on: code still running, reports, exports and other services that read it may not expect one. Make every reader handle NULL first.',
      dropDefault:
        '{{table}}.{{column}} loses its default: inserts by code still running that leave the column out now write NULL (or fail on NOT NULL). Deploy code that always sets it first.',
    },
    docs: {
      summary: 'DROP NOT NULL or DROP DEFAULT on an existing column: no lock hazard, but readers and writers still running may break (opt-in hint).',
      why: `Both are catalog changes, quick under ACCESS EXCLUSIVE. The risk is in the code around the database:
after DROP NOT NULL, rows with NULL can appear, and the application version still running (or a
report, an export, another service) may not handle them; after DROP DEFAULT, inserts that rely on
the default write NULL or fail. Off by default (squawk's ban-drop-not-null, which users asked to
have as a hint); enable it with "rules": {"drop-not-null-or-default": "hint"}.`,
      unsafe: `ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
ALTER TABLE users ALTER COLUMN status DROP DEFAULT;`,
      safe: `-- First deploy code that handles NULL emails and always sets status, then:
-- migration-guard-ignore drop-not-null-or-default -- readers handle NULL since release 42
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;`,
      notes: 'Columns of tables created in the same migration are not reported.',
    },
    fixable: [],
    squawk: ['ban-drop-not-null'],
  },
  check(file) {
    const reports: Report[] = [];
    for (const { cmd, table } of existingTableCommands(file)) {
      const drop = cmd.subtype === 'AT_DropNotNull' ? 'dropNotNull' : cmd.subtype === 'AT_ColumnDefault' && !cmd.node.def ? 'dropDefault' : undefined;
      if (drop) reports.push({ start: cmd.start, end: cmd.end, messageId: drop, data: { table, column: cmd.node.name ?? '' } });
    }
    return reports;
  },
};
