/**
 * Findings and facts as machine output, for the CLI's JSON and the MCP server alike: an agent
 * that runs `check --format json` gets the same finding objects as one that calls the MCP tool.
 */
import { Analysis, Finding } from './engine/analyze';
import { OTHER_FINDINGS } from './engine/findings';
import { inBody } from './engine/plpgsql';
import { StatementFacts } from './engine/facts';
import { lockName } from './engine/locks';
import { describeStatement, lockWords, timeline, withBodies } from './engine/describe';
import { RULES } from './engine/rules';
import { fixedStatement, lockInWords as ciLockInWords } from './ci/formats';

/** The first sentence of a text (a `...` in `ALTER TABLE ... ADD` does not end one). */
function firstSentence(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ').trim();
  return /^[\s\S]*?[^.][.!?](?=\s|$)/.exec(flat)?.[0] ?? flat;
}

const WHY = new Map<string, string>([...RULES.map(({ meta }): [string, string] => [meta.id, meta.docs.because ?? firstSentence(meta.docs.why)]), ...OTHER_FINDINGS.map((f): [string, string] => [f.id, f.why])]);

/** Why a rule's findings matter, in one sentence (the rule's docs, where they live). */
export function whyOf(rule: string): string | undefined {
  return WHY.get(rule);
}

/**
 * The locks a statement takes, what they block and for how long, in words:
 * `SHARE on users: blocks writes (INSERT, UPDATE, DELETE); reads continue. Released when the statement ends.`
 */
export function lockInWords(s: StatementFacts): string | undefined {
  if (s.kind === 'SyntaxError') return undefined;
  const onExisting = s.locks.filter((l) => l.existing);
  const sentences: string[] = onExisting.map((l) => `${lockName(l.mode)} on ${l.relation}: ${lockWords(s, l.mode)}.`);
  if (!onExisting.length && s.locks.length) sentences.push(`Locks only tables created earlier in this migration (${s.locks.map((l) => l.relation).join(', ')}): nobody else waits on them.`);
  for (const i of s.implicitLocks) sentences.push(`${lockName(i.mode)} on ${i.on}${i.scanned ? ', read in full' : ''}.`);
  if (!sentences.length) return 'Takes no table lock.';
  for (const r of s.rewrites) sentences.push(`Rewrites ${r} into new storage while the lock is held.`);
  for (const r of s.scans) sentences.push(`Reads all of ${r} while the lock is held.`);
  sentences.push(s.inTransaction ? 'Held until the transaction ends.' : 'Released when the statement ends.');
  return sentences.join(' ');
}

export interface FindingJson {
  rule: string;
  severity: string;
  message: string;
  range: Finding['range'];
  /** Why the rule matters, in one sentence. */
  why?: string;
  /** The lock of the statement the finding is on, in words. */
  lock?: string;
  /** The fixes, with their edits (0-based lines, UTF-16 characters, as the finding's range). */
  fixes?: { title: string; safety: string; edits: Finding['fixes'][number]['edits']; disabled?: string }[];
}

/**
 * What the output formats read of a finding's statement, beyond the finding itself. The result
 * cache keeps these instead of the analysis, so that a cached run prints what a fresh one does.
 */
export interface FindingOutline {
  /** JSON's `lock` (lockInWords above). */
  lock?: string;
  /** The CI formats' lock in words (ci/formats.ts). */
  ciLock?: string;
  /** Per fix, in the finding's order: the statement as the fix leaves it, or null (ci/formats.ts). */
  fixed?: (string | null)[];
  /** What the statement's fingerprint is made from (ci/baseline.ts): its text and whether it parsed. */
  statement?: { text: string; parsed: boolean };
}

/** What the output formats read of an analysis besides its findings: a cached result has this, not the analysis. */
export interface ResultSummary {
  coverage: Analysis['coverage'];
  framework: string;
  outlines: ReadonlyMap<Finding, FindingOutline>;
}

/** A file's result as the output formats see it: the analysis when it was made in this run, else the cache's summary. */
export interface Reported {
  analysis?: Analysis;
  summary?: ResultSummary;
}

