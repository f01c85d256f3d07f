/** The extension's own requests: lock trace, applied migrations, trace warnings, checklist, plan. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planFor, planOptions, planReadsExtensions } from '../engine/plan';
import { statementOnLine } from '../engine/analyze';
import { planFiles } from '../planfiles';
import { APPLIED, AppliedAnswer, CHECKLIST, PLAN, TRACE, TRACE_WARNINGS } from '../protocol';
import { buildChecklist, Checklist, ChecklistAnswers, checklistMarkdown, ChecklistInput, probeRequest } from '../engine/checklist';
import type { DatabaseTarget } from '../database';
import type { TraceResult } from '../trace';
import { TraceWorker } from '../trace-client';
import type { ServerContext } from './context';

export function registerRequests(ctx: ServerContext, tracer: TraceWorker): void {
  const { connection, documents, analyses, lastEvidence, log, settingsFor } = ctx;
  async function traceOf(uri: string, database?: DatabaseTarget, schema?: string): Promise<TraceResult> {
    const document = documents.get(uri);
    if (!document || !uri.startsWith('file:')) throw new Error('Save the migration first: the trace replays the earlier migrations of its folder.');
    return tracer.run({ file: fileURLToPath(uri), text: document.getText(), settings: await settingsFor(uri), database, schema });
  }

  connection.onRequest(TRACE, async (params: { uri: string; database?: DatabaseTarget; schema?: string }): Promise<{ result?: TraceResult; error?: string }> => {
    try {
      if (params.schema && !fs.existsSync(params.schema)) return { error: `The schema file ${params.schema} (migrationGuard.trace.schemaFile) does not exist.` };
      return { result: await traceOf(params.uri, params.database, params.schema) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  });

  // The applied-migrations table of the document's tool on the configured database (the client
  // sends a target only in a trusted workspace): for the status bar and the warning on edit.
  connection.onRequest(APPLIED, async (params: { uri: string; database: DatabaseTarget }): Promise<AppliedAnswer> => {
    const document = documents.get(params.uri);
    const entry = analyses.get(params.uri);
    if (!document || !entry || !params.uri.startsWith('file:')) return { note: 'not a migration Migration Guard analyses' };
    const file = fileURLToPath(params.uri);
    try {
      // pg loads on the first database request: the server starts without it.
      const { readApplied } = require('../ci/applied') as typeof import('../ci/applied');
      const report = await readApplied(params.database, [{ path: file, text: document.getText(), framework: entry.analysis.facts.context.framework }]);
      const state = report.applied.get(path.resolve(file));
      return { where: report.where, ...(state ? { applied: { tool: state.tool, ...(state.at ? { at: state.at.toISOString() } : {}), ...(state.edited ? { edited: true } : {}) } } : { note: report.notes.join('; ') }) };
    } catch (e) {
      return { note: (e as Error).message };
    }
  });

  connection.onRequest(TRACE_WARNINGS, (params: { uri: string }): string[] => {
    const entry = analyses.get(params.uri);
    return entry ? (require('../trace') as typeof import('../trace')).traceWarnings(entry.analysis) : [];
  });

  // The production checklist: automatic items from the analysis, evidence from the database when
  // the client sends one (never in an untrusted workspace), and a trace's summary when asked.
  connection.onRequest(
    CHECKLIST,
    async (params: { uri: string; answers?: ChecklistAnswers; database?: DatabaseTarget; trace?: boolean }): Promise<{ checklist?: Checklist; markdown?: string; problems: string[] }> => {
      const problems: string[] = [];
      try {
        const document = documents.get(params.uri);
        const entry = analyses.get(params.uri);
        if (!document || !entry) return { problems: ['Not a migration Migration Guard analyses (see the migrationGuard.include setting).'] };
        const input: ChecklistInput = { answers: params.answers };
        const { analysis } = entry;
        if (params.database) {
          try {
            // pg loads on the first probe: the server starts without it.
            const { gatherEvidence } = (require('../database') as typeof import('../database'));
            input.database = await gatherEvidence(params.database, probeRequest(analysis));
            lastEvidence.set(params.uri, input.database);
          } catch (e) {
            lastEvidence.delete(params.uri);
            problems.push((e as Error).message);
          }
        }
        if (params.trace) {
          try {
            input.trace = (await traceOf(params.uri)).summary;
          } catch (e) {
            problems.push(`Trace failed: ${(e as Error).message}`);
          }
        }
        const file = params.uri.startsWith('file:') ? path.basename(fileURLToPath(params.uri)) : params.uri;
        const checklist = buildChecklist(file, analysis, input);
        return { checklist, markdown: checklistMarkdown(checklist, new Date().toISOString(), input), problems };
      } catch (e) {
        log('checklist failed', e);
        return { problems: [...problems, `Checklist failed: ${(e as Error).message}`] };
      }
    },
  );

  // Plan Safe Change: the expand-contract migrations for the statement on a line.
  connection.onRequest(PLAN, async (params: { uri: string; line: number; database?: DatabaseTarget }) => {
    try {
      const document = documents.get(params.uri);
      const entry = analyses.get(params.uri);
      if (!document || !entry) return null;
      const { analysis } = entry;
      if (analysis.source) return null;
      const index = statementOnLine(analysis, params.line);
      const settings = await settingsFor(params.uri);
      // VACUUM FULL / CLUSTER: the configured database says whether pg_squeeze or pg_repack is installed (read-only).
      const probed = params.database && index >= 0 && planReadsExtensions(analysis.facts, index) ? await (require('../database') as typeof import('../database')).readExtensions(params.database) : undefined;
      const plan = index >= 0 ? planFor(analysis.facts, index, planOptions(settings, { extensions: probed?.installed, available: probed?.available })) : undefined;
      if (!plan) return null;
      const file = params.uri.startsWith('file:') ? fileURLToPath(params.uri) : 'migration.sql';
      return { title: plan.title, framework: analysis.facts.context.framework, files: planFiles(file, analysis.facts.context.framework, plan) };
    } catch (e) {
      log('plan failed', e);
      return null;
    }
  });
}
