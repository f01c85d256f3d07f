/**
 * `migration-guard`: the CLI adapter over the engine. check (text, JSON, SARIF), explain, lsp.
 * Exit codes: 0 no error-severity finding, 1 at least one, 2 usage or configuration error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Analysis, analyze, analyzeSource, loadParser, SOURCE_FILE, statementOnLine, unreadableReason } from './engine/analyze';
import { OTHER_FINDINGS } from './engine/findings';
import { checkFolder, existingHash, FileProblem, invalidUtf8Of, makeFolder, newFiles, patchBytes, readSource, SourceFile, writeFileAtomic, writeNewFiles } from './files';
import { fixAll } from './engine/fixall';
import { Plan, planAnswer, PlanOptions, planOptions, planReadsExtensions } from './engine/plan';
import { planFiles } from './planfiles';
import { docsUrl, REPOSITORY_URL } from './engine/docs';
import { RULES } from './engine/rules';
import { Settings } from './engine/settings';
import { CONFIG_NAMES, starterConfig } from './config';
import { collectFiles, excluded, FileResult, MigrationRun, settingsResolver, UsageError, VERSION } from './run';
import { coverageOf, explainJson, explainText, findingJson } from './report';
import { defaultCacheFolder, ResultCache } from './cache';
import { buildChecklist, checklistMarkdown, ChecklistAnswers, ChecklistInput, probeRequest } from './engine/checklist';
// The database client (pg) and the tracer load on the first checklist / trace: `check` never pays for them.
import type { DatabaseTarget } from './database';
import type { TraceResult } from './trace';
import { CI_FORMATS, CiOptions, finish, printCi, scope } from './ci';
import { GitError } from './ci/git';
import { BaselineError } from './ci/baseline';
import type { MigrationTool } from './ci/applied';

const USAGE = `Usage:
  migration-guard check [paths...] [--format text|json|sarif|github|markdown|gitlab] [--pg-version N] [--config FILE]
      [--changed-since REF] [--database URL [--migration-tool TOOL] [--migration-table NAME]]
      [--baseline FILE] [--write-baseline FILE] [--no-cache] [--cache-location DIR]
  migration-guard explain FILE [--format text|json] [--pg-version N] [--config FILE]
  migration-guard fix [paths...] [--write] [--unsafe [--plans] [--database URL]]
  migration-guard plan FILE:LINE [--write] [--database URL]
  migration-guard checklist FILE [--database URL] [--format markdown|json] [--write] [--trace]
      [--staging-tested] [--backups-verified] [--off-peak WHEN] [--monitoring-open]
  migration-guard trace FILE [--database URL --yes] [--schema FILE] [--format text|json]
  migration-guard init [DIR] [--force]
  migration-guard lsp --stdio
  migration-guard mcp
  migration-guard --version | --help

check: analyses *.sql files (folders are searched recursively) and exits 1 when a finding has
severity error. Settings come from --config FILE, or the nearest migration-guard.json (or
.migration-guard.json) above each file; init writes a commented one to start from.
In CI: --changed-since REF reports only the migrations added or changed since the merge base with
REF (earlier ones are still read for their tables); --database URL leaves out the migrations the
tool's applied-migrations table lists (read-only, one query per table); --baseline FILE leaves out
the findings recorded by --write-baseline FILE. docs/ci.md has the setups.
Results are cached per file (keyed by its bytes, the earlier migrations it reads, the settings,
the project files of its tool and the tool's own build) in node_modules/.cache/migration-guard,
or .migration-guard-cache/ where no node_modules folder is above; --no-cache reads and writes
none, --cache-location DIR keeps it elsewhere.

fix: prints each file with its safe fixes applied (--write writes them). --unsafe applies every
fix, moves a statement that must leave the tool's transaction into a new migration of its own,
and answers each remaining error finding with its plan (--plans prints it, --plans --write writes
its migrations) or the reason no safe form exists. plan FILE:LINE: the expand-contract
migrations for the statement on that line. For VACUUM FULL / CLUSTER, --database URL reads which
extensions are installed there (read-only): pg_squeeze or pg_repack make the plan.

checklist: the production checklist for one migration, printed (or written beside it with
--write, as FILE.checklist.md); exits 1 when an item failed. With --database URL (or PGHOST,
PGDATABASE... as libpq reads them) it probes that database read-only.
trace: runs the migration in BEGIN ... ROLLBACK on embedded PGlite (schema from the earlier
migrations of the folder) or, with --database and --yes, on that database, and shows the locks
each statement took against the predicted ones.`;

interface Options {
  command: string;
  paths: string[];
  format: string;
  pgVersion?: number;
  config?: string;
  stdio: boolean;
  force?: boolean;
  write?: boolean;
  unsafe?: boolean;
  plans?: boolean;
  database?: string;
  schema?: string;
  yes?: boolean;
  trace?: boolean;
  pglite?: boolean;
  /** False with --no-cache. */
  cache: boolean;
  cacheLocation?: string;
  answers: ChecklistAnswers;
  ci: CiOptions;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { command: argv[0] ?? '', paths: [], format: argv[0] === 'checklist' ? 'markdown' : 'text', stdio: false, cache: true, answers: {}, ci: {} };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--format' || arg.startsWith('--format=')) options.format = value();
    else if (arg === '--pg-version' || arg.startsWith('--pg-version=')) {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 9 || v > 30) throw new UsageError('--pg-version takes a PostgreSQL major version such as 17');
      options.pgVersion = v;
    } else if (arg === '--config' || arg.startsWith('--config=')) options.config = value();
    else if (arg === '--stdio') options.stdio = true;
    else if (arg === '--force') options.force = true;
    else if (arg === '--write') options.write = true;
    else if (arg === '--unsafe') options.unsafe = true;
    else if (arg === '--plans') options.plans = true;
    else if (arg === '--database' || arg.startsWith('--database=')) options.database = value();
    else if (arg === '--schema' || arg.startsWith('--schema=')) options.schema = value();
    else if (arg === '--yes') options.yes = true;
    else if (arg === '--trace') options.trace = true;
    else if (arg === '--pglite') options.pglite = true;
    else if (arg === '--no-cache') options.cache = false;
    else if (arg === '--cache-location' || arg.startsWith('--cache-location=')) options.cacheLocation = value();
    else if (arg === '--staging-tested') options.answers.stagingTested = true;
    else if (arg === '--backups-verified') options.answers.backupsVerified = true;
    else if (arg === '--monitoring-open') options.answers.monitoringOpen = true;
    else if (arg === '--off-peak' || arg.startsWith('--off-peak=')) options.answers.offPeakWindow = value();
    else if (arg === '--changed-since' || arg.startsWith('--changed-since=')) options.ci.changedSince = value();
    else if (arg === '--baseline' || arg.startsWith('--baseline=')) options.ci.baseline = value();
    else if (arg === '--write-baseline' || arg.startsWith('--write-baseline=')) options.ci.writeBaseline = value();
    else if (arg === '--migration-table' || arg.startsWith('--migration-table=')) options.ci.migrationTable = value();
    else if (arg === '--migration-tool' || arg.startsWith('--migration-tool=')) {
      const tool = value();
      const { MIGRATION_TOOLS } = require('./ci/applied') as typeof import('./ci/applied');
      if (!(MIGRATION_TOOLS as readonly string[]).includes(tool)) throw new UsageError(`--migration-tool takes one of ${MIGRATION_TOOLS.join(', ')}`);
      options.ci.migrationTool = tool as MigrationTool;
    }
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else options.paths.push(arg);
  }
  return options;
}

