/**
 * The language server's lock-trace worker: PGlite's WebAssembly runs here, on its own thread, so
 * that a trace (seconds on a cold start) never delays diagnostics. It stays alive between traces
 * and keeps PGlite warm (server/src/targets.ts).
 */
import { parentPort } from 'node:worker_threads';
import { analyzeSource, loadParser } from './engine/analyze';
import { Settings } from './engine/settings';
import { DatabaseTarget } from './database';
import { projectOptions, projectProbe } from './probe';
import { MigrationHistory } from './history';
import { PgliteHost, runTrace } from './targets';

export interface TraceJob {
  id: number;
  file: string;
  text: string;
  settings: Settings;
  database?: DatabaseTarget;
  schema?: string;
}

const host = new PgliteHost();
const history = new MigrationHistory(false, (file) => projectProbe(file));

/** Warm for the next trace, but not forever: PGlite holds ~470 MB while it is open. */
const IDLE_CLOSE_MS = 10 * 60 * 1000;
let idle: NodeJS.Timeout | undefined;

parentPort?.on('message', async (job: TraceJob) => {
  clearTimeout(idle);
  try {
    await loadParser();
    const analysis = analyzeSource(job.text, { settings: job.settings, prior: history.priorCatalog(job.file, job.settings), ...projectOptions(job.file) });
    if (!analysis) throw new Error(`${job.file} is not a migration Migration Guard reads`);
    const result = await runTrace({ file: job.file, analysis, settings: job.settings, database: job.database, schema: job.schema }, host);
    parentPort!.postMessage({ id: job.id, result });
  } catch (e) {
    parentPort!.postMessage({ id: job.id, error: (e as Error).message });
  }
  idle = setTimeout(() => void host.close(), IDLE_CLOSE_MS);
  idle.unref();
});
