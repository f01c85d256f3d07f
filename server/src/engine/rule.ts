/**
 * What a rule is (STYLE.md §2-5, §18): one file exports one `Rule`: its `meta` (id, severity,
 * messages by id, docs, the fixes it offers and how safe they are, whether a plan is offered, the
 * squawk rule names it answers for) and its check over the facts. Its test table is
 * test/rules/<id>.cases.ts (ESLint's tests/lib/rules layout), which no bundle can include. The
 * registry in rules/index.ts lists the rules; docs pages, SARIF, the settings, ignore comments,
 * the plan action, the checklist, the test runner and the adapters all read the same objects.
 */
import { AlterCommand, FileFacts, relationKey, relationName, StatementFacts } from './facts';
import type { EmbeddedStatement, SourceEdit } from './embedded';
import { nodeOf, Of } from './ast';
import { Token } from './parse';
import { Settings, Severity } from './settings';

export interface RuleDocs {
  /** One line: what the rule reports. */
  summary: string;
  /** Why it is unsafe: the lock, what it blocks, for how long. */
  why: string;
  /** The why in one sentence (machine output gives it per finding), when the first sentence of `why` is not it. */
  because?: string;
  /**
   * SQL that the rule reports: examples separated by blank lines, checked statement by statement
   * (STYLE.md §12): each statement is reported, except the context the test table names
   * (`RuleTests.unsafeContext`; by default transaction control and SET statements).
   */
  unsafe: string;
  /** The safe alternative. Every statement must stay quiet. */
  safe: string;
  /** Version notes, edge cases. */
  notes?: string;
  /**
   * Why some of what the rule reports has no safe form: no fix and no plan can make it without the
   * lock (printed by `fix --unsafe` for such a finding, listed on the docs page).
   */
  noSafeForm?: string;
  /** Settings the examples need (a rule about PostgreSQL 11 sets pgVersion 11). */
  exampleSettings?: Partial<Settings>;
}

/** ruff's applicability: `safe` fixes keep semantics and run under fix-all; `unsafe` ones change transaction needs or behaviour. */
export type FixSafety = 'safe' | 'unsafe' | 'display';

/** A file a fix creates, by its path relative to the migration's folder (`/`-separated). */
export interface NewFile {
  path: string;
  content: string;
}

/** An edit over UTF-16 offsets of the document. */
export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
  /**
   * New migration files that take what this edit removes (a statement moved to its own
   * migration): the fix that holds the edit creates them too. analyze() lifts them into the
   * finding's fix, so a rule that passes a placement's edits on passes its files with them.
   */
  files?: NewFile[];
}

export interface Fix {
  title: string;
  safety: FixSafety;
  edits: OffsetEdit[];
  /**
   * The same change in schema.prisma (`mark the DateTime field @db.Timestamptz`): Prisma
   * regenerates its SQL from the schema, so in a Prisma migration the fix's title says it too.
   */
  prismaSchema?: string;
  /** Files the fix creates besides its edits (a statement moved to a migration of its own); never overwritten. */
  files?: NewFile[];
  /** Why this fix cannot be applied in this file (the editor shows it greyed out with the reason). */
  disabled?: string;
}

/** Values of a message's `{{placeholders}}`. */
export type MessageData = Record<string, string | number>;

export interface Report {
  start: number;
  end: number;
  /** A key of the rule's `meta.messages` (ESLint's messageId): the text is built from it and `data`. */
  messageId: string;
  data?: MessageData;
  fixes?: Fix[];
  /** A softer severity for a report the rule is unsure of; a configured severity wins. */
  severity?: Severity;
}

export interface RuleMeta {
  /** kebab-case, saying what is wrong or what to do; the file is rules/<id>.ts. */
  id: string;
  severity: Severity;
  /** False for opt-in rules: they run only when the `rules` setting gives them a severity. */
  enabledByDefault?: boolean;
  /** Message templates by message id; `{{name}}` is replaced by the report's `data.name`. */
  messages: Record<string, string>;
  docs: RuleDocs;
  /** The safety of each kind of fix the rule may offer (ruff's applicability); empty: it offers none. */
  fixable: readonly FixSafety[];
  /** The editor offers "Plan Safe Change" (engine/plan.ts, an expand-contract plan) on its findings. */
  plan?: boolean;
  /** squawk's rule names this rule answers for: `-- squawk-ignore <name>` silences it (https://squawkhq.com/docs/rules). */
  squawk?: readonly string[];
  /** The production checklist item (engine/checklist.ts) its findings are evidence for and its fix serves. */
  checklist?: 'backfills' | 'concurrently';
  /**
   * 'statement': what the rule reports on a statement depends on that statement's facts alone
   * (its StatementFacts, with the catalog and transaction state before it and the statements of
   * the bodies it runs), the settings and the migration context; never on another statement, the
   * file's text outside the statement, or line numbers. Every report, with its fixes' edits, lies
   * within the statement (start to terminator). The language server then keeps the reports of a
   * statement whose facts an edit did not change and checks only the others (analyze.ts).
   * Default 'file': the rule checks the whole file every time.
   */
  scope?: 'statement' | 'file';
}

