/** How findings become LSP diagnostics, and what each diagnostic carries for the code actions. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CodeActionKind, Diagnostic, DiagnosticSeverity, Range } from 'vscode-languageserver/node';
import { Analysis, Finding, FindingFix } from '../engine/analyze';
import { Token } from '../engine/parse';
import { fileCommentPlace } from '../engine/context';
import { docsUrl } from '../engine/docs';
import { Severity } from '../engine/settings';

/** What a diagnostic carries for the code-action handler, so that it recomputes nothing. */
export interface DiagnosticData {
  fixes: FindingFix[];
  rule: string;
  /** Line of the statement's start, where an ignore comment goes. */
  statementLine?: number;
  /** Where the file-wide ignore comment goes (after a tool's header line), and the text before/after the comment. */
  fileIgnore?: { range: Range; before: string; after: string };
}

/** The editor's "fix all" kind for this extension: `editor.codeActionsOnSave: {"source.fixAll.migrationGuard": "explicit"}`. */
export const FIX_ALL = `${CodeActionKind.SourceFixAll}.migrationGuard`;

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

const docsHref = new Map<string, string>();
/** The rule's page shipped beside the bundle (works offline), else the repository's copy. */
function docsLink(rule: string): string {
  let href = docsHref.get(rule);
  if (!href) {
    const local = path.join(__dirname, '..', 'docs', 'rules', `${rule}.md`);
    href = fs.existsSync(local) ? pathToFileURL(local).toString() : docsUrl(rule);
    docsHref.set(rule, href);
  }
  return href;
}

/** The document range of a span of the analysed SQL: itself, or the TypeScript it came from. */
export function documentRange(analysis: Analysis, start: number, end: number): Range {
  if (!analysis.source) return analysis.lines.range(start, end);
  const mapped = analysis.source.toSource(start, end);
  return analysis.source.lines.range(mapped.start, mapped.end);
}

/** Where "Ignore ... for this file" inserts its comment: the same for every finding of an analysis. */
const fileIgnoreSpots = new WeakMap<Analysis, DiagnosticData['fileIgnore']>();
function fileIgnoreAt(analysis: Analysis): DiagnosticData['fileIgnore'] {
  let spot = fileIgnoreSpots.get(analysis);
  if (!spot) {
    const { offset, before, after } = fileCommentPlace(analysis.facts.parsed.text);
    spot = { range: analysis.lines.range(offset, offset), before, after };
    fileIgnoreSpots.set(analysis, spot);
  }
  return spot;
}

export function toDiagnostic(finding: Finding, analysis: Analysis): Diagnostic {
  const statement = finding.statement === undefined ? undefined : analysis.facts.parsed.statements[finding.statement];
  const data: DiagnosticData = {
    fixes: finding.fixes,
    rule: finding.rule,
    // Ignore comments are SQL comments: offered in SQL files only.
    statementLine: statement && !analysis.source ? analysis.lines.position(statement.start).line : undefined,
    fileIgnore: analysis.source ? undefined : fileIgnoreAt(analysis),
  };
  return {
    range: finding.range,
    severity: SEVERITY[finding.severity],
    code: finding.rule,
    codeDescription: { href: docsLink(finding.rule) },
    source: 'migration-guard',
    message: finding.message,
    data,
  };
}

/** The relation name a token stands for, with its schema when the SQL qualifies it: `app.users`. */
export function relationNameAt(tokens: Token[], i: number): string | undefined {
  const unquote = (t: Token) => (t.text.startsWith('"') ? t.text.slice(1, -1).replace(/""/g, '"') : t.text.toLowerCase());
  const t = tokens[i];
  if (t.name !== 'IDENT' && !t.keyword) return undefined;
  if (tokens[i + 1]?.text === '.' && tokens[i + 2]) return `${unquote(t)}.${unquote(tokens[i + 2])}`;
  if (tokens[i - 1]?.text === '.' && tokens[i - 2]) return `${unquote(tokens[i - 2])}.${unquote(t)}`;
  return unquote(t);
}
