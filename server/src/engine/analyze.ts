/**
 * The engine's entry point: text → statements → facts → rules → findings. Pure: no editor, no
 * file system, no process; the LSP server and the CLI are adapters over `analyze`.
 */
import { CatalogView } from './catalog';
import { MigrationContext, migrationContext, ProjectProbe } from './context';
import { EmbeddedStatement, extractMigration } from './embedded';
import { deriveFacts, FileFacts, reusedStatements } from './facts';
import { parseFile, Token } from './parse';
import { BodyStatement } from './plpgsql';
import { LineMap, Range } from './positions';
import { Fix, FixSafety, formatMessage, NewFile, OffsetEdit, Report, Rule } from './rule';
import { DYNAMIC_SQL, FILE_ENCODING, INTERNAL_ERROR, OTHER_FINDINGS, otherFinding, SYNTAX_ERROR, UNREADABLE_FILE } from './findings';
import { IGNORE_REASON_PLACEHOLDER } from '../protocol';
import { findRule, RULES, SQUAWK_RULES } from './rules';
import { DEFAULT_SETTINGS, Settings, Severity } from './settings';

export { loadParser } from './parse';

export { DYNAMIC_SQL, EDITED_APPLIED_MIGRATION, FILE_ENCODING, INTERNAL_ERROR, SYNTAX_ERROR, UNREADABLE_FILE } from './findings';

/** Every id a finding can carry: what the `rules` setting and ignore comments accept. */
export const KNOWN_RULE_IDS: readonly string[] = [...RULES.map((r) => r.meta.id), ...OTHER_FINDINGS.map((f) => f.id)];

export interface FindingFix {
  title: string;
  safety: FixSafety;
  edits: { range: Range; newText: string }[];
  disabled?: string;
  /**
   * Files the fix creates, by paths relative to the migration's folder (a statement moved to a
   * migration of its own): an adapter that cannot create them must not apply the edits either.
   */
  files?: NewFile[];
}

export interface Finding {
  rule: string;
  /** The rule's message id (`meta.messages`); absent on findings that are not rules'. */
  messageId?: string;
  severity: Severity;
  message: string;
  range: Range;
  fixes: FindingFix[];
  /** Index of the statement the finding is on, when it is on one. */
  statement?: number;
}

/** A finding an ignore comment silenced, and the reason the comment gives (after `--`). */
export interface IgnoredFinding extends Omit<Finding, 'fixes'> {
  reason?: string;
}

export interface Analysis {
  findings: Finding[];
  /** Findings silenced by ignore comments: the production checklist asks each for a reason. */
  ignored: IgnoredFinding[];
  facts: FileFacts;
  /** Line/character of the analysed SQL text (for embedded SQL: the SQL extracted from the source). */
  lines: LineMap;
  /**
   * Statements the engine has facts for, and those it could not analyse (syntax errors, DO blocks
   * it cannot read, dynamic SQL). `inBodies`: of the analysed, those inside DO blocks and PL/pgSQL
   * routines; `dynamic`: of the unanalysed, SQL built at run time.
   */
  coverage: { analysed: number; unanalysed: number; inBodies?: number; dynamic?: number };
  /** For SQL embedded in TypeScript / JavaScript: the source file and the way back to it. */
  source?: EmbeddedSource;
}

export interface EmbeddedSource {
  tool: string;
  lines: LineMap;
  /** Source offset of an offset in the extracted SQL, and back. */
  toSource(start: number, end: number): { start: number; end: number };
  toVirtual(offset: number): number | undefined;
}

/** Statement kinds the engine has no facts for: what they do is not known statically. */
const UNMODELLED = new Set(['SyntaxError', 'DoStmt', 'CallStmt', 'ExecuteStmt']);

export interface AnalyzeOptions {
  settings?: Settings;
  /** The file's path, for framework detection. */
  path?: string;
  /** What the earlier migrations of the folder say about the tables (column types, CHECKs). */
  prior?: CatalogView;
  /** A read-only look at the project files around the migration, for framework detection (the adapters read the disk). */
  probe?: ProjectProbe;
  /**
   * The analysis of the same document before an edit (the language server keeps it): facts are
   * derived again only from the edited statement on (see deriveFacts).
   */
  previous?: Analysis;
  /** How the tool runs the text, when the caller knows it (embedded SQL). */
  context?: MigrationContext;
  /**
   * The adapter read the file's bytes and found one that is not UTF-8 (the engine reads no files):
   * its value, and the UTF-16 offset in `text` of the character it was decoded as.
   */
  invalidUtf8?: { offset: number; value: number; /** How many of the first 64 KB of bytes are not UTF-8. */ inSample: number };
}