/** A fix of a TypeScript / JavaScript migration: edits of the source file, not of the extracted SQL. */
export interface SourceFix {
  title: string;
  safety: FixSafety;
  edits: SourceEdit[];
}

/** What a rule can edit in a TypeScript / JavaScript migration for a finding on a statement. */
export interface SourceFixContext {
  s: StatementFacts;
  /** The literal or builder call the statement came from. */
  origin: EmbeddedStatement;
  /** The source offset of an offset in the extracted SQL (inside the statement's literal). */
  toSource(offset: number): number;
  /** The tool's edit that runs the migration outside a transaction, when it has one. */
  optOutEdit?: SourceEdit & { title: string };
}

export interface Rule {
  meta: RuleMeta;
  check(file: FileFacts): Report[];
  /** The fix for a migration written in TypeScript / JavaScript, where the rule has one. */
  sourceFix?(context: SourceFixContext): SourceFix | undefined;
}

export interface ValidCase {
  sql: string;
  settings?: Partial<Settings>;
}

export interface ExpectedReport {
  /** 0-based [startLine, startCharacter, endLine, endCharacter]. */
  range: [number, number, number, number];
  messageId: string;
  /** When given, the message must be exactly the template filled with this data. */
  data?: MessageData;
}

export interface InvalidCase {
  sql: string;
  settings?: Partial<Settings>;
  /** Expected reports, in order. */
  reports: ExpectedReport[];
  /** The document after applying the first fix of every report, or null when no fix is offered. */
  output: string | null;
}

/** A rule's test table (ESLint's RuleTester valid / invalid): `export const tests: RuleTests` in test/rules/<id>.cases.ts. */
export interface RuleTests {
  valid: (string | ValidCase)[];
  invalid: InvalidCase[];
  /**
   * The statements of `docs.unsafe` that set the scene and are not reported themselves, in order,
   * by their text (each entry is the next statement with that text). Without it, transaction
   * control and SET statements are the context; every other statement must be reported.
   */
  unsafeContext?: string[];
}

/** The message of a report: the template with each `{{name}}` replaced. A missing value is a rule bug. */
export function formatMessage(meta: RuleMeta, messageId: string, data: MessageData = {}): string {
  const template = meta.messages[messageId];
  if (template === undefined) throw new Error(`${meta.id} has no message ${messageId}`);
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => {
    const value = data[name];
    if (value === undefined) throw new Error(`${meta.id} message ${messageId} needs ${name}`);
    return String(value);
  });
}

/**
 * A source fix that must run outside the tool's transaction: `what` alone when the statement
 * runs outside one, with the tool's opt-out edit when it runs inside, and none without that edit.
 */
export function outsideToolTransaction(context: SourceFixContext, what: string, edits: SourceEdit[]): SourceFix | undefined {
  if (!context.s.inTransaction) return { title: what, safety: 'unsafe', edits };
  if (!context.optOutEdit) return undefined;
  return { title: `${what}, with ${context.optOutEdit.title}`, safety: 'unsafe', edits: [...edits, context.optOutEdit] };
}

/**
 * The views below are asked for by many rules over the same file: computed once per FileFacts
 * (facts are never changed after deriveFacts), which matters on every keystroke in a long file.
 */
export function once<T>(compute: (file: FileFacts) => T): (file: FileFacts) => T {
  const cache = new WeakMap<FileFacts, T>();
  return (file) => {
    let value = cache.get(file);
    if (value === undefined) cache.set(file, (value = compute(file)));
    return value;
  };
}

/**
 * Statements of the file that parsed, with their facts. A DO block (or a CALL / SELECT running a
 * PL/pgSQL routine of the migration) stands for the statements its body runs: rules see those,
 * each at its place in the body, and not the block's union of them.
 */
export const parsedStatements = once((file: FileFacts): StatementFacts[] =>
  file.statements.flatMap((s) => (s.inner ? s.inner : [s])).filter((s) => s.kind !== 'SyntaxError'),
);

/** Every ALTER TABLE subcommand on a relation that existed before the migration, with its statement. */
export const existingTableCommands = once((file: FileFacts): { s: StatementFacts; cmd: AlterCommand; table: string }[] =>
  parsedStatements(file)
    .filter((s) => s.kind === 'AlterTableStmt' && s.locks[0]?.existing)
    .flatMap((s) => s.commands.map((cmd) => ({ s, cmd, table: s.locks[0].relation }))),
);

/** A column definition of CREATE TABLE or ALTER TABLE ... ADD COLUMN, with its text span. */
export interface ColumnDefinition {
  s: StatementFacts;
  column: Of<'ColumnDef'>;
  table: string;
  /** The table existed before the migration (ADD COLUMN on it). */
  existing: boolean;
  start: number;
  end: number;
}

