/**
 * Findings that are not rules (STYLE.md 18): they have ids too, so they can be configured and
 * ignored alike. This registry is their one home: the `rules` setting's known ids, SARIF's rule
 * entries and the generated docs pages all read it.
 */
import { Severity } from './settings';

export interface OtherFinding {
  id: string;
  /** One line: what the finding says (SARIF's shortDescription, the docs index). */
  title: string;
  /** Its severity when the `rules` setting does not change it. */
  severity: Severity;
  /** Why it matters, in one sentence (JSON output and the MCP server give it with each finding). */
  why: string;
  /** The docs page's body (Markdown). */
  body: string;
}

export const SYNTAX_ERROR = 'syntax-error';
export const UNREADABLE_FILE = 'unreadable-file';
export const INTERNAL_ERROR = 'internal-error';
export const DYNAMIC_SQL = 'dynamic-sql';
/** The file is not UTF-8, or holds a NUL byte. */
export const FILE_ENCODING = 'file-encoding';
/** A migration that had already run (merged before the branch, or applied on the database) was edited. */
export const EDITED_APPLIED_MIGRATION = 'edited-applied-migration';

export const OTHER_FINDINGS: readonly OtherFinding[] = [
  {
    id: SYNTAX_ERROR,
    why: 'PostgreSQL would reject the statement, so it was not analysed: the locks it takes are unknown and the migration fails where it stands.',
    title: 'The statement is not valid PostgreSQL',
    severity: 'error',
    body: `Migration Guard parses each statement with PostgreSQL's own parser (libpg-query, PostgreSQL 18's
grammar). A statement it rejects is reported at the token PostgreSQL points at, and not analysed; every
other statement of the file still is.

Common causes: a statement still being typed; a template placeholder such as \`{{ .Schema }}\` (render
the template first, or turn the finding off for such files with \`"rules": {"syntax-error": "off"}\`); a
psql meta-command (\`\\set\`, \`\\i\`); SQL of another database.`,
  },
  {
    id: UNREADABLE_FILE,
    why: 'The file is binary, larger than the maxFileSizeKB setting or cannot be read, so none of its statements was analysed.',
    title: 'The file is binary or too large, or cannot be read',
    severity: 'error',
    body: `A file that contains NUL bytes or mostly control characters in its first 64 KB is not SQL text, and a
file larger than the \`maxFileSizeKB\` setting (5 MB by default) is not analysed, so that the editor stays
responsive. Split a very large migration (a data load is better done with COPY from a separate file), or
raise the limit.

The CLI also reports here, file by file, what it could not read: a file or folder without read
permission, a path longer than the system allows, a symbolic link to nothing, and a named pipe (FIFO),
device or socket named \`*.sql\` (never opened: reading one could wait forever).`,
  },
  {
    id: FILE_ENCODING,
    why: 'PostgreSQL rejects bytes that are not UTF-8 (or stops at a NUL byte), so the migration fails or runs only in part.',
    title: 'The file is not UTF-8, or holds a NUL byte',
    severity: 'error',
    body: `psql and the migration tools send a migration to PostgreSQL as UTF-8 unless told otherwise, and
PostgreSQL stops at the first byte that is not (\`invalid byte sequence for encoding "UTF8"\`). A Latin-1
\`'Montréal'\` literal is the usual case. The finding is at the first such byte; the bytes that are not
UTF-8 are read as Latin-1 and the file is analysed as usual. Save the file as UTF-8 (or turn the
finding off if your tool sets \`client_encoding\` for these files).

A NUL byte (0x00) cannot be part of SQL text: PostgreSQL and psql read a text up to its first NUL, so
what follows it may never run. It is reported where it is, and the rest of the file is analysed as if it
were a space.

\`migration-guard fix\` edits the bytes it read: every byte outside a fix's own edits stays as it was.
It refuses a file with NUL bytes, and a fix that would write non-ASCII text into a file that is not
UTF-8.`,
  },
  {
    id: INTERNAL_ERROR,
    why: "A rule failed on this file, so that rule's findings may be missing; the other rules still ran.",
    title: 'A rule failed on this file',
    severity: 'warning',
    body: `A rule threw an exception on this file. The other rules' findings are still shown. Please report it
with the SQL that triggers it.`,
  },
  {
    id: DYNAMIC_SQL,
    why: 'The SQL is built at run time, so Migration Guard cannot see the statement and its locks: check it by hand.',
    title: 'SQL built at run time, not analysed',
    severity: 'info',
    body: `In a migration written in TypeScript or JavaScript (TypeORM, Knex, Sequelize, node-pg-migrate,
Kysely), Migration Guard analyses the SQL written as a string literal or a template literal without
placeholders. SQL assembled at run time (a variable, a function call, a template literal with
\`\${...}\` in it) cannot be read before it runs: it is reported once per call, so that you know which
statements to check by hand.

To have it analysed, write the statement as a literal, or move it into a \`.sql\` migration.

Inside a DO block (or a PL/pgSQL function or procedure the migration calls), the statements written
in the body are analysed, and so is \`EXECUTE\` of a string literal, of \`format()\` with a literal
format string, or of literals joined with \`||\`: a value known only at run time (\`%I\`, \`%L\`, \`%s\`, a
variable) stands as an unknown name shown as \`<variable>\`. \`EXECUTE\` of SQL assembled any other
way (a variable holding the whole statement, a function's result) is reported here, once per
\`EXECUTE\`; the CLI summary counts these statements.`,
  },
  {
    id: EDITED_APPLIED_MIGRATION,
    why: 'A database that already ran this migration will not run it again, so the edit reaches only new databases and their schemas drift apart.',
    title: 'A migration that already ran was edited',
    severity: 'warning',
    body: `Migration tools run each migration once and record it: a database that already ran a migration never
runs it again. Editing that file afterwards changes nothing on those databases (staging, production,
every developer's), while a new database built from the folder gets the edited version: the two no
longer have the same schema, and nothing says so. Tools that keep a checksum of each file (Flyway,
Prisma, sqlx, Liquibase, Atlas) stop with a checksum error instead.

\`migration-guard check\` reports it in two cases:

- with \`--changed-since REF\`, on a migration that existed at the merge base of HEAD and REF (it was
  merged before this branch) and was changed since;
- with \`--database URL\`, on a migration the tool's applied-migrations table lists whose recorded
  checksum differs from the file (Prisma, sqlx, Flyway, drizzle keep one; see [ci.md](../ci.md)).

Put the change in a new migration instead. When the edit is on purpose (a comment, a fix for new
databases only), ignore it for the file:

\`\`\`sql
-- migration-guard-ignore-file edited-applied-migration -- only comments changed
\`\`\`

or set \`"rules": {"edited-applied-migration": "off"}\`.`,
  },
];

/** The registry entry of a non-rule finding. */
export const otherFinding = (id: string): OtherFinding | undefined => OTHER_FINDINGS.find((f) => f.id === id);
