/**
 * Output for the places CI users look: GitHub Actions workflow commands (annotations on the pull
 * request's diff) and a job summary, a Markdown pull-request comment, and GitLab's Code Quality
 * report. Each is a pure function of the findings; the CLI prints or appends what they return.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Analysis, Finding, FindingFix } from '../engine/analyze';
import { docsUrl } from '../engine/docs';
import { blocksInWords, lockName } from '../engine/locks';
import { Severity } from '../engine/settings';
import { statementFingerprint } from './baseline';
import type { Reported } from '../report';

export interface ReportedFile extends Reported {
  path: string;
  findings: Finding[];
}

/** A path as CI shows it: relative to the working folder (the repository root in CI) when inside it. */
export function repositoryPath(file: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, path.resolve(file));
  if (relative && !relative.startsWith('..') && !path.isAbsolute(relative)) return relative.split(path.sep).join('/');
  return path.resolve(file).split(path.sep).join('/');
}

// GitHub's workflow commands (docs.github.com, "Workflow commands for GitHub Actions"; actions/toolkit
// packages/core/src/command.ts): `::error file=F,line=L,...::message`. The message escapes % \r \n;
// property values escape , and : too.
export const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

const GITHUB_LEVEL: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice', hint: 'notice' };

/** One workflow command per finding: GitHub shows each as an annotation on the file's line. */
export function githubCommands(results: ReportedFile[], cwd = process.cwd()): string[] {
  return results.flatMap((r) =>
    r.findings.map((f) => {
      const props = {
        file: repositoryPath(r.path, cwd),
        line: f.range.start.line + 1,
        col: f.range.start.character + 1,
        endLine: f.range.end.line + 1,
        endColumn: f.range.end.character + 1,
        title: `${f.rule} (Migration Guard)`,
      };
      const list = Object.entries(props)
        .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
        .join(',');
      return `::${GITHUB_LEVEL[f.severity]} ${list}::${escapeData(`${f.message}\n${docsUrl(f.rule)}`)}`;
    }),
  );
}

/** The locks a finding's statement takes, in words: "ACCESS EXCLUSIVE on users: blocks reads and writes ..., held until COMMIT". */
export function lockInWords(f: Finding, analysis: Analysis | undefined): string | undefined {
  const s = f.statement === undefined ? undefined : analysis?.facts.statements[f.statement];
  if (!s) return undefined;
  const held = s.inTransaction ? 'held until COMMIT' : 'held while the statement runs';
  const locks = [...s.locks.map((l) => ({ on: l.relation, mode: l.mode })), ...s.implicitLocks.map((i) => ({ on: i.on, mode: i.mode }))];
  if (!locks.length) return undefined;
  const parts = locks.map((l) => `${lockName(l.mode)} on \`${l.on}\`: ${blocksInWords(l.mode)}`);
  const work = [...s.rewrites.map((t) => `rewrites \`${t}\``), ...s.scans.map((t) => `scans \`${t}\` in full`)];
  return `${parts.join('; ')} (${held})${work.length ? `; ${work.join(', ')}` : ''}.`;
}

/** The fix to show: the first safe one, else the first one offered. */
function fixOf(f: Finding): FindingFix | undefined {
  const usable = f.fixes.filter((x) => !x.disabled);
  return usable.find((x) => x.safety === 'safe') ?? usable[0];
}

/** The statement as the fix leaves it, when every edit of the fix is inside the statement (SQL files). */
export function fixedStatement(f: Finding, fix: FindingFix, analysis: Analysis | undefined): string | undefined {
  const s = f.statement === undefined || analysis?.source ? undefined : analysis?.facts.statements[f.statement];
  if (!s || !analysis) return undefined;
  const { start } = s.statement;
  const end = s.statement.terminatorEnd ?? s.statement.end;
  const text = analysis.lines.text.slice(start, end);
  const edits = fix.edits.map((e) => ({ from: analysis.lines.offset(e.range.start), to: analysis.lines.offset(e.range.end), text: e.newText }));
  if (!edits.length || edits.some((e) => e.from < start || e.to > end)) return undefined;
  let out = text;
  for (const e of [...edits].sort((a, b) => b.from - a.from)) out = out.slice(0, e.from - start) + e.text + out.slice(e.to - start);
  return out.trim();
}

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A fence that the text cannot close: longer than any run of backticks in it. */
const fence = (text: string) => '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));

/** Markdown text of a message: nothing in it starts HTML or breaks the list it is in. */
const inline = (text: string) => text.replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).replace(/\r?\n/g, ' ');

export const MARKDOWN_MARKER = '<!-- migration-guard -->';