/** The outline of a finding in a result: computed from the analysis, or as the cache kept it. */
export function outlineOf(f: Finding, r: Reported): FindingOutline {
  if (!r.analysis) return r.summary?.outlines.get(f) ?? {};
  const analysis = r.analysis;
  const s = f.statement === undefined ? undefined : analysis.facts.statements[f.statement];
  if (!s) return {};
  return {
    lock: lockInWords(s),
    ciLock: ciLockInWords(f, analysis),
    fixed: f.fixes.map((fix) => fixedStatement(f, fix, analysis) ?? null),
    statement: { text: s.statement.text, parsed: !s.statement.error },
  };
}

export const coverageOf = (r: Reported) => r.analysis?.coverage ?? r.summary?.coverage;
export const frameworkOf = (r: Reported) => r.analysis?.facts.context.framework ?? r.summary?.framework;

/** A finding as JSON: rule, severity, message and range as they always were, then why, lock and fixes. */
export function findingJson(f: Finding, r: Reported): FindingJson {
  const out: FindingJson = { rule: f.rule, severity: f.severity, message: f.message, range: f.range };
  const why = whyOf(f.rule);
  if (why) out.why = why;
  const s = f.statement === undefined ? undefined : r.analysis?.facts.statements[f.statement];
  const lock = r.analysis ? s && lockInWords(s) : r.summary?.outlines.get(f)?.lock;
  if (lock) out.lock = lock;
  if (f.fixes.length) out.fixes = f.fixes.map((x) => ({ title: x.title, safety: x.safety, edits: x.edits, ...(x.disabled ? { disabled: x.disabled } : {}) }));
  return out;
}

/** Where a statement is in the file: for a TypeScript / JavaScript migration, the literal or call the SQL came from. */
function rangeOf(analysis: Analysis, start: number, end: number) {
  if (!analysis.source) return analysis.lines.range(start, end);
  const at = analysis.source.toSource(start, end);
  return analysis.source.lines.range(at.start, at.end);
}

/** `explain --format json`: the migration tool, its transaction segments, and the facts of every statement. */
export function explainJson(analysis: Analysis) {
  // DO blocks are followed by the statements of their bodies.
  const statements = withBodies(analysis.facts).map((s) => ({
    range: rangeOf(analysis, s.statement.start, s.statement.end),
    ...(analysis.source ? { sql: s.statement.text } : {}),
    kind: s.kind,
    locks: s.locks.map((l) => ({ relation: l.relation, mode: l.mode, role: l.role, existing: l.existing, ...(l.alreadyHeld ? { heldMode: l.alreadyHeld.mode } : {}) })),
    implicitLocks: s.implicitLocks.map((i) => ({ on: i.on, mode: i.mode })),
    rewrites: s.rewrites,
    scans: s.scans,
    inTransaction: s.inTransaction,
    heldBefore: s.heldBefore.map((l) => ({ relation: l.relation, mode: l.mode })),
    heldAfter: s.heldAfter.map((l) => ({ relation: l.relation, mode: l.mode })),
    caveats: s.caveats,
    lockTimeout: s.lockTimeout ?? null,
    statementTimeout: s.statementTimeout ?? null,
    ...(s.block && inBody(s.statement)
      ? { inBody: { routine: s.block.routine, line: analysis.lines.position(s.statement.body.container.start).line, conditions: s.statement.body.conditions, loops: s.statement.body.loops, ...(s.statement.body.executed ? { executed: s.statement.body.executed } : {}), ...(s.block.fails ? { fails: s.block.fails } : {}) } }
      : {}),
    ...(s.statement.error ? { error: s.statement.error.message } : {}),
  }));
  const { framework, evidence, segments } = analysis.facts.context;
  const parts = segments.map((g) => ({ line: analysis.lines.position(g.start).line, direction: g.direction, transaction: g.transaction }));
  return { framework, evidence, segments: parts, statements };
}

/** `explain`'s text: the migration tool, each statement's facts in words, and the lock timeline. */
export function explainText(file: string, analysis: Analysis): string {
  const blocks = withBodies(analysis.facts).map((s) => {
    const at = rangeOf(analysis, s.statement.start, s.statement.end).start;
    return `${file}:${at.line + 1}:${at.character + 1}\n${describeStatement(s, analysis.lines, analysis.facts).replace(/\*\*|`/g, '').replace(/_Version:_/g, 'Version:')}`;
  });
  const plan = timeline(analysis.facts, analysis.lines);
  const { framework, evidence } = analysis.facts.context;
  const tool = `Migration tool: ${framework} (${evidence})`;
  return `${tool}\n\n${blocks.join('\n\n')}\n\nLock timeline\n${plan || 'No statement takes a table lock.'}\n`;
}
