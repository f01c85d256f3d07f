/** Hover: the statement under the cursor (its locks, what they block) or the relation named there. */

import { Hover, MarkupKind } from 'vscode-languageserver/node';
import { describeRelation, describeStatement, factsAt } from '../engine/describe';
import { workloadHover } from '../engine/impact';
import { documentRange, relationNameAt } from './diagnostics';
import type { ServerContext } from './context';

export function registerHover(ctx: ServerContext): void {
  const { connection, documents, analyses, lastEvidence, log } = ctx;
  connection.onHover((params): Hover | null => {
    try {
      const document = documents.get(params.textDocument.uri);
      const entry = analyses.get(params.textDocument.uri);
      if (!document || !entry || entry.version !== document.version) return null;
      const { analysis } = entry;
      const offset = analysis.source ? analysis.source.toVirtual(analysis.source.lines.offset(params.position)) : analysis.lines.offset(params.position);
      if (offset === undefined) return null;
      // The last statement starting at or before the offset (binary search: files can be long).
      const all = analysis.facts.statements;
      let [lo, hi] = [0, all.length - 1];
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (all[mid].statement.start <= offset) lo = mid;
        else hi = mid - 1;
      }
      const outer = all[lo] && all[lo].statement.start <= offset && offset <= (all[lo].statement.terminatorEnd ?? all[lo].statement.end) ? all[lo] : undefined;
      if (!outer) return null;
      // Inside a DO block or a routine the migration calls: the statement of the body there.
      const facts = factsAt(analysis.facts, outer, offset);
      const tokens = facts.statement.tokens;
      const at = tokens.findIndex((t) => t.start <= offset && offset <= t.end);
      const name = at >= 0 ? relationNameAt(tokens, at) : undefined;
      const relation = name ? describeRelation(analysis.facts, name, analysis.lines) : undefined;
      if (relation && !analysis.source) {
        return { contents: { kind: MarkupKind.Markdown, value: relation }, range: analysis.lines.range(tokens[at].start, tokens[at].end) };
      }
      const evidence = lastEvidence.get(params.textDocument.uri);
      const workload = evidence ? workloadHover(facts, analysis.facts, evidence) : undefined;
      return {
        contents: { kind: MarkupKind.Markdown, value: [describeStatement(facts, analysis.lines, analysis.facts), workload].filter(Boolean).join('\n\n') },
        range: documentRange(analysis, facts.statement.start, facts.statement.end),
      };
    } catch (e) {
      log('hover failed', e);
      return null;
    }
  });
}
