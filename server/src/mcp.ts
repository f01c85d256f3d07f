/**
 * `migration-guard mcp`: a Model Context Protocol server over stdio for coding agents (Claude Code,
 * Cursor, VS Code's agent mode...). A thin adapter, like the CLI and the language server: the same
 * run (settings, chain of earlier migrations), the same findings and the same JSON, as tools.
 *
 * Tools: check, explain, fix, plan, rules. No database tool. A tool that fails answers with a tool
 * error (isError) and a message; the server keeps running.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { Analysis, KNOWN_RULE_IDS, loadParser, SOURCE_FILE, statementOnLine, unreadableReason } from './engine/analyze';
import { statementHead, timeline } from './engine/describe';
import { docsUrl } from './engine/docs';
import { RULES, SQUAWK_RULES } from './engine/rules';
import { Settings } from './engine/settings';
import { fixAll } from './engine/fixall';
import { FileProblem, invalidUtf8Of, newFiles, patchBytes, readSource, writeFileAtomic, writeNewFiles } from './files';
import { planFiles } from './planfiles';
import { explainJson, findingJson, lockInWords, whyOf } from './report';
import { collectFiles, excluded, MigrationRun, settingsResolver, UsageError, VERSION } from './run';
import { planAnswer, planOptions } from './engine/plan';

const INSTRUCTIONS = [
  'Migration Guard checks PostgreSQL migrations for production safety: locks that stop traffic (CREATE INDEX without CONCURRENTLY, SET NOT NULL, type changes...),',
  'table rewrites and scans, transaction problems of the migration tool, data loss.',
  'Call check after you write or edit a migration, and before you propose one (pass the SQL and the file name it will have).',
  'Use fix for the mechanical rewrites, plan for changes that need several migrations (expand-contract), explain to see the locks of each statement, rules for a rule\'s docs.',
].join(' ');

const pgVersion = z.number().int().min(9).max(30).optional().describe('PostgreSQL major version the migrations run on. Default: pgVersion of the nearest migration-guard.json, else 17.');
const sqlText = z.string().optional().describe('SQL text to analyse instead of a file on disk: a migration you are writing.');
const asFile = z
  .string()
  .optional()
  .describe(
    'With sql: the path the migration has or will have (for example db/migrations/0042_add_index.sql). Its migration tool is detected from it, the earlier migrations of its folder are read, and its migration-guard.json applies. The file need not exist.',
  );

/** A path relative to the server's working folder (the project, as the client starts it) or absolute. */
const PATH_NOTE = 'relative to the project folder the server runs in, or absolute';

function sqlOrFile(args: { path?: string; sql?: string; file?: string }, tool: string): void {
  if ((args.path === undefined) === (args.sql === undefined)) throw new UsageError(`${tool} takes either path (a migration file) or sql (text), not both or neither`);
  if (args.path !== undefined && args.file !== undefined) throw new UsageError('file names the migration that sql will be; with path, leave it out');
}

/** The settings of a migration at `file`, or of one in the working folder when there is no path. */
function settingsOf(file: string | undefined, version: number | undefined): Settings {
  return settingsResolver({ pgVersion: version })(file ?? path.join(process.cwd(), 'migration.sql')).settings;
}

function regularFile(file: string): fs.Stats {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UsageError(`no such file: ${file}`);
  }
  if (!stat.isFile()) throw new UsageError(`${file} is not a file`);
  return stat;
}

function summary(findings: { severity: string }[]) {
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  return { errors: count('error'), warnings: count('warning'), notes: count('info') + count('hint') };
}

/** Findings listed by check unless the caller asks for more: a whole repository's would flood an agent's context. */
const MAX_FINDINGS = 200;

function check(args: { paths?: string[]; sql?: string; file?: string; pgVersion?: number; maxFindings?: number }) {
  if ((args.paths === undefined) === (args.sql === undefined)) throw new UsageError('check takes either paths (files or folders) or sql (text), not both or neither');
  if (args.paths !== undefined && args.file !== undefined) throw new UsageError('file names the migration that sql will be; with paths, leave it out');
  const run = new MigrationRun();
  const analysed: { path: string; findings: ReturnType<typeof findingJson>[]; statements?: Analysis['coverage'] }[] = [];
  if (args.sql !== undefined) {
    const analysis = run.analyzeText(args.sql, args.file, settingsOf(args.file, args.pgVersion));
    if (!analysis) throw new UsageError(`${args.file} is not a migration of a tool Migration Guard reads (TypeORM, Knex, Sequelize, node-pg-migrate, Kysely)`);
    analysed.push({ path: args.file ?? '(sql)', findings: analysis.findings.map((f) => findingJson(f, { analysis })), statements: analysis.coverage });
  } else {
    const settingsFor = settingsResolver({ pgVersion: args.pgVersion });
    const files = collectFiles(args.paths!).filter((f) => !excluded(f.path, settingsFor(f.path)));
    for (const file of files) {
      const r = run.analyzeFile(file, settingsFor(file.path).settings);
      if (r) analysed.push({ path: r.path, findings: r.findings.map((f) => findingJson(f, r)), statements: r.analysis?.coverage });
    }
  }
  const all = analysed.flatMap((r) => r.findings);
  const max = args.maxFindings ?? MAX_FINDINGS;
  // Files in order until the listed findings reach the limit; the summary counts them all.
  const files: typeof analysed = [];
  let listed = 0;
  for (const r of analysed) {
    if (listed >= max && r.findings.length) break;
    const findings = r.findings.slice(0, max - listed);
    listed += findings.length;
    files.push({ ...r, findings });
  }
  const truncated = listed < all.length ? { truncated: `Listed ${listed} of ${all.length} findings (files ${files.length} of ${analysed.length}): check fewer paths, or raise maxFindings.` } : {};
  return { files, summary: { files: analysed.length, ...summary(all) }, ...truncated };
}

