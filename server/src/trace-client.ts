/**
 * The language server's side of the trace worker (trace-worker.ts): one worker thread, started on
 * the first trace, kept alive (PGlite stays warm in it), restarted if it dies.
 */
import { Worker } from 'node:worker_threads';
import type { TraceJob } from './trace-worker';
import type { TraceResult } from './trace';

export class TraceWorker {
  private worker?: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve(r: TraceResult): void; reject(e: Error): void }>();

  constructor(private readonly script: string) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.on('message', (m: { id: number; result?: TraceResult; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(m.error));
      else p?.resolve(m.result!);
    });
    const fail = (e: Error) => {
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the trace worker stopped (exit code ${code})`)));
    // The worker must not keep the server alive after the client leaves.
    worker.unref();
    return (this.worker = worker);
  }

  run(job: Omit<TraceJob, 'id'>): Promise<TraceResult> {
    const worker = this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ ...job, id });
    });
  }

  stop(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
