/**
 * The engine's entry point: text → statements → facts → rules → findings. Pure: no editor, no
 * file system, no process; the LSP server and the CLI are adapters over `analyze`.
 */
import { CatalogView } from './catalog';
import { MigrationContext, migrationContext, ProjectHints } from './context';
import { EmbeddedStatement, extractMigration } from './embedded';
import { deriveFacts, FileFacts } from './facts';
import { parseFile, Token } from './parse';
import { LineMap, Range } from './positions';
import { FixSafety, formatMessage, Report } from './rule';
import { DYNAMIC_SQL, INTERNAL_ERROR, OTHER_FINDINGS, otherFinding, SYNTAX_ERROR, UNREADABLE_FILE } from './findings';
import { findRule, RULES, SQUAWK_RULES } from './rules';
import { DEFAULT_SETTINGS, Settings, Severity } from './settings';

export { loadParser } from './parse';

export { DYNAMIC_SQL, EDITED_APPLIED_MIGRATION, INTERNAL_ERROR, SYNTAX_ERROR, UNREADABLE_FILE } from './findings';

/** Every id a finding can carry: what the `rules` setting and ignore comments accept. */
export const KNOWN_RULE_IDS: readonly string[] = [...RULES.map((r) => r.meta.id), ...OTHER_FINDINGS.map((f) => f.id)];

export interface FindingFix {
  title: string;
  safety: FixSafety;
  edits: { range: Range; newText: string }[];
  disabled?: string;
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
  /** Statements the engine has facts for, and those it could not analyse (syntax errors, DO blocks, dynamic SQL). */
  coverage: { analysed: number; unanalysed: number };
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
  /** Project files near the migration, for framework detection (the adapters read the disk). */
  hints?: ProjectHints;
  /**
   * The analysis of the same document before an edit (the language server keeps it): facts are
   * derived again only from the edited statement on (see deriveFacts).
   */
  previous?: Analysis;
  /** How the tool runs the text, when the caller knows it (embedded SQL). */
  context?: MigrationContext;
}

/** Why a text cannot be analysed (binary, too large), or undefined when it can. */
export function unreadableReason(text: string, settings: Settings): string | undefined {
  const limit = settings.maxFileSizeKB * 1024;
  if (text.length > limit) {
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    return `File is ${mb(text.length)}, above the ${mb(limit)} limit (setting maxFileSizeKB): not analysed. Split the migration, or raise the limit.`;
  }
  const sample = text.slice(0, 65536);
  if (sample.includes('\u0000')) return 'Binary file (it contains NUL bytes): not SQL text, not analysed.';
  const controls = sample.match(/[\u0001-\u0008\u000e-\u001f\ufffd]/g)?.length ?? 0;
  if (controls > 8 && controls > sample.length / 100) {
    return 'Binary file (control characters or invalid UTF-8): not SQL text, not analysed.';
  }
  return undefined;
}

const IGNORE = /(migration-guard|squawk)-ignore(-file)?\b([^\n]*)/g;

/** Rule ids named by ignore comments (an empty list means every rule), with the reason written after `--`. */
function ignoredBy(comments: Token[], fileWide: boolean): IgnoreComment[] {
  const out: IgnoreComment[] = [];
  for (const c of comments) {
    for (const m of c.text.matchAll(IGNORE)) {
      if (Boolean(m[2]) !== fileWide) continue;
      // `-- migration-guard-ignore rule-a, rule-b -- reason`
      const [list, ...rest] = m[3].split('--');
      const ids = list.match(/[a-z][a-z0-9-]*/g) ?? [];
      const reason = rest.join('--').replace(/\*\/\s*$/, '').trim() || undefined;
      out.push({ ids: m[1] === 'squawk' ? ids.flatMap((id) => SQUAWK_RULES[id] ?? [id]) : ids, reason });
    }
  }
  return out;
}

interface IgnoreComment {
  ids: string[];
  reason?: string;
}

function suppressedBy(rule: string, comments: IgnoreComment[]): IgnoreComment | undefined {
  return comments.find((c) => c.ids.length === 0 || c.ids.includes(rule));
}

export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  const settings = options.settings ?? DEFAULT_SETTINGS;
  const lines = new LineMap(text);
  const severityOf = (id: string) => settings.rules[id] ?? otherFinding(id)!.severity;

  const reason = unreadableReason(text, settings);
  if (reason) {
    const empty = { text, statements: [], trailingComments: [] };
    const facts = deriveFacts(empty, settings, migrationContext(options.path, empty, settings, options.hints), options.prior);
    const level = severityOf(UNREADABLE_FILE);
    const findings: Finding[] =
      level === 'off' ? [] : [{ rule: UNREADABLE_FILE, severity: level, message: reason, range: lines.range(0, 0), fixes: [] }];
    return { findings, ignored: [], facts, lines, coverage: { analysed: 0, unanalysed: 0 } };
  }

  const parsed = parseFile(text);
  const context = options.context ?? migrationContext(options.path, parsed, settings, options.hints);
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
  const allComments = [...statements.flatMap((s) => [...s.leadingComments, ...s.ownComments]), ...parsed.trailingComments];
  const fileIgnores = ignoredBy(allComments, true);
  const add = (rule: string, severity: Severity, report: Omit<Report, 'messageId'> & { message: string; messageId?: string }) => {
    const index = statementAt(report.start);
    const by =
      suppressedBy(rule, fileIgnores) ??
      (index >= 0 ? suppressedBy(rule, ignoredBy([...statements[index].leadingComments, ...statements[index].ownComments], false)) : undefined);
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
      fixes: (report.fixes ?? []).map((f) => ({
        title: f.title,
        safety: f.safety,
        disabled: f.disabled,
        edits: f.edits.map((e) => ({ range: lines.range(e.start, e.end), newText: e.newText })),
      })),
      statement: index >= 0 ? index : undefined,
    });
  };

  const syntaxLevel = severityOf(SYNTAX_ERROR);
  if (syntaxLevel !== 'off') {
    for (const s of statements) if (s.error) add(SYNTAX_ERROR, syntaxLevel, { start: s.error.start, end: s.error.end, message: s.error.message });
  }
  for (const rule of RULES) {
    const { meta } = rule;
    const configured = settings.rules[meta.id];
    if (configured === 'off' || (configured === undefined && meta.enabledByDefault === false)) continue;
    let reports: (Report & { message: string })[];
    try {
      reports = rule.check(facts).map((r) => ({ ...r, message: formatMessage(meta, r.messageId, r.data) }));
    } catch (e) {
      // A rule bug must not take the file's other findings (or the server) down with it.
      add(INTERNAL_ERROR, otherFinding(INTERNAL_ERROR)!.severity, { start: 0, end: 0, message: `Rule ${meta.id} failed: ${(e as Error).message}. Please report this.` });
      continue;
    }
    for (const r of reports) add(meta.id, configured ?? r.severity ?? meta.severity, r);
  }
  findings.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  const unanalysed = statements.filter((s) => UNMODELLED.has(s.kind)).length;
  return { findings, ignored, facts, lines, coverage: { analysed: statements.length - unanalysed, unanalysed } };
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
  const inner = analyze(virtual, { ...options, context });
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
    coverage: { analysed: inner.coverage.analysed, unanalysed: inner.coverage.unanalysed + migration.dynamic.length },
    source: { tool: migration.tool, lines: sourceLines, toSource, toVirtual },
  };
}