const migrations = new MigrationRun();

/** SARIF wants a URI: relative to the working folder (the repository root in CI) when inside it. */
function sarifUri(file: string): string {
  const relative = path.relative(process.cwd(), file);
  // A relative reference is percent-encoded like any URI (RFC 3986): spaces, #, %, non-ASCII names.
  if (relative && !relative.startsWith('..') && !path.isAbsolute(relative)) return relative.split(path.sep).map(encodeURIComponent).join('/');
  return pathToFileURL(path.resolve(file)).toString();
}

function printText(results: FileResult[]): string {
  const lines: string[] = [];
  const count = { error: 0, warning: 0, info: 0, hint: 0 };
  for (const r of results) {
    for (const f of r.findings) {
      count[f.severity]++;
      lines.push(`${r.path}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.severity} ${f.rule}: ${f.message}`);
    }
  }
  const total = count.error + count.warning + count.info + count.hint;
  // Coverage: nothing is skipped in silence. Files with statements not analysed are named.
  let analysed = 0;
  let unanalysed = 0;
  let inBodies = 0;
  let dynamic = 0;
  for (const r of results) {
    const c = coverageOf(r);
    if (!c) continue;
    analysed += c.analysed;
    unanalysed += c.unanalysed;
    inBodies += c.inBodies ?? 0;
    dynamic += c.dynamic ?? 0;
    if (c.unanalysed) lines.push(`${r.path}: ${c.analysed} statements analysed, ${c.unanalysed} not analysed (dynamic SQL, DO blocks, syntax errors)`);
  }
  lines.push(
    `${analysed} statements analysed${inBodies ? ` (${inBodies} inside DO blocks and PL/pgSQL routines)` : ''}, ${unanalysed} not analysed${dynamic ? ` (${dynamic} dynamic SQL)` : ''}`,
  );
  lines.push(
    `${results.length} file${results.length === 1 ? '' : 's'} checked: ${total === 0 ? 'no problems' : `${count.error} errors, ${count.warning} warnings, ${count.info + count.hint} notes`}`,
  );
  return lines.join('\n');
}