function explain(args: { path?: string; sql?: string; file?: string; pgVersion?: number }) {
  sqlOrFile(args, 'explain');
  const run = new MigrationRun();
  const file = args.path ?? args.file;
  const settings = settingsOf(file, args.pgVersion);
  let analysis: Analysis | undefined;
  if (args.path !== undefined) {
    regularFile(args.path);
    const result = run.analyzeFile({ path: args.path }, settings);
    if (result && !result.analysis) throw new UsageError(`${args.path}: ${result.findings[0].message}`);
    analysis = result?.analysis;
  } else analysis = run.analyzeText(args.sql!, args.file, settings);
  if (!analysis) throw new UsageError(`${file} is not a migration of a tool Migration Guard reads`);
  const facts = analysis.facts;
  const json = explainJson(analysis);
  return {
    path: file ?? '(sql)',
    ...json,
    statements: json.statements.map((s, i) => ({ ...s, inWords: lockInWords(facts.statements[i]) })),
    timeline: timeline(facts, analysis.lines) || 'No statement takes a table lock.',
  };
}

function fix(args: { path?: string; sql?: string; file?: string; unsafe?: boolean; write?: boolean; pgVersion?: number }) {
  sqlOrFile(args, 'fix');
  if (args.write && args.path === undefined) throw new UsageError('write needs path: with sql, the fixed text is returned and nothing is written');
  const run = new MigrationRun();
  const file = args.path ?? args.file;
  if (file !== undefined && SOURCE_FILE.test(file)) {
    throw new UsageError(`fix rewrites SQL migrations; for the TypeScript / JavaScript migration ${file}, apply the fix edits that check returns for each finding`);
  }
  const settings = settingsOf(file, args.pgVersion);
  // A file is read as bytes; the fixes go into those bytes (nothing outside their own edits is
  // re-encoded) and the write is atomic, refused on a symbolic link or a file changed since (files.ts).
  const source = args.path !== undefined ? readSource(args.path) : undefined;
  const text = source ? source.text : args.sql!;
  const unreadable = unreadableReason(text, settings);
  if (unreadable) throw new UsageError(`${file ?? 'sql'}: ${unreadable}`);
  // unsafe with a file: a statement that must leave the tool's transaction moves to new migration files.
  const moves = args.unsafe === true && file !== undefined;
  const result = fixAll(text, { ...(file === undefined ? { settings } : run.around(file, settings)), unsafe: args.unsafe, files: moves, invalidUtf8: source ? invalidUtf8Of(source) : undefined });
  const created = moves ? newFiles(file!, result.files) : [];
  const changed = result.text !== text;
  if (args.write && changed) {
    try {
      // The new files first, never over an existing one; they go again if the migration cannot be written.
      const undo = writeNewFiles(created);
      try {
        writeFileAtomic(args.path!, patchBytes(source!, result.edits), { within: path.dirname(args.path!), expected: source!.hash });
      } catch (e) {
        undo();
        throw e;
      }
    } catch (e) {
      if (e instanceof FileProblem) throw new UsageError(`${args.path}: ${e.message}`);
      throw e;
    }
  }
  // What is left: findings without a fix, and fixes that change how the migration runs.
  const after = new MigrationRun().analyzeText(result.text, file, settings);
  const remaining = (after?.findings ?? []).map((f) => ({ rule: f.rule, severity: f.severity, message: f.message, range: f.range }));
  const unsafeLeft = args.unsafe ? 0 : (after?.findings ?? []).filter((f) => f.fixes.some((x) => !x.disabled && x.edits.length && x.safety === 'unsafe')).length;
  return {
    ...(file !== undefined ? { path: file } : {}),
    changed,
    written: Boolean(args.write && changed),
    applied: result.applied,
    ...(unsafeLeft ? { note: `${unsafeLeft} finding${unsafeLeft === 1 ? ' has a fix' : 's have fixes'} that change how the migration runs (CONCURRENTLY, moving statements out of the transaction, splitting a step): call fix with unsafe: true to apply them.` } : {}),
    remaining,
    text: result.text,
    ...(created.length ? { newFiles: created.map((f) => ({ path: f.path, content: f.content })), ...(args.write && changed ? {} : { newFilesNote: 'not written: write: true (with path) creates them with the fixed migration' }) } : {}),
  };
}