/** Why the bytes of a file cannot run as they are: a NUL, or a byte that is not UTF-8. At most one report each. */
function encodingReports(text: string, invalidUtf8: AnalyzeOptions['invalidUtf8']): { start: number; end: number; message: string }[] {
  const reports: { start: number; end: number; message: string }[] = [];
  if (invalidUtf8) {
    const hex = `0x${invalidUtf8.value.toString(16).toUpperCase().padStart(2, '0')}`;
    reports.push({
      start: invalidUtf8.offset,
      end: invalidUtf8.offset + 1,
      message: `The file is not UTF-8: byte ${hex} here is not part of a UTF-8 character (Latin-1 or Windows-1252 text?). psql and the migration tools send the file as UTF-8 by default, and PostgreSQL stops with "invalid byte sequence for encoding UTF8". Save the file as UTF-8. Bytes that are not UTF-8 were read as Latin-1.`,
    });
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    reports.push({
      start: nul,
      end: nul + 1,
      message: 'A NUL byte (0x00): SQL text cannot hold one (PostgreSQL and psql read a text up to its first NUL), so what follows may never run. Remove it. The rest of the file is analysed as if it were a space.',
    });
  }
  return reports;
}

/** Why a text cannot be analysed (binary, too large), or undefined when it can. */
export function unreadableReason(text: string, settings: Settings, invalidUtf8?: AnalyzeOptions['invalidUtf8']): string | undefined {
  const limit = settings.maxFileSizeKB * 1024;
  if (text.length > limit) {
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    return `File is ${mb(text.length)}, above the ${mb(limit)} limit (setting maxFileSizeKB): not analysed. Split the migration, or raise the limit.`;
  }
  const sample = text.slice(0, 65536);
  if (sample.includes('\u0000')) return 'Binary file (it contains NUL bytes): not SQL text, not analysed.';
  // Latin-1 text has a few bytes that are not UTF-8 (accents); a binary file has them everywhere.
  if (invalidUtf8 && invalidUtf8.inSample > 8 && invalidUtf8.inSample > Math.min(text.length, 65536) / 10) {
    return 'Binary file (most bytes are not UTF-8 text): not SQL text, not analysed.';
  }
  const controls = sample.match(/[\u0001-\u0008\u000e-\u001f\ufffd]/g)?.length ?? 0;
  if (controls > 8 && controls > sample.length / 100) {
    return 'Binary file (control characters or invalid UTF-8): not SQL text, not analysed.';
  }
  return undefined;
}

const IGNORE = /(migration-guard|squawk)-ignore(-file)?\b([^\n]*)/g;

/** Rule ids named by ignore comments (an empty list means every rule), with the reason written after `--`. */
function ignoredBy(comments: Token[], fileWide: boolean): IgnoreComment[] {
  return comments.flatMap((c) => ignoreComments(c.text, fileWide));
}

/**
 * The ignore comments in a text (`-- migration-guard-ignore rule-a, rule-b -- reason`, squawk's
 * too, with its rule names mapped): per statement, or file-wide (`-ignore-file`).
 */
export function ignoreComments(text: string, fileWide: boolean): IgnoreComment[] {
  const out: IgnoreComment[] = [];
  for (const m of text.matchAll(IGNORE)) {
    if (Boolean(m[2]) !== fileWide) continue;
    const [list, ...rest] = m[3].split('--');
    const ids = list.match(/[a-z][a-z0-9-]*/g) ?? [];
    // `reason: why this is safe here` as the quick fix wrote it, never filled in, is no reason.
    const written = rest.join('--').replace(/\*\/\s*$/, '').trim();
    const reason = written && written.replace(/^reason:\s*/i, '') !== IGNORE_REASON_PLACEHOLDER ? written : undefined;
    out.push({ ids: m[1] === 'squawk' ? ids.flatMap((id) => SQUAWK_RULES[id] ?? [id]) : ids, reason });
  }
  return out;
}

