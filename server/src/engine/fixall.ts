/**
 * Fix-all, for the editor's source.fixAll and `migration-guard fix`: the first applicable fix
 * of each finding, safe ones only unless asked (ruff's applicability). Edits that touch or meet
 * an edit already taken wait for the next pass, which re-analyses the fixed text, so that two
 * fixes on one statement (CONCURRENTLY, then IF NOT EXISTS) compose in the right order.
 */
import { analyze, AnalyzeOptions, Finding } from './analyze';
import { applyEdits } from './edits';
import { LineMap } from './positions';

export interface FixAllResult {
  text: string;
  /** Titles of the fixes applied, in order. */
  applied: string[];
}

function chooseEdits(text: string, findings: Finding[], unsafe: boolean): { edits: Finding['fixes'][number]['edits']; titles: string[] } {
  const lines = new LineMap(text);
  const taken: { start: number; end: number }[] = [];
  const edits: Finding['fixes'][number]['edits'] = [];
  const titles: string[] = [];
  const seen = new Set<string>();
  for (const finding of findings) {
    const fix = finding.fixes.find((f) => !f.disabled && f.edits.length > 0 && (unsafe || f.safety === 'safe'));
    if (!fix) continue;
    const key = JSON.stringify(fix.edits);
    if (seen.has(key)) continue; // one fix can serve several findings
    const spans = fix.edits.map((e) => ({ start: lines.offset(e.range.start), end: lines.offset(e.range.end) }));
    if (spans.some((a) => taken.some((b) => a.start <= b.end && b.start <= a.end))) continue;
    seen.add(key);
    taken.push(...spans);
    edits.push(...fix.edits);
    titles.push(fix.title);
  }
  return { edits, titles };
}

export function fixAll(text: string, options: AnalyzeOptions & { unsafe?: boolean }, passes = 5): FixAllResult {
  const applied: string[] = [];
  let current = text;
  for (let pass = 0; pass < passes; pass++) {
    const { edits, titles } = chooseEdits(current, analyze(current, options).findings, options.unsafe === true);
    if (!edits.length) break;
    current = applyEdits(current, edits);
    applied.push(...titles);
  }
  return { text: current, applied };
}

/** One pass of safe fixes as edits, for the editor's source.fixAll action. */
export function safeFixEdits(text: string, findings: Finding[]): Finding['fixes'][number]['edits'] {
  return chooseEdits(text, findings, false).edits;
}
