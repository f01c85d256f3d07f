/**
 * The CI side of `check`: which files a run reports (`--changed-since`, `--database`), the
 * edited-applied-migration finding, baselines, and the CI output formats. The CLI parses the
 * options and calls these around its analysis; earlier files are still read for the chain of
 * earlier migrations (history.ts), only their findings are left out.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Finding, ignoreComments, suppressedBy } from '../engine/analyze';
import { EDITED_APPLIED_MIGRATION, otherFinding } from '../engine/findings';
import { Settings } from '../engine/settings';
import { frameworkOf } from '../report';
import { applyBaseline, baselineOf, readBaseline, writeBaseline } from './baseline';
import { appendStepSummary, githubCommands, gitlabIssues, markdownReport, ReportedFile } from './formats';
import { changedSince, fileKey } from './git';
import type { MigrationTool } from './applied';

export const CI_FORMATS = ['github', 'markdown', 'gitlab'] as const;

export interface CiOptions {
  changedSince?: string;
  /** The database whose applied-migrations table is read. */
  appliedOn?: import('../database').DatabaseTarget;
  migrationTool?: MigrationTool;
  migrationTable?: string;
  baseline?: string;
  writeBaseline?: string;
}

export interface Scope {
  /** The files to analyse and report. */
  files: string[];
  /** Files to report with the edited-applied-migration finding, and why. */
  edited: Map<string, string>;
  notes: string[];
}

/** Before the analysis: with --changed-since, only the files the branch adds or changes. */
export function scope(files: string[], inputs: string[], options: CiOptions): Scope {
  const result: Scope = { files, edited: new Map(), notes: [] };
  if (!options.changedSince) return result;
  const ref = options.changedSince;
  const changes = changedSince(ref, inputs);
  result.files = files.filter((f) => changes.changed.has(fileKey(f)));
  const base = changes.base.slice(0, 12);
  for (const f of result.files) {
    if (!changes.existed.has(fileKey(f))) continue;
    result.edited.set(
      path.resolve(f),
      `This migration existed at ${base} (the merge base with ${ref}) and was changed since. A database that already ran it will not run it again: the change reaches only new databases, and tools that keep checksums (Flyway, Prisma, sqlx, Liquibase) refuse to go on. Put the change in a new migration.`,
    );
  }
  const earlier = files.length - result.files.length;
  result.notes.push(
    `--changed-since ${ref}: ${result.files.length} of ${files.length} migration${files.length === 1 ? '' : 's'} added or changed since ${base}${earlier ? `; ${earlier === 1 ? 'the other is' : `the ${earlier} others are`} read for the tables ${earlier === 1 ? 'it creates' : 'they create'}, not reported` : ''}`,
  );
  return result;
}

/** `-- migration-guard-ignore-file` naming the finding (or naming nothing, which ignores every finding). */
/** A file-wide ignore of the rule in the file (the file is not analysed here: its whole text is read as the comments). */
function ignoredInFile(text: string, rule: string): boolean {
  return suppressedBy(rule, ignoreComments(text, true)) !== undefined;
}

function editedFinding(message: string, settings: Settings, text: string): Finding | undefined {
  const severity = settings.rules[EDITED_APPLIED_MIGRATION] ?? otherFinding(EDITED_APPLIED_MIGRATION)!.severity;
  if (severity === 'off' || ignoredInFile(text, EDITED_APPLIED_MIGRATION)) return undefined;
  const at = { line: 0, character: 0 };
  return { rule: EDITED_APPLIED_MIGRATION, severity, message, range: { start: at, end: at }, fixes: [] };
}

export interface Finished<R extends ReportedFile> {
  results: R[];
  notes: string[];
}

/**
 * After the analysis: leaves out the files the database ran (an applied file whose checksum
 * changed keeps only the edited-applied finding), adds the edited-applied findings, then writes
 * and applies baselines.
 */
export async function finish<R extends ReportedFile>(results: R[], found: Scope, options: CiOptions, settingsFor: (file: string) => Settings): Promise<Finished<R>> {
  const notes = [...found.notes];
  let kept = results;
  const text = (file: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  if (options.appliedOn) {
    const { readApplied } = require('./applied') as typeof import('./applied');
    const files = results.map((r) => ({ path: r.path, text: text(r.path), framework: frameworkOf(r) ?? 'plain' }));
    const report = await readApplied(options.appliedOn, files, { tool: options.migrationTool, table: options.migrationTable });
    notes.push(...report.notes);
    kept = [];
    for (const r of results) {
      const state = report.applied.get(path.resolve(r.path));
      if (!state) kept.push(r);
      else if (state.edited && !found.edited.has(path.resolve(r.path))) {
        const when = state.at && !Number.isNaN(state.at.getTime()) ? ` at ${state.at.toISOString()}` : '';
        const message = `This migration was applied on ${report.where}${when} (${state.tool}'s ${state.table}), and the checksum recorded there differs from the file: it was edited after it ran. The edit reaches only new databases, and ${state.tool} may refuse to go on. Put the change in a new migration.`;
        const finding = editedFinding(message, settingsFor(r.path), text(r.path));
        if (finding) kept.push({ ...r, findings: [finding] });
      }
    }
  }
  for (const r of kept) {
    const why = found.edited.get(path.resolve(r.path));
    const finding = why && editedFinding(why, settingsFor(r.path), text(r.path));
    if (finding) r.findings = [finding, ...r.findings];
  }
  if (options.writeBaseline) {
    const baseline = baselineOf(options.writeBaseline, kept);
    writeBaseline(options.writeBaseline, baseline);
    notes.push(`wrote ${baseline.findings.length} finding${baseline.findings.length === 1 ? '' : 's'} to the baseline ${options.writeBaseline}`);
  }
  if (options.baseline) {
    const dropped = applyBaseline(options.baseline, readBaseline(options.baseline), kept);
    notes.push(`${dropped} finding${dropped === 1 ? '' : 's'} in the baseline ${options.baseline}: not reported`);
  }
  return { results: kept, notes };
}

/** The CI formats' output; for github, the job summary is appended to $GITHUB_STEP_SUMMARY when it is set. */
export function printCi(format: (typeof CI_FORMATS)[number], results: ReportedFile[], checked: number, notes: string[], summaryLine: string): { stdout: string; warnings: string[] } {
  const warnings: string[] = [];
  if (format === 'gitlab') return { stdout: JSON.stringify(gitlabIssues(results), null, 2), warnings };
  if (format === 'markdown') return { stdout: markdownReport(results, checked, notes).trimEnd(), warnings };
  const summaryFile = process.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) {
    const problem = appendStepSummary(summaryFile, markdownReport(results, checked, notes));
    if (problem) warnings.push(problem);
  }
  return { stdout: [...githubCommands(results), summaryLine].join('\n'), warnings };
}