/**
 * A pull-request comment (and GitHub job summary): findings grouped by file, each with its rule's
 * page, the lock in words and the fix when there is one. `files` is the number of files checked.
 */
export function markdownReport(results: ReportedFile[], files: number, notes: string[] = [], cwd = process.cwd()): string {
  const all = results.flatMap((r) => r.findings);
  const by = (s: Severity[]) => all.filter((f) => s.includes(f.severity)).length;
  const out: string[] = [MARKDOWN_MARKER, ''];
  if (!all.length) {
    out.push(`### Migration Guard: no problems in ${count(files, 'migration')}`);
  } else {
    out.push(`### Migration Guard: ${count(by(['error']), 'error')}, ${count(by(['warning']), 'warning')}, ${count(by(['info', 'hint']), 'note')} in ${count(results.filter((r) => r.findings.length).length, 'file')}`);
    out.push('', `${count(files, 'migration')} checked. Errors stop production traffic or fail outright; each rule's page says why and shows the safe SQL.`);
  }
  for (const r of results) {
    if (!r.findings.length) continue;
    out.push('', `#### \`${repositoryPath(r.path, cwd)}\``, '');
    for (const f of r.findings) {
      out.push(`- **${f.severity}** [\`${f.rule}\`](${docsUrl(f.rule)}) line ${f.range.start.line + 1}: ${inline(f.message)}`);
      const lock = r.analysis ? lockInWords(f, r.analysis) : r.summary?.outlines.get(f)?.ciLock;
      if (lock) out.push(`  - Lock: ${inline(lock)}`);
      const fix = fixOf(f);
      if (fix) {
        out.push(`  - Fix${fix.safety === 'safe' ? '' : ' (changes how the migration runs: review it)'}: ${inline(fix.title)}`);
        const sql = r.analysis ? fixedStatement(f, fix, r.analysis) : (r.summary?.outlines.get(f)?.fixed?.[f.fixes.indexOf(fix)] ?? undefined);
        if (sql) {
          const fenceText = fence(sql);
          out.push('', `    ${fenceText}sql`, ...sql.split(/\r?\n/).map((l) => `    ${l}`), `    ${fenceText}`, '');
        }
      }
    }
  }
  if (notes.length) out.push('', '<details><summary>How this run was scoped</summary>', '', ...notes.map((n) => `- ${inline(n)}`), '', '</details>');
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

/**
 * Appends the summary to the job summary file GitHub names in $GITHUB_STEP_SUMMARY. Appends only
 * (what other steps wrote stays), and never through a symbolic link. Returns why it did not, if it did not.
 */
export function appendStepSummary(file: string, markdown: string): string | undefined {
  try {
    if (fs.lstatSync(file).isSymbolicLink()) return `${file} is a symbolic link: the job summary was not written`;
  } catch {
    // a new file: appendFileSync creates it
  }
  try {
    fs.appendFileSync(file, `${markdown}\n`, { flag: 'a' });
  } catch (e) {
    return `cannot append the job summary to ${file}: ${(e as Error).message}`;
  }
  return undefined;
}

// GitLab Code Quality (docs.gitlab.com, ci/testing/code_quality, "Code Quality report format"): a
// JSON array of issues with description, check_name, fingerprint, severity and location.
const GITLAB_SEVERITY: Record<Severity, 'info' | 'minor' | 'major' | 'critical' | 'blocker'> = { error: 'major', warning: 'minor', info: 'info', hint: 'info' };

export interface CodeQualityIssue {
  description: string;
  check_name: string;
  fingerprint: string;
  severity: 'info' | 'minor' | 'major' | 'critical' | 'blocker';
  location: { path: string; lines: { begin: number; end: number } };
}

/**
 * The Code Quality issues. The fingerprint is stable across line moves (rule, file, statement
 * fingerprint, and which occurrence of that statement it is), so GitLab's merge-request widget
 * compares the branch with its target by finding, not by line.
 */
export function gitlabIssues(results: ReportedFile[], cwd = process.cwd()): CodeQualityIssue[] {
  const seen = new Map<string, number>();
  return results.flatMap((r) =>
    r.findings.map((f) => {
      const file = repositoryPath(r.path, cwd);
      const identity = `${f.rule}\0${file}\0${statementFingerprint(f, r)}`;
      const nth = (seen.get(identity) ?? 0) + 1;
      seen.set(identity, nth);
      return {
        description: `${f.message} (${f.rule})`,
        check_name: f.rule,
        fingerprint: createHash('md5').update(`${identity}\0${nth}`).digest('hex'),
        severity: GITLAB_SEVERITY[f.severity],
        location: { path: file, lines: { begin: f.range.start.line + 1, end: f.range.end.line + 1 } },
      };
    }),
  );
}
