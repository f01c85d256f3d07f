/**
 * Generates docs/rules/*.md from the rule files (STYLE.md §3): the docs live with each rule, and
 * these pages are what every diagnostic's `codeDescription.href` opens. `npm run docs` writes
 * them; test/docs.test.ts fails when they are out of date.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { lockName } from '../server/src/engine/locks';
import { Rule } from '../server/src/engine/rule';
import { resolveSettings } from '../server/src/engine/settings';
import { RULES } from '../server/src/engine/rules';

/** Findings that are not rules, documented alongside them. */
const OTHER_PAGES: Record<string, { title: string; body: string }> = {
  'syntax-error': {
    title: 'The statement is not valid PostgreSQL',
    body: `Migration Guard parses each statement with PostgreSQL's own parser (libpg-query, PostgreSQL 18's
grammar). A statement it rejects is reported at the token PostgreSQL points at, and not analysed; every
other statement of the file still is.

Common causes: a statement still being typed; a template placeholder such as \`{{ .Schema }}\` (render
the template first, or turn the finding off for such files with \`"rules": {"syntax-error": "off"}\`); a
psql meta-command (\`\\set\`, \`\\i\`); SQL of another database.`,
  },
  'unreadable-file': {
    title: 'The file is binary or too large, or cannot be read',
    body: `A file that contains NUL bytes or mostly control characters in its first 64 KB is not SQL text, and a
file larger than the \`maxFileSizeKB\` setting (5 MB by default) is not analysed, so that the editor stays
responsive. Split a very large migration (a data load is better done with COPY from a separate file), or
raise the limit.

The CLI also reports here, file by file, what it could not read: a file or folder without read
permission, a path longer than the system allows, a symbolic link to nothing, and a named pipe (FIFO),
device or socket named \`*.sql\` (never opened: reading one could wait forever).`,
  },
  'file-encoding': {
    title: 'The file is not UTF-8, or holds a NUL byte',
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
  'internal-error': {
    title: 'A rule failed on this file',
    body: `A rule threw an exception on this file. The other rules' findings are still shown. Please report it
with the SQL that triggers it.`,
  },
};

/** What the engine says PostgreSQL does for each unsafe example statement: the facts proven in docs/locks.md. */
function lockTable(rule: Rule): string {
  const rows: string[] = [];
  const settings = resolveSettings(rule.docs.exampleSettings ?? {}).settings;
  for (const s of analyze(rule.docs.unsafe, { settings }).facts.statements) {
    if (s.kind === 'TransactionStmt' || s.kind === 'VariableSetStmt') continue;
    const locks = [...s.locks.map((l) => `${lockName(l.mode)} on ${l.relation}`), ...s.implicitLocks.map((i) => `${lockName(i.mode)} on ${i.on}`)];
    const work = [...s.rewrites.map((r) => `rewrites ${r}`), ...s.scans.map((r) => `scans ${r}`)];
    const held = s.inTransaction ? 'until COMMIT' : 'for the statement';
    rows.push(`| \`${s.statement.text.replace(/\s+/g, ' ').replace(/\|/g, '\\|')}\` | ${locks.join(', ') || 'none'} | ${work.join(', ') || '—'} | ${held} |`);
  }
  const caveats = [...new Set(analyze(rule.docs.unsafe, { settings }).facts.statements.flatMap((s) => s.caveats))];
  return `| statement | locks | rewrite / full scan | held |
| --- | --- | --- | --- |
${rows.join('\n')}
${caveats.length ? `\n${caveats.map((c) => `- ${c}`).join('\n')}\n` : ''}
On PostgreSQL ${settings.pgVersion}. These are the engine's facts, proven against real servers in [locks.md](../locks.md).`;
}

function rulePage(rule: Rule): string {
  const d = rule.docs;
  return `<!-- Generated from server/src/engine/rules/${rule.id}.ts by \`npm run docs\`: edit the rule file, not this page. -->
# ${rule.id}

${d.summary}

Default severity: **${rule.severity}**${rule.enabledByDefault === false ? ' (off unless enabled in the `rules` setting)' : ''}

## Why is this unsafe?

${d.why}

## Unsafe

\`\`\`sql
${d.unsafe}
\`\`\`

## What PostgreSQL does

${lockTable(rule)}

## Safe alternative

\`\`\`sql
${d.safe}
\`\`\`
${d.notes ? `\n## Notes\n\n${d.notes}\n` : ''}
## Configure or ignore

\`\`\`jsonc
// .vscode/settings.json: "migrationGuard.rules"; migration-guard.json: "rules"
{ "rules": { "${rule.id}": "warning" } }  // or "off"
\`\`\`

\`\`\`sql
-- migration-guard-ignore ${rule.id} -- reason
\`\`\`
`;
}

function otherPage(id: string, page: { title: string; body: string }): string {
  return `<!-- Generated by \`npm run docs\` from scripts/gen-docs.ts. -->
# ${id}

${page.title}.

${page.body}
`;
}

function indexPage(): string {
  const rows = RULES.map((r) => `| [${r.id}](${r.id}.md) | ${r.severity} | ${r.docs.summary} |`);
  const others = Object.entries(OTHER_PAGES).map(([id, p]) => `| [${id}](${id}.md) | error | ${p.title}. |`);
  return `<!-- Generated by \`npm run docs\`. -->
# Rules

| rule | default severity | what it reports |
| --- | --- | --- |
${[...rows, ...others].join('\n')}
`;
}

/** Every generated page, by file name. */
export function generatedPages(): Map<string, string> {
  const pages = new Map<string, string>();
  for (const rule of RULES) pages.set(`${rule.id}.md`, rulePage(rule));
  for (const [id, page] of Object.entries(OTHER_PAGES)) pages.set(`${id}.md`, otherPage(id, page));
  pages.set('README.md', indexPage());
  return pages;
}

export const DOCS_DIR = path.join(__dirname, '..', '..', 'docs', 'rules');

if (require.main === module) {
  void loadParser().then(() => {
    fs.mkdirSync(DOCS_DIR, { recursive: true });
    for (const old of fs.readdirSync(DOCS_DIR)) fs.rmSync(path.join(DOCS_DIR, old));
    const pages = generatedPages();
    for (const [name, content] of pages) fs.writeFileSync(path.join(DOCS_DIR, name), content);
    console.log(`wrote ${pages.size} pages to ${path.relative(process.cwd(), DOCS_DIR)}`);
  });
}