/** The tokens of one element of a list, from the token at `start` to the last one before a `,` or `)` closing the list. */
export function elementSpan(s: StatementFacts, start: number): { start: number; end: number } {
  const tokens = s.statement.tokens;
  let i = tokens.findIndex((t) => t.start >= start);
  if (i < 0) return { start, end: s.statement.end };
  let depth = 0;
  let end = tokens[i].end;
  for (; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.text === '(') depth++;
    if (t.text === ')') depth--;
    if (depth < 0 || (depth === 0 && t.text === ',')) break;
    end = t.end;
  }
  return { start, end };
}

/** Every column the migration defines: CREATE TABLE columns and ADD COLUMN. */
export const columnDefinitions = once(columnDefinitionsOf);

function columnDefinitionsOf(file: FileFacts): ColumnDefinition[] {
  const out: ColumnDefinition[] = [];
  for (const s of parsedStatements(file)) {
    const create = nodeOf(s.statement, 'CreateStmt');
    if (create) {
      for (const e of create.tableElts ?? []) {
        if (!e.ColumnDef) continue;
        const start = s.statement.at(e.ColumnDef.location ?? 0);
        out.push({ s, column: e.ColumnDef, table: relationName(create.relation), existing: false, ...elementSpan(s, start) });
      }
    } else if (s.kind === 'AlterTableStmt') {
      for (const cmd of s.commands) {
        if (cmd.subtype !== 'AT_AddColumn') continue;
        out.push({ s, column: cmd.node.def?.ColumnDef ?? {}, table: s.locks[0]?.relation ?? '', existing: s.locks[0]?.existing ?? false, start: cmd.start, end: cmd.end });
      }
    }
  }
  return out;
}

/** The type's last name: int4, varchar, timestamp... */
export function typeOf(column: Of<'ColumnDef'>): string {
  const names = column.typeName?.names ?? [];
  return names[names.length - 1]?.String?.sval ?? '';
}

const SERIAL = new Set(['serial', 'serial4', 'bigserial', 'serial8', 'smallserial', 'serial2']);

export function isSerial(column: Of<'ColumnDef'>): boolean {
  return SERIAL.has(typeOf(column));
}

/** `ADD COLUMN id bigserial PRIMARY KEY`: adding-serial-primary-key reports it, the others leave it to it. */
export function isSerialPrimaryKey(column: Of<'ColumnDef'>): boolean {
  return isSerial(column) && (column.constraints ?? []).some((c) => c.Constraint?.contype === 'CONSTR_PRIMARY');
}

/** The first token with this keyword, from `from` on. */
export function keywordToken(tokens: Token[], keyword: string, from = 0): Token | undefined {
  for (let i = from; i < tokens.length; i++) if (tokens[i].keyword === keyword) return tokens[i];
  return undefined;
}

/** From the statement's start through the first token with this keyword: `CREATE UNIQUE INDEX`. */
export function headThrough(s: StatementFacts, keyword: string): { start: number; end: number } {
  const token = keywordToken(s.statement.tokens, keyword);
  return { start: s.statement.start, end: token ? token.end : s.statement.end };
}

/** The statement's first line: where a statement-wide finding is shown. */
export function firstLine(s: StatementFacts): { start: number; end: number } {
  const text = s.statement.text;
  const newline = text.search(/[\r\n]/);
  // To the statement's end: the text of a statement in an EXECUTE string is shorter than its source ('' for ').
  return { start: s.statement.start, end: newline < 0 ? s.statement.end : Math.min(s.statement.end, s.statement.start + newline) };
}

/** The document text of the tokens naming the statement's relation (keeps quoting and schema). */
export function relationText(s: StatementFacts, location: number | undefined): string | undefined {
  if (location === undefined) return undefined;
  const start = s.statement.at(location);
  const tokens = s.statement.tokens;
  let i = tokens.findIndex((t) => t.start === start);
  if (i < 0) return undefined;
  let end = tokens[i].end;
  while (tokens[i + 1]?.text === '.' && tokens[i + 2]) {
    end = tokens[i + 2].end;
    i += 2;
  }
  return s.statement.text.slice(start - s.statement.start, end - s.statement.start);
}

/** The 1-based line of an offset in the file. */
export function lineOf(file: FileFacts, offset: number): number {
  let line = 1;
  const text = file.parsed.text;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Tables the migration shows to be partitioned, by key: the parent of a PARTITION OF, the table of
 * an ATTACH or DETACH PARTITION, a table created with PARTITION BY. (What earlier migrations made
 * partitioned is not in the catalog yet.)
 */
export const partitionedTables = once((file: FileFacts): ReadonlySet<string> => {
  const out = new Set<string>();
  for (const s of parsedStatements(file)) {
    const create = nodeOf(s.statement, 'CreateStmt');
    const alter = nodeOf(s.statement, 'AlterTableStmt');
    if (create) {
      if (create.partspec) out.add(relationKey(create.relation));
      if (create.partbound) for (const parent of create.inhRelations ?? []) out.add(relationKey(parent.RangeVar));
    } else if (alter?.objtype === 'OBJECT_TABLE' && s.commands.some((c) => c.subtype === 'AT_AttachPartition' || c.subtype === 'AT_DetachPartition')) {
      out.add(relationKey(alter.relation));
    }
  }
  return out;
});

/** Quotes an identifier when PostgreSQL would need it. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