function plan(args: { file: string; line: number; pgVersion?: number; extensions?: string[] }) {
  regularFile(args.file);
  if (SOURCE_FILE.test(args.file)) throw new UsageError(`plans rewrite SQL migrations; ${args.file} is a TypeScript / JavaScript file`);
  const settings = settingsOf(args.file, args.pgVersion);
  const text = fs.readFileSync(args.file, 'utf8');
  const unreadable = unreadableReason(text, settings);
  if (unreadable) throw new UsageError(`${args.file}: ${unreadable}`);
  const analysis = new MigrationRun().analyzeForPlan(text, args.file, settings);
  const lines = analysis.lines.position(text.length).line + 1;
  if (args.line > lines) throw new UsageError(`line ${args.line} is past the end of ${args.file} (${lines} lines)`);
  const index = statementOnLine(analysis, args.line - 1);
  if (index < 0) throw new UsageError(`${args.file}:${args.line}: no statement on this line`);
  // No database here: the extensions the caller says are installed stand for the probe the CLI makes.
  const answer = planAnswer(analysis.facts, index, planOptions(settings, { extensions: args.extensions }));
  const result = answer && 'plan' in answer ? answer.plan : undefined;
  const head = statementHead(analysis.facts.statements[index]);
  if (answer && 'missing' in answer) throw new UsageError(`${args.file}:${args.line}: no plan for ${head}: ${answer.missing.replace('(--database)', '(pass extensions: what SELECT extname FROM pg_extension lists on the database)')}`);
  if (!result) throw new UsageError(`${args.file}:${args.line}: no expand-contract plan for ${head} (plans cover type changes, renames, NOT NULL and required columns); call check for its findings and fixes`);
  const framework = analysis.facts.context.framework;
  return {
    title: result.title,
    framework,
    replaces: { file: args.file, line: args.line, statement: analysis.facts.statements[index].statement.text },
    files: planFiles(args.file, framework, result),
    next: `Replace the statement at ${args.file}:${args.line} with these migrations, in order. Each file starts with what the application must do before the next one runs.`,
  };
}

function rules(args: { id?: string }) {
  if (args.id === undefined) {
    return {
      rules: RULES.map(({ meta }) => ({ id: meta.id, severity: meta.severity, ...(meta.enabledByDefault === false ? { enabledByDefault: false } : {}), summary: meta.docs.summary })),
      otherFindings: KNOWN_RULE_IDS.filter((id) => !RULES.some((r) => r.meta.id === id)),
    };
  }
  const rule = RULES.find((r) => r.meta.id === args.id);
  if (!rule) {
    if (KNOWN_RULE_IDS.includes(args.id)) return { id: args.id, why: whyOf(args.id), docs: docsUrl(args.id) };
    const squawk = SQUAWK_RULES[args.id];
    const hint = squawk ? ` It is squawk's name for ${squawk.join(', ')}.` : '';
    throw new UsageError(`unknown rule ${JSON.stringify(args.id)}.${hint} Call rules without id for the list.`);
  }
  const { meta } = rule;
  const d = meta.docs;
  return {
    id: meta.id,
    severity: meta.severity,
    ...(meta.enabledByDefault === false ? { enabledByDefault: false } : {}),
    summary: d.summary,
    why: d.why.replace(/\s*\n\s*/g, ' '),
    unsafe: d.unsafe,
    safe: d.safe,
    ...(d.notes ? { notes: d.notes.replace(/\s*\n\s*/g, ' ') } : {}),
    squawk: meta.squawk ?? [],
    docs: docsUrl(meta.id),
  };
}

/** A tool's answer as JSON text (compact: agents pay per token), or a tool error with the message: nothing escapes to the transport. */
async function answer(compute: () => unknown): Promise<CallToolResult> {
  try {
    await loadParser();
    return { content: [{ type: 'text', text: JSON.stringify(compute()) }] };
  } catch (e) {
    const error = e as NodeJS.ErrnoException;
    // File system errors (EACCES, ELOOP...) name the path: the agent can act on them.
    if (e instanceof UsageError || e instanceof FileProblem || typeof error.code === 'string') return { isError: true, content: [{ type: 'text', text: error.message }] };
    process.stderr.write(`migration-guard mcp: internal error: ${error.stack ?? error}\n`);
    return { isError: true, content: [{ type: 'text', text: `internal error: ${error.message}. Please report it.` }] };
  }
}