function printJson(results: FileResult[]): string {
  return JSON.stringify({
    files: results.map((r) => ({
      path: r.path,
      diagnostics: r.findings.map((f) => findingJson(f, r)),
    })),
  });
}

const SARIF_LEVEL = { error: 'error', warning: 'warning', info: 'note', hint: 'note' } as const;

function printSarif(results: FileResult[]): string {
  const rules = [
    ...RULES.map(({ meta: r }) => ({
      id: r.id,
      name: r.id,
      shortDescription: { text: r.docs.summary },
      fullDescription: { text: r.docs.why.replace(/\n/g, ' ') },
      helpUri: docsUrl(r.id),
      help: {
        text: `${r.docs.why}\n\nUnsafe:\n${r.docs.unsafe}\n\nSafe:\n${r.docs.safe}`,
        markdown: `${r.docs.why}\n\n**Unsafe**\n\`\`\`sql\n${r.docs.unsafe}\n\`\`\`\n\n**Safe**\n\`\`\`sql\n${r.docs.safe}\n\`\`\``,
      },
      defaultConfiguration: { level: SARIF_LEVEL[r.severity] },
    })),
    ...OTHER_FINDINGS.map((e) => ({
      id: e.id,
      name: e.id,
      shortDescription: { text: `${e.title}.` },
      fullDescription: { text: e.body.replace(/\n/g, ' ') },
      helpUri: docsUrl(e.id),
      help: { text: e.body, markdown: e.body },
      defaultConfiguration: { level: SARIF_LEVEL[e.severity] },
    })),
  ];
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Migration Guard', informationUri: REPOSITORY_URL, version: VERSION, rules } },
        columnKind: 'utf16CodeUnits',
        results: results.flatMap((r) =>
          r.findings.map((f) => ({
            ruleId: f.rule,
            ruleIndex: index.get(f.rule),
            level: SARIF_LEVEL[f.severity],
            message: { text: f.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: sarifUri(r.path) },
                  region: {
                    startLine: f.range.start.line + 1,
                    startColumn: f.range.start.character + 1,
                    endLine: f.range.end.line + 1,
                    endColumn: f.range.end.character + 1,
                  },
                },
              },
            ],
          })),
        ),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2);
}