export interface IgnoreComment {
  ids: string[];
  reason?: string;
}

export function suppressedBy(rule: string, comments: IgnoreComment[]): IgnoreComment | undefined {
  return comments.find((c) => c.ids.length === 0 || c.ids.includes(rule));
}

/** The index of the statement on a 0-based line (the first one that starts or ends on it), or -1. */
export function statementOnLine(analysis: Analysis, line: number): number {
  const { start, end } = analysis.lines.lineSpan(line);
  return analysis.facts.statements.findIndex((s) => s.statement.start < end && (s.statement.terminatorEnd ?? s.statement.end) >= start);
}

export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  const settings = options.settings ?? DEFAULT_SETTINGS;
  const lines = new LineMap(text);
  const severityOf = (id: string) => settings.rules[id] ?? otherFinding(id)!.severity;

  const reason = unreadableReason(text, settings, options.invalidUtf8);
  if (reason) {
    const empty = { text, statements: [], trailingComments: [] };
    const facts = deriveFacts(empty, settings, migrationContext(options.path, empty, settings, options.probe), options.prior);
    const level = severityOf(UNREADABLE_FILE);
    const findings: Finding[] =
      level === 'off' ? [] : [{ rule: UNREADABLE_FILE, severity: level, message: reason, range: lines.range(0, 0), fixes: [] }];
    return { findings, ignored: [], facts, lines, coverage: { analysed: 0, unanalysed: 0 } };
  }

  const parsed = parseFile(text);
  const context = options.context ?? migrationContext(options.path, parsed, settings, options.probe);
  const facts = deriveFacts(parsed, settings, context, options.prior, options.previous?.source ? undefined : options.previous?.facts);
  const findings: Finding[] = [];
  const ignored: IgnoredFinding[] = [];
  const statements = parsed.statements;

  // The statement a report is on: the last one starting at or before it (binary search).
  const statementAt = (offset: number) => {
    let lo = 0;
    let hi = statements.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (statements[mid].start <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && offset <= (statements[found].terminatorEnd ?? statements[found].end) ? found : -1;
  };
  // Statements inside PL/pgSQL bodies, by start: a report inside a body is on the innermost one.
  const bodyStatements = [...new Set(facts.statements.flatMap((s) => (s.inner ?? []).map((f) => f.statement as BodyStatement)))].sort((a, b) => a.start - b.start);
  const bodyStatementAt = (offset: number) => {
    for (let i = bodyStatements.length - 1; i >= 0; i--) {
      const b = bodyStatements[i];
      if (b.start <= offset && offset <= (b.terminatorEnd ?? b.end)) return b;
    }
    return undefined;
  };
  const allComments = [...statements.flatMap((s) => [...s.leadingComments, ...s.ownComments]), ...parsed.trailingComments];
  const fileIgnores = ignoredBy(allComments, true);
  const seen = new Set<string>();
  const add = (rule: string, severity: Severity, report: Omit<Report, 'messageId'> & { message: string; messageId?: string }) => {
    // A routine called twice runs the same statements twice: one finding each.
    const key = `${rule}\u0000${report.start}\u0000${report.end}\u0000${report.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    const index = statementAt(report.start);
    const inner = bodyStatements.length ? bodyStatementAt(report.start) : undefined;
    const by =
      suppressedBy(rule, fileIgnores) ??
      (index >= 0 ? suppressedBy(rule, ignoredBy([...statements[index].leadingComments, ...statements[index].ownComments], false)) : undefined) ??
      (inner ? suppressedBy(rule, ignoredBy([...inner.leadingComments, ...inner.ownComments], false)) : undefined);
    if (inner && report.fixes?.length) report = { ...report, fixes: report.fixes.map((f) => fixInBody(f, inner)) };
    if (by) {
      ignored.push({ rule, ...(report.messageId ? { messageId: report.messageId } : {}), severity, message: report.message, range: lines.range(report.start, report.end), statement: index >= 0 ? index : undefined, reason: by.reason });
      return;
    }
    findings.push({
      rule,
      ...(report.messageId ? { messageId: report.messageId } : {}),
      severity,
      message: report.message,
      range: lines.range(report.start, report.end),
      fixes: (report.fixes ?? []).map((f) => {
        // New files ride on the edits of a placement (fixes.ts ownMigration): lifted here, so
        // that rules pass them on without knowing of them.
        const files = [...(f.files ?? []), ...f.edits.flatMap((e) => e.files ?? [])];
        const edits = f.edits.filter((e) => !(e.files && e.start === e.end && e.newText === ''));
        return {
          // Prisma regenerates the SQL from schema.prisma: the fix says what to change there too.
          title: f.prismaSchema && facts.context.framework === 'prisma' ? `${f.title}; in schema.prisma, ${f.prismaSchema}` : f.title,
          safety: f.safety,
          disabled: f.disabled,
          edits: edits.map((e) => ({ range: lines.range(e.start, e.end), newText: e.newText })),
          ...(files.length ? { files } : {}),
        };
      }),
      statement: index >= 0 ? index : undefined,
    });
  };

  const encodingLevel = severityOf(FILE_ENCODING);
  if (encodingLevel !== 'off') for (const r of encodingReports(text, options.invalidUtf8)) add(FILE_ENCODING, encodingLevel, r);
  const syntaxLevel = severityOf(SYNTAX_ERROR);
  if (syntaxLevel !== 'off') {
    for (const s of statements) if (s.error) add(SYNTAX_ERROR, syntaxLevel, { start: s.error.start, end: s.error.end, message: s.error.message });
  }
  const active = RULES.filter((rule) => {
    const configured = settings.rules[rule.meta.id];
    return configured !== 'off' && (configured !== undefined || rule.meta.enabledByDefault !== false);
  });
  const byStatement = statementScopedReports(facts, active, statementAt);
  for (const rule of active) {
    const { meta } = rule;
    const configured = settings.rules[meta.id];
    let reports: FormattedReport[];
    try {
      reports = byStatement.get(rule) ?? formatted(rule, rule.check(facts));
    } catch (e) {
      // A rule bug must not take the file's other findings (or the server) down with it.
      add(INTERNAL_ERROR, otherFinding(INTERNAL_ERROR)!.severity, { start: 0, end: 0, message: `Rule ${meta.id} failed: ${(e as Error).message}. Please report this.` });
      continue;
    }
    for (const r of reports) add(meta.id, (configured as Severity | undefined) ?? r.severity ?? meta.severity, r);
  }
  // PL/pgSQL bodies: one that does not parse is a syntax error (PostgreSQL rejects it when the
  // DO runs); SQL they build at run time is named, as in TypeScript migrations.
  const dynamicLevel = severityOf(DYNAMIC_SQL);
  let dynamic = 0;
  for (const body of new Set(facts.statements.flatMap((s) => s.routines ?? []))) {
    if (body.error) {
      if (syntaxLevel !== 'off') add(SYNTAX_ERROR, syntaxLevel, { start: body.error.start, end: body.error.end, message: body.error.message });
    }
    for (const d of body.dynamic) {
      dynamic++;
      if (dynamicLevel !== 'off') add(DYNAMIC_SQL, dynamicLevel, { start: d.start, end: d.end, message: `Not analysed: ${d.why}. Migration Guard reads SQL written in the ${body.routine}, and EXECUTE of a literal or of format() with a literal format string; check this statement by hand.` });
    }
  }
  findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  // A DO block whose body was read stands for the statements in it: those are counted, not the block.
  const readBlocks = facts.statements.filter((s) => s.kind === 'DoStmt' && s.routines?.length && !s.routines.some((b) => b.error)).length;
  const unmodelled = statements.filter((s) => UNMODELLED.has(s.kind)).length - readBlocks;
  const inBodies = bodyStatements.filter((b) => !b.body.read && b.kind !== 'SyntaxError').length;
  return {
    findings,
    ignored,
    facts,
    lines,
    coverage: { analysed: statements.length - unmodelled - readBlocks + inBodies, unanalysed: unmodelled + dynamic, inBodies, dynamic },
  };
}

type FormattedReport = Report & { message: string };

const formatted = (rule: Rule, reports: Report[]): FormattedReport[] => reports.map((r) => ({ ...r, message: formatMessage(rule.meta, r.messageId, r.data) }));

/** A statement's reports from one rule: `index` is the statement's. */
interface StatementReports {
  index: number;
  reports: FormattedReport[];
}

/**
 * Per analysis: the reports of its statement-scoped rules (in the order of `rules`), by the
 * statement they are on, in statement order. Absent when a report could not be put on the
 * statement it is about: the next analysis then checks every statement again.
 */
const keptReports = new WeakMap<FileFacts, { rules: readonly Rule[]; byRule: StatementReports[][] }>();
/** Per analysis: how many statements its statement-scoped rules checked. */
const checkedCount = new WeakMap<FileFacts, number>();

/**
 * How many statements the statement-scoped rules checked in this analysis (the others kept the
 * previous analysis' reports); undefined when no such rule is on. For tests and benchmarks.
 */
export function statementsChecked(analysis: Analysis): number | undefined {
  return checkedCount.get(analysis.facts);
}

/** A report moved with its statement by `delta` characters (an edit before it). */
function moved(r: FormattedReport, delta: number): FormattedReport {
  const fixes = r.fixes?.map((f) => ({ ...f, edits: f.edits.map((e) => ({ ...e, start: e.start + delta, end: e.end + delta })) }));
  return { ...r, start: r.start + delta, end: r.end + delta, ...(fixes ? { fixes } : {}) };
}

/**
 * The reports of the statement-scoped rules (RuleMeta.scope), each rule's in statement order.
 * With the facts of an edited document (deriveFacts re-used some statements' facts from the
 * previous analysis), the rules check only the statements whose facts were derived again; the
 * others keep the previous analysis' reports, moved with them. A report that is not within the
 * statement it starts on, or that starts on a statement that was not checked (a CALL's body is
 * written in the CREATE FUNCTION before it), cannot be kept: that rule checks the whole file,
 * and this analysis keeps nothing for the next. A rule that throws is left to the caller (not in
 * the map).
 */
function statementScopedReports(facts: FileFacts, active: readonly Rule[], statementAt: (offset: number) => number): Map<Rule, FormattedReport[]> {
  const out = new Map<Rule, FormattedReport[]>();
  const rules = active.filter((r) => r.meta.scope === 'statement');
  if (!rules.length) return out;
  const statements = facts.statements;
  const n = statements.length;
  const reused = reusedStatements(facts);
  const previous = reused && keptReports.get(reused.previous);
  const old = previous && previous.rules.length === rules.length && previous.rules.every((r, k) => r === rules[k]) ? previous : undefined;
  // How far each statement whose previous reports are kept moved; the others are checked.
  // (A statement of the previous analysis past this one's last has no place here: only the
  // statements re-used from the end keep their indexes, when the count is the same.)
  const shiftOf = (i: number): number | undefined => (!old || !reused || i >= n ? undefined : i < reused.before ? 0 : i >= reused.from ? reused.delta : undefined);
  const isChecked = new Uint8Array(n);
  const checked: FileFacts['statements'] = [];
  for (let i = 0; i < n; i++) {
    if (shiftOf(i) !== undefined) continue;
    isChecked[i] = 1;
    checked.push(statements[i]);
  }
  const view: FileFacts = checked.length === n ? facts : { ...facts, statements: checked };
  checkedCount.set(facts, checked.length);
  const byRule: StatementReports[][] = [];
  let complete = true;
  rules.forEach((rule, k) => {
    let reports: FormattedReport[];
    try {
      reports = formatted(rule, rule.check(view));
    } catch {
      complete = false;
      return;
    }
    const fresh = new Map<number, FormattedReport[]>();
    let placed = true;
    for (const r of reports) {
      const i = statementAt(r.start);
      const s = i >= 0 ? statements[i].statement : undefined;
      const within = (a: number, b: number) => s !== undefined && a >= s.start && b <= (s.terminatorEnd ?? s.end);
      if (!s || !isChecked[i] || !within(r.start, r.end) || !(r.fixes ?? []).every((f) => f.edits.every((e) => within(e.start, e.end)))) {
        placed = false;
        break;
      }
      const list = fresh.get(i);
      if (list) list.push(r);
      else fresh.set(i, [r]);
    }
    if (!placed) {
      complete = false;
      out.set(rule, view === facts ? reports : formatted(rule, rule.check(facts)));
      return;
    }
    const entries: StatementReports[] = [...fresh].map(([index, list]) => ({ index, reports: list }));
    if (old) {
      for (const e of old.byRule[k]) {
        const shift = shiftOf(e.index);
        if (shift !== undefined) entries.push(shift === 0 ? e : { index: e.index, reports: e.reports.map((r) => moved(r, shift)) });
      }
    }
    entries.sort((a, b) => a.index - b.index);
    byRule[k] = entries;
    out.set(rule, entries.flatMap((e) => e.reports));
  });
  if (complete) keptReports.set(facts, { rules, byRule });
  return out;
}

/**
 * A quick fix of a report on a statement inside a PL/pgSQL body. Its edits inside the block
 * must stay within that statement's own text, written there as it runs (not the text of an
 * EXECUTE string, nor a PERFORM read as SELECT), and must not bring in what cannot run inside a
 * function (CONCURRENTLY, transaction control, another DO block); edits outside the block (a SET
 * at the top of the file) are kept. Otherwise the fix is shown disabled, with the reason.
 */
function fixInBody(fix: Fix, inner: BodyStatement): Fix {
  if (fix.disabled) {
    // "The transaction does not end in this file": the block's own transaction does, at its end.
    if (/concurrently/i.test(fix.title)) return { ...fix, disabled: `CONCURRENTLY cannot run inside the ${inner.body.routine}: move the statement out of the block, on its own` };
    return /transaction/i.test(fix.disabled) ? { ...fix, disabled: `the statement is inside the ${inner.body.routine}, which runs as one transaction: this fix needs transactions of its own; edit the block by hand` } : fix;
  }
  const container = inner.body.container;
  const inContainer = (e: OffsetEdit) => e.end > container.start && e.start < (container.terminatorEnd ?? container.end);
  const within = (e: OffsetEdit) => e.start >= inner.start && e.end <= (inner.terminatorEnd ?? inner.end);
  const edits = fix.edits.filter(inContainer);
  const where = `inside the ${inner.body.routine}`;
  let why: string | undefined;
  if (edits.length && (!inner.body.verbatim || inner.body.executed)) why = `the statement is ${inner.body.executed ? 'run through EXECUTE' : 'not written as it runs'} ${where}: edit it by hand`;
  else if (edits.some((e) => !within(e))) why = `this fix rewrites the migration around the statement, which is ${where}: edit the block by hand`;
  else if (edits.some((e) => /\bconcurrently\b|\b(begin|commit|rollback)\s*;|\bdo\s+\$/i.test(e.newText))) {
    why = `${/concurrently/i.test(edits.map((e) => e.newText).join(' ')) ? 'CONCURRENTLY cannot run' : 'transaction control and DO blocks do not belong'} ${where}: move the statement out of the block`;
  }
  return why ? { ...fix, edits: [], disabled: why } : fix;
}

/** TypeScript / JavaScript sources the embedded-SQL reader takes. */
export const SOURCE_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;

/**
 * The adapters' entry point: SQL files as they are; TypeScript / JavaScript migrations through the
 * SQL they run, with every finding mapped back to the literal or builder call in the source.
 * Undefined for a source file that is not a migration of a known tool.
 */
export function analyzeSource(text: string, options: AnalyzeOptions = {}): Analysis | undefined {
  if (!options.path || !SOURCE_FILE.test(options.path) || /\.d\.ts$/.test(options.path)) return analyze(text, options);
  const settings = options.settings ?? DEFAULT_SETTINGS;
  const migration = extractMigration(options.path, text);
  if (!migration) return undefined;
  // The extracted SQL, statement after statement, and where each piece came from.
  const pieces: { v: number; sql: string; s: EmbeddedStatement }[] = [];
  let virtual = '';
  for (const s of migration.statements) {
    pieces.push({ v: virtual.length, sql: s.sql, s });
    virtual += `${s.sql.replace(/;\s*$/, '')};\n`;
  }
  const firstDown = pieces.find((p) => p.s.direction === 'down');
  const context: MigrationContext = {
    framework: migration.tool,
    evidence: `${migration.tool} migration (TypeScript / JavaScript)`,
    segments: [{ start: 0, direction: 'up', transaction: migration.transaction }, ...(firstDown ? [{ start: firstDown.v, direction: 'down' as const, transaction: migration.transaction }] : [])],
    wrapsInTransaction: migration.transaction,
    optOut: migration.optOut,
  };
  const inner = analyze(virtual, { ...options, context, invalidUtf8: undefined });
  const sourceLines = new LineMap(text);
  const pieceAt = (v: number) => [...pieces].reverse().find((p) => p.v <= v);
  const toSource = (start: number, end: number) => {
    const p = pieceAt(start);
    if (!p) return { start: 0, end: 0 };
    if (!p.s.exact) return { start: p.s.start, end: p.s.end };
    const clamp = (x: number) => Math.max(p.s.start, Math.min(p.s.end, p.s.start + (x - p.v)));
    return { start: clamp(start), end: clamp(Math.max(start, end)) };
  };
  const toVirtual = (offset: number) => {
    const p = pieces.find((x) => x.s.start <= offset && offset <= x.s.end);
    return p ? p.v + (p.s.exact ? offset - p.s.start : 0) : undefined;
  };
  const mapRange = (r: Range) => {
    const m = toSource(inner.lines.offset(r.start), inner.lines.offset(r.end));
    return sourceLines.range(m.start, m.end);
  };
  const findings: Finding[] = inner.findings.map((f) => ({
    ...f,
    range: mapRange(f.range),
    // A fix can edit the source only inside one literal, character for character.
    fixes: f.fixes.filter((fix) =>
      fix.edits.every((e) => {
        const [a, b] = [inner.lines.offset(e.range.start), inner.lines.offset(e.range.end)];
        const p = pieceAt(a);
        return p?.s.exact && p === pieceAt(b) && b <= p.v + p.sql.length;
      }),
    ).map((fix) => ({ ...fix, edits: fix.edits.map((e) => ({ ...e, range: mapRange(e.range) })) })),
  }));
  // Fixes that edit the source (the literal, a builder's option, the tool's way out of its
  // transaction): the rule's own sourceFix, where it has one.
  for (const f of findings) {
    const sourceFix = findRule(f.rule)?.sourceFix;
    const s = f.statement === undefined ? undefined : inner.facts.statements[f.statement];
    const piece = s && pieceAt(s.statement.start);
    if (!sourceFix || !s || !piece) continue;
    const fix = sourceFix({ s, origin: piece.s, toSource: (offset) => toSource(offset, offset).start, optOutEdit: migration.optOutEdit });
    if (!fix) continue;
    f.fixes = [{ title: fix.title, safety: fix.safety, edits: fix.edits.map((e) => ({ range: sourceLines.range(e.start, e.end), newText: e.newText })) }];
  }
  const encodingLevel = settings.rules[FILE_ENCODING] ?? otherFinding(FILE_ENCODING)!.severity;
  if (encodingLevel !== 'off') {
    for (const r of encodingReports('', options.invalidUtf8)) findings.push({ rule: FILE_ENCODING, severity: encodingLevel, message: r.message, range: sourceLines.range(r.start, r.end), fixes: [] });
  }
  const dynamicLevel = settings.rules[DYNAMIC_SQL] ?? otherFinding(DYNAMIC_SQL)!.severity;
  if (dynamicLevel !== 'off') {
    for (const d of migration.dynamic) {
      findings.push({ rule: DYNAMIC_SQL, severity: dynamicLevel, message: `Not analysed: ${d.why}. Migration Guard reads SQL written as a literal; check this statement by hand.`, range: sourceLines.range(d.start, d.end), fixes: [] });
    }
  }
  findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return {
    findings,
    ignored: inner.ignored.map((i) => ({ ...i, range: mapRange(i.range) })),
    facts: inner.facts,
    lines: inner.lines,
    coverage: { ...inner.coverage, unanalysed: inner.coverage.unanalysed + migration.dynamic.length, dynamic: (inner.coverage.dynamic ?? 0) + migration.dynamic.length },
    source: { tool: migration.tool, lines: sourceLines, toSource, toVirtual },
  };
}