export function createMcpServer(): McpServer {
  const server = new McpServer({ name: 'migration-guard', version: VERSION }, { instructions: INSTRUCTIONS });
  server.registerTool(
    'check',
    {
      title: 'Check migrations',
      description: `Lint PostgreSQL migrations for production safety before they run: locks that stop traffic, table rewrites and full scans, transaction problems of the migration tool, data loss. Use it after writing or editing a migration (paths), or on SQL you are about to write (sql, plus file: the path it will have, so that its migration tool and the earlier migrations of its folder are taken into account). Returns per finding: rule, severity, message, range (0-based line, UTF-16 character), why (one sentence), lock (the statement's lock in words) and fixes (title, safety, text edits) when one exists. Severity error means: do not ship it as it is.`,
      inputSchema: {
        paths: z.array(z.string()).min(1).optional().describe(`Migration files or folders (folders are searched for *.sql and TypeScript / JavaScript migrations), ${PATH_NOTE}.`),
        sql: sqlText,
        file: asFile,
        pgVersion,
        maxFindings: z.number().int().min(1).optional().describe(`Findings to list at most (default ${MAX_FINDINGS}); the summary counts all of them.`),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => answer(() => check(args)),
  );
  server.registerTool(
    'explain',
    {
      title: 'Explain locks',
      description:
        'The facts behind the findings, per statement: the lock mode on each table (as pg_locks spells it, and in words), rewrites, full scans, whether it runs inside a transaction, the locks already held, the timeouts in force; and the lock timeline of each transaction. Use it to see why a statement is unsafe, or to check that a rewrite takes weaker locks.',
      inputSchema: {
        path: z.string().optional().describe(`A migration file, ${PATH_NOTE}.`),
        sql: sqlText,
        file: asFile,
        pgVersion,
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => answer(() => explain(args)),
  );
  server.registerTool(
    'fix',
    {
      title: 'Fix a migration',
      description:
        'Applies the fixes of the findings and returns the fixed text, the fixes applied and the findings that remain. Safe fixes only by default; unsafe: true also applies those that change how the migration runs (CREATE INDEX CONCURRENTLY moved out of the transaction, SET NOT NULL as CHECK NOT VALID + VALIDATE, ...), which is usually what you want for a migration that is not yet deployed. Nothing is written unless write: true (with path): then the file is replaced atomically, never through a symbolic link, and not when it changed since it was read. Ignore comments are never added.',
      inputSchema: {
        path: z.string().optional().describe(`A SQL migration file, ${PATH_NOTE}.`),
        sql: sqlText,
        file: asFile,
        unsafe: z.boolean().optional().describe('Also apply fixes that change how the migration runs (transaction, CONCURRENTLY, extra steps). Default false.'),
        write: z.boolean().optional().describe('Write the fixed text back to path. Default false: only return it.'),
        pgVersion,
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    },
    async (args) => answer(() => fix(args)),
  );
  server.registerTool(
    'plan',
    {
      title: 'Plan a safe change',
      description:
        "The expand-contract plan for a change that no single statement can make safely (a column's type, a rename, NOT NULL on an existing column, a required column with a computed value): the migrations to write instead of the statement on file:line, as files with their contents, named the way the file's migration tool expects. Nothing is written: create the files yourself and remove the original statement.",
      inputSchema: {
        file: z.string().describe(`The SQL migration that holds the statement, ${PATH_NOTE}.`),
        line: z.number().int().min(1).describe('1-based line of the statement (any line it spans).'),
        pgVersion,
        extensions: z
          .array(z.string())
          .optional()
          .describe('For VACUUM FULL / CLUSTER: the extensions installed on the database the migration runs on (SELECT extname FROM pg_extension). With pg_squeeze or pg_repack among them the plan uses it; without this list there is no plan.'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => answer(() => plan(args)),
  );
  server.registerTool(
    'rules',
    {
      title: 'Rule docs',
      description:
        "Without id: every rule with its default severity and one-line summary. With id (a finding's rule): why the operation is unsafe, an unsafe example, the safe SQL to write instead, and notes on PostgreSQL versions. Use it before rewriting a migration by hand.",
      inputSchema: { id: z.string().optional().describe('A rule id, as findings carry it (for example require-concurrent-index).') },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async (args) => answer(() => rules(args)),
  );
  return server;
}

/** Serves on stdin / stdout until the client closes them. */
export async function startMcpServer(): Promise<void> {
  // stdout carries the protocol: anything logged goes to stderr.
  console.log = console.error;
  console.info = console.error;
  console.warn = console.error;
  await createMcpServer().connect(new StdioServerTransport());
}

if (require.main === module) void startMcpServer();