async function check(options: Options): Promise<number> {
  const formats = ['text', 'json', 'sarif', ...CI_FORMATS];
  if (!formats.includes(options.format)) throw new UsageError(`--format must be text, json, sarif, github, markdown or gitlab`);
  if ((options.ci.migrationTool || options.ci.migrationTable) && !options.database) throw new UsageError('--migration-tool and --migration-table go with --database URL');
  if (options.database) options.ci.appliedOn = { url: options.database };
  const settingsFor = settingsResolver(options);
  const inputs = options.paths.length ? options.paths : ['.'];
  const all = collectFiles(inputs).filter((f) => !excluded(f.path, settingsFor(f.path)));
  const byPath = new Map(all.map((f) => [f.path, f]));
  try {
    const found = scope(all.map((f) => f.path), inputs, options.ci);
    const cache = options.cache ? new ResultCache(path.resolve(options.cacheLocation ?? defaultCacheFolder())) : undefined;
    const run = new MigrationRun(cache);
    const analysed: FileResult[] = [];
    // The parser is loaded on the first file the cache does not have.
    for (const f of found.files) {
      const result = await run.checkFile(byPath.get(f)!, settingsFor(f).settings);
      if (result) analysed.push(result);
    }
    cache?.evict();
    if (cache?.problem) process.stderr.write(`migration-guard: ${cache.problem}\n`);
    // Baselines and GitLab's report name statements by libpg-query's fingerprint.
    if (options.ci.baseline || options.ci.writeBaseline || options.format === 'gitlab') await loadParser();
    const { results, notes } = await finish(analysed, found, options.ci, (f) => settingsFor(f).settings);
    for (const note of notes) process.stderr.write(`migration-guard: ${note}\n`);
    if (CI_FORMATS.includes(options.format as (typeof CI_FORMATS)[number])) {
      const summary = printText(results).split('\n').pop()!;
      const out = printCi(options.format as (typeof CI_FORMATS)[number], results, found.files.length, notes, summary);
      for (const warning of out.warnings) process.stderr.write(`migration-guard: ${warning}\n`);
      process.stdout.write(`${out.stdout}\n`);
    } else {
      const print = { text: printText, json: printJson, sarif: printSarif }[options.format as 'text' | 'json' | 'sarif'];
      process.stdout.write(print(results) + '\n');
    }
    if (options.ci.writeBaseline) return 0;
    return results.some((r) => r.findings.some((f) => f.severity === 'error')) ? 1 : 0;
  } catch (e) {
    const { DatabaseError } = require('./database') as typeof import('./database');
    if (e instanceof GitError || e instanceof BaselineError || e instanceof DatabaseError) {
      process.stderr.write(`migration-guard: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

async function explain(options: Options): Promise<number> {
  if (options.paths.length !== 1) throw new UsageError('explain takes one FILE');
  if (!['text', 'json'].includes(options.format)) throw new UsageError('--format must be text or json');
  const file = options.paths[0];
  if (!exists(file)) throw new UsageError(`no such file: ${file}`);
  const { settings } = settingsResolver(options)(file);
  await loadParser();
  const result = migrations.analyzeFile({ path: file }, settings);
  if (!result) throw new UsageError(`${file} is not a migration Migration Guard can read`);
  const { analysis, findings } = result;
  if (!analysis) {
    process.stderr.write(`${file}: ${findings[0].message}\n`);
    return 1;
  }
  process.stdout.write(options.format === 'json' ? `${JSON.stringify(explainJson(analysis), null, 2)}\n` : explainText(file, analysis));
  return 0;
}

/**
 * `migration-guard fix [paths...] [--write] [--unsafe]`: prints each file with its safe fixes
 * applied (all fixes with --unsafe), or writes it back with --write. Ignore comments are never
 * written here: ignoring a rule is a person's decision.
 */
async function fix(options: Options): Promise<number> {
  const settingsFor = settingsResolver(options);
  const files = collectFiles(options.paths.length ? options.paths : ['.']).filter((f) => !excluded(f.path, settingsFor(f.path)));
  await loadParser();
  let changed = 0;
  let refused = 0;
  const extensionsOf = extensionsProbe(options);
  const refuse = (file: string, why: string) => {
    refused++;
    process.stderr.write(`${file}: ${why}\n`);
  };
  for (const input of files) {
    const file = input.path;
    if (input.problem) {
      refuse(file, input.problem);
      continue;
    }
    if (SOURCE_FILE.test(file)) continue; // TypeScript / JavaScript migrations: fixes are applied in the editor
    const { settings } = settingsFor(file);
    let source: SourceFile;
    try {
      source = readSource(file);
    } catch (e) {
      if (!(e instanceof FileProblem)) throw e;
      refuse(file, `cannot read: ${e.message}`);
      continue;
    }
    if (unreadableReason(source.text, settings, invalidUtf8Of(source))) continue;
    // --unsafe: a statement that must leave the tool's transaction moves to new migration files.
    const result = fixAll(source.text, { ...migrations.around(file, settings), unsafe: options.unsafe, files: options.unsafe, invalidUtf8: invalidUtf8Of(source) });
    // --unsafe: what no fix answers gets its plan, or the reason there is no safe form.
    if (options.unsafe) {
      try {
        if (!(await answerLeftovers(file, source.text, settings, options, extensionsOf))) refused++;
      } catch (e) {
        if (isDatabaseError(e)) {
          process.stderr.write(`migration-guard: ${(e as Error).message}\n`);
          return 2;
        }
        if (!(e instanceof FileProblem || e instanceof UsageError)) throw e;
        refuse(file, `plan not written: ${e.message}`);
      }
    }
    if (result.text === source.text) continue;
    const created = newFiles(file, result.files);
    // The fixes go into the bytes that were read: nothing outside their own edits is re-encoded.
    let bytes: Buffer;
    try {
      bytes = patchBytes(source, result.edits);
      if (options.write) {
        const undo = writeNewFiles(created);
        try {
          writeFileAtomic(file, bytes, { within: path.dirname(file), expected: source.hash });
        } catch (e) {
          // The statement stays where it was: the new files that would hold it again go.
          undo();
          throw e;
        }
      }
    } catch (e) {
      if (!(e instanceof FileProblem)) throw e;
      refuse(file, `not fixed: ${e.message}`);
      continue;
    }
    changed++;
    if (options.write) {
      process.stderr.write(`${file}: ${result.applied.join('; ')}\n`);
      for (const f of created) process.stderr.write(`wrote ${f.path}\n`);
    } else {
      process.stdout.write(`-- ${file}: ${result.applied.join('; ')}\n`);
      process.stdout.write(bytes);
      if (bytes[bytes.length - 1] !== 0x0a) process.stdout.write('\n');
      for (const f of created) process.stdout.write(`-- new file ${f.path}\n${f.content}`);
    }
  }
  process.stderr.write(`${changed} of ${files.length} file${files.length === 1 ? '' : 's'} ${options.write ? 'fixed' : 'with fixes'}${options.unsafe ? '' : ' (safe fixes only; --unsafe for all)'}${refused ? `, ${refused} refused or unreadable` : ''}\n`);
  return refused ? 1 : 0;
}

/**
 * The error findings of a migration that no fix answers (lines of the file as it is), each with what answers it instead:
 * the rule's plan (printed, or written with --plans --write), or why no safe form exists (the
 * plan's missing piece, or the rule's documented reason). False when one has neither.
 */
async function answerLeftovers(file: string, text: string, settings: Settings, options: Options, extensionsOf: () => Promise<Pick<PlanOptions, 'extensions' | 'available'>>): Promise<boolean> {
  const analysis = analyze(text, migrations.around(file, settings));
  const probed = analysis.findings.some((f) => f.severity === 'error' && f.statement !== undefined && planReadsExtensions(analysis.facts, f.statement)) ? await extensionsOf() : {};
  const o = planOptions(settings, probed);
  const done = new Set<number>();
  let answered = true;
  for (const f of analysis.findings) {
    if (f.severity !== 'error' || f.fixes.some((x) => !x.disabled && (x.edits.length || x.files?.length))) continue;
    const where = `${file}:${f.range.start.line + 1}`;
    const rule = RULES.find((r) => r.meta.id === f.rule);
    const answer = rule?.meta.plan && f.statement !== undefined ? planAnswer(analysis.facts, f.statement, o) : undefined;
    if (answer && 'plan' in answer) {
      if (done.has(f.statement!)) continue;
      done.add(f.statement!);
      if (options.plans) emitPlan(file, where, analysis.facts.context.framework, answer.plan, options);
      else process.stderr.write(`${where}: ${f.rule}: no fix; a plan: ${answer.plan.title} (--plans prints it, --plans --write writes it)\n`);
      continue;
    }
    const reason = answer && 'missing' in answer ? answer.missing : rule?.meta.docs.noSafeForm;
    if (reason) process.stderr.write(`${where}: ${f.rule}: no safe form here: ${reason}\n`);
    else {
      process.stderr.write(`${where}: ${f.rule}: no fix and no plan${f.fixes[0]?.disabled ? `: ${f.fixes[0].disabled}` : ''}\n`);
      answered = false;
    }
  }
  return answered;
}

/** A plan's migrations, printed, or written beside the migration (never over a file, unless --force). */
function emitPlan(file: string, where: string, framework: Analysis['facts']['context']['framework'], result: Plan, options: Options, prefix = `${where}: `): void {
  const files = planFiles(file, framework, result);
  if (options.write) {
    // Plans go beside the migration (Prisma: a folder each, beside the migration's folder), never elsewhere.
    const within = framework === 'prisma' ? path.dirname(path.dirname(file)) : path.dirname(file);
    // Every target is checked before the first is written: a refusal leaves no half-written plan.
    const expected = files.map((f) => {
      if (path.dirname(f.path) !== path.dirname(file)) checkFolder(path.dirname(f.path), within);
      const hash = existingHash(f.path);
      if (hash !== null && !options.force) throw new UsageError(`${f.path} exists already (--force replaces it)`);
      return hash;
    });
    files.forEach((f, i) => {
      if (path.dirname(f.path) !== path.dirname(file) && !fs.existsSync(path.dirname(f.path))) makeFolder(path.dirname(f.path), within);
      writeFileAtomic(f.path, f.content, { within, expected: expected[i] });
      process.stdout.write(`wrote ${f.path}\n`);
    });
    process.stdout.write(`Replace the original statement at ${where} with these migrations.\n`);
  } else {
    process.stdout.write(`-- ${prefix}${result.title} (${framework})\n`);
    for (const f of files) process.stdout.write(`\n-- ${f.path}\n${f.content}`);
  }
}

/**
 * `migration-guard plan FILE:LINE [--write]`: the expand-contract sequence for the statement on
 * that line, as migrations named the way the file's tool expects; printed, or written beside it.
 */
async function plan(options: Options): Promise<number> {
  const target = /^(.*):(\d+)$/.exec(options.paths[0] ?? '');
  if (options.paths.length !== 1 || !target) throw new UsageError('plan takes FILE:LINE (the line of the statement to plan)');
  const [, file, line] = target;
  if (!exists(file)) throw new UsageError(`no such file: ${file}`);
  const { settings } = settingsResolver(options)(file);
  await loadParser();
  const source = readNamed(file);
  const analysis = analyze(source.text, { ...migrations.around(file, settings), invalidUtf8: invalidUtf8Of(source) });
  const index = statementOnLine(analysis, Number(line) - 1);
  let probed: Pick<PlanOptions, 'extensions' | 'available'> = {};
  try {
    if (index >= 0 && planReadsExtensions(analysis.facts, index)) probed = await extensionsProbe(options)();
  } catch (e) {
    if (!isDatabaseError(e)) throw e;
    process.stderr.write(`migration-guard: ${(e as Error).message}\n`);
    return 2;
  }
  const answer = index >= 0 ? planAnswer(analysis.facts, index, planOptions(settings, probed)) : undefined;
  if (!answer || !('plan' in answer)) {
    process.stderr.write(`${file}:${line}: ${answer ? `no plan: ${answer.missing}` : 'no expand-contract plan for this statement (plans cover type changes, renames, NOT NULL, required, serial, identity and generated columns, rewriting defaults, VACUUM FULL / CLUSTER)'}\n`);
    return 1;
  }
  emitPlan(file, `${file}:${line}`, analysis.facts.context.framework, answer.plan, options, '');
  return 0;
}

/**
 * The extensions of the database of --database URL (only that option: a plan or a fix does not
 * connect because PGHOST is set), read once per run and only when a plan needs them (VACUUM FULL,
 * CLUSTER); none without --database. A failed connection is a DatabaseError.
 */
function extensionsProbe(options: Options): () => Promise<Pick<PlanOptions, 'extensions' | 'available'>> {
  let read: Promise<Pick<PlanOptions, 'extensions' | 'available'>> | undefined;
  return () => {
    if (!options.database) return Promise.resolve({});
    const { readExtensions } = require('./database') as typeof import('./database');
    read ??= readExtensions({ url: options.database }).then((found) => ({ extensions: found.installed, available: found.available }));
    return read;
  };
}

function isDatabaseError(e: unknown): boolean {
  return e instanceof (require('./database') as typeof import('./database')).DatabaseError;
}

/** The database of --database URL, else of libpq's environment variables when any is set. */
function databaseOf(options: Options): DatabaseTarget | undefined {
  if (options.pglite) return undefined;
  if (options.database) return { url: options.database };
  return ['PGHOST', 'PGDATABASE', 'PGSERVICE', 'PGPORT', 'PGUSER'].some((k) => process.env[k]) ? {} : undefined;
}

async function oneMigration(options: Options, command: string): Promise<{ file: string; settings: Settings; analysis: Analysis }> {
  if (options.paths.length !== 1) throw new UsageError(`${command} takes one migration file`);
  const file = options.paths[0];
  if (!exists(file)) throw new UsageError(`no such file: ${file}`);
  const { settings } = settingsResolver(options)(file);
  await loadParser();
  const source = readNamed(file);
  const analysis = analyzeSource(source.text, { ...migrations.around(file, settings), invalidUtf8: invalidUtf8Of(source) });
  if (!analysis) throw new UsageError(`${file} is not a migration Migration Guard reads`);
  return { file, settings, analysis };
}

/** `migration-guard checklist FILE`: the production checklist, as Markdown (or JSON). */
async function checklist(options: Options): Promise<number> {
  if (!['markdown', 'json'].includes(options.format)) throw new UsageError('checklist --format takes markdown or json');
  const { file, settings, analysis } = await oneMigration(options, 'checklist');
  const { DatabaseError, gatherEvidence } = (require('./database') as typeof import('./database'));
  const { PgliteHost, runTrace } = (require('./targets') as typeof import('./targets'));
  const input: ChecklistInput = { answers: options.answers };
  const database = databaseOf(options);
  if (database) {
    try {
      input.database = await gatherEvidence(database, probeRequest(analysis));
    } catch (e) {
      if (!(e instanceof DatabaseError)) throw e;
      process.stderr.write(`migration-guard: ${e.message}\n`);
      return 2;
    }
  }
  if (options.trace) {
    const host = new PgliteHost();
    try {
      input.trace = (await runTrace({ file, analysis, settings, schema: options.schema }, host)).summary;
    } finally {
      await host.close();
    }
  }
  const result = buildChecklist(file, analysis, input);
  const text = options.format === 'json' ? `${JSON.stringify({ ...result, database: input.database, trace: input.trace }, null, 2)}\n` : checklistMarkdown(result, new Date().toISOString(), input);
  if (options.write) {
    const out = `${file.replace(/\.(sql|ts|js|mjs|cjs|mts|cts)$/, '')}.checklist.${options.format === 'json' ? 'json' : 'md'}`;
    writeFileAtomic(out, text, { within: path.dirname(file), expected: existingHash(out) });
    process.stdout.write(`wrote ${out}: ${result.counts.passed} passed, ${result.counts.failed} failed, ${result.counts['needs-you']} need you, ${result.counts['not-checked']} not checked\n`);
  } else process.stdout.write(text);
  return result.counts.failed ? 1 : 0;
}

/** `migration-guard trace FILE`: observed locks per statement, on PGlite or (with --yes) the database. */
async function trace(options: Options): Promise<number> {
  if (!['text', 'json'].includes(options.format)) throw new UsageError('trace --format takes text or json');
  const { file, settings, analysis } = await oneMigration(options, 'trace');
  const { DatabaseError, describeTarget } = (require('./database') as typeof import('./database'));
  const { endTraces, PgliteHost, runTrace, TRACE_LOCK_TIMEOUT, TRACE_STATEMENT_TIMEOUT } = (require('./targets') as typeof import('./targets'));
  const { traceText, traceWarnings } = (require('./trace') as typeof import('./trace'));
  const database = databaseOf(options);
  if (database) {
    const warnings = traceWarnings(analysis);
    const sequences = warnings.length ? `\nNot undone by the rollback:\n${warnings.map((w) => `  ${w}`).join('\n')}\n` : '\n';
    if (!options.yes) {
      process.stderr.write(`migration-guard: trace would run ${file} on ${describeTarget(database)} (inside BEGIN ... ROLLBACK, lock_timeout ${TRACE_LOCK_TIMEOUT}, statement_timeout ${TRACE_STATEMENT_TIMEOUT}; the migration's own transaction control is not run). Add --yes to go ahead, or --pglite for the embedded PostgreSQL.${sequences}`);
      return 2;
    }
    if (warnings.length) process.stderr.write(`migration-guard: tracing on ${describeTarget(database)}.${sequences}`);
  }
  // Interrupted: the trace's backend is terminated (its transaction rolls back) before the process ends.
  const interrupted = (signal: NodeJS.Signals) => void endTraces().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const host = new PgliteHost();
  let result: TraceResult;
  try {
    result = await runTrace({ file, analysis, settings, database, schema: options.schema }, host);
  } catch (e) {
    if (!(e instanceof DatabaseError)) throw e;
    process.stderr.write(`migration-guard: ${e.message}\n`);
    return 2;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await host.close();
  }
  process.stdout.write(options.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : `${traceText(result)}\n`);
  return result.summary.errors ? 1 : 0;
}

/** `migration-guard init [DIR]`: writes a commented migration-guard.json to start from. */
function init(options: Options): number {
  if (options.paths.length > 1) throw new UsageError('init takes at most one folder');
  const dir = options.paths[0] ?? '.';
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`no such folder: ${dir}`);
  const file = path.join(dir, CONFIG_NAMES[0]);
  const expected = existingHash(file);
  if (expected !== null && !options.force) throw new UsageError(`${file} exists already (--force replaces it)`);
  writeFileAtomic(file, starterConfig(), { within: dir, expected });
  process.stdout.write(`wrote ${file}\n`);
  return 0;
}

/** The bytes of a file named on the command line; a problem names the file. */
function readNamed(file: string): SourceFile {
  try {
    return readSource(file);
  } catch (e) {
    if (e instanceof FileProblem) throw new FileProblem(`${file}: cannot read: ${e.message}`);
    throw e;
  }
}

/** Whether anything (a file, a folder, a link even to nothing) is at the path: a missing path is a usage error. */
function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

export async function main(argv: string[]): Promise<number> {
  try {
    const first = argv[0];
    if (first === '--version' || first === '-v') {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return first === undefined ? 2 : 0;
    }
    const options = parseArgs(argv);
    switch (options.command) {
      case 'check':
        return await check(options);
      case 'explain':
        return await explain(options);
      case 'init':
        return init(options);
      case 'fix':
        return await fix(options);
      case 'plan':
        return await plan(options);
      case 'checklist':
        return await checklist(options);
      case 'trace':
        return await trace(options);
      case 'lsp':
        // The server runs until the client closes it; stdio is the only transport offered.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require('./server') as typeof import('./server')).startServer();
        return -1;
      case 'mcp':
        // The Model Context Protocol server for coding agents, over stdio, until the client closes it.
        // Its own bundle (dist/mcp.js): `check` never loads the SDK.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        await (require('./mcp') as typeof import('./mcp')).startMcpServer();
        return -1;
      default:
        throw new UsageError(`unknown command ${options.command}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`migration-guard: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    // A file that cannot be read, or a write refused: the reason, no stack trace.
    if (e instanceof FileProblem) {
      process.stderr.write(`migration-guard: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

/** Runs the CLI and sets the exit code (the bin script's entry point). */
export function run(argv: string[]): void {
  main(argv).then(
    (code) => {
      if (code >= 0) process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`migration-guard: internal error: ${(e as Error).stack ?? e}\n`);
      process.exitCode = 2;
    },
  );
}

if (require.main === module) run(process.argv.slice(2));
