/**
 * What the language server and the VS Code client say to each other beyond LSP: request and
 * notification names, and the texts both sides must agree on. The client imports this module
 * (esbuild bundles it), so a name cannot drift between the two.
 */

/** The expand-contract plan for the statement on a line: `{ uri, line }`. */
export const PLAN = 'migrationGuard/plan';
/** The production checklist of a document: `{ uri, answers, database?, trace? }`. */
export const CHECKLIST = 'migrationGuard/checklist';
/** A lock trace of a document: `{ uri, database?, schema? }`, on PGlite without a database. */
export const TRACE = 'migrationGuard/trace';
/** What a database trace of the document cannot take back (sequences), for the confirmation: `{ uri }`. */
export const TRACE_WARNINGS = 'migrationGuard/traceWarnings';
/**
 * Whether the migration tool's applied-migrations table on the configured database lists the
 * document: `{ uri, database }` -> `AppliedAnswer`. Read-only, one query.
 */
export const APPLIED = 'migrationGuard/applied';

export interface AppliedAnswer {
  /** The database, in words. */
  where?: string;
  /** Set when the document ran there: the tool, when it ran (ISO time, when the table keeps it), and whether its checksum changed since. */
  applied?: { tool: string; at?: string; edited?: boolean };
  /** Why nothing could be said (no tool table known, connection failed...). */
  note?: string;
}

/**
 * Notification, after every analysis of a document's latest version: the version analysed (the
 * diagnostics are published only when they changed, so this is what says "version N is done"),
 * and for a migration the tool detected, for the client's status bar (`StatusParams`).
 */
export const STATUS = 'migrationGuard/status';

export interface StatusParams {
  uri: string;
  version: number;
  /** False for a document that is no migration (nothing else is set then). */
  migration: boolean;
  framework?: string;
  evidence?: string;
  transaction?: boolean;
}

/**
 * The reason an ignore comment asks for: plain text for LSP editors; VS Code's client turns it
 * into a snippet placeholder, selected, so that typing replaces it.
 */
export const IGNORE_REASON_PLACEHOLDER = 'why this is safe here';
/** The client command that inserts an ignore comment as a snippet: `(uri, position, text)`. */
export const INSERT_IGNORE_COMMAND = 'migrationGuard.insertIgnore';
