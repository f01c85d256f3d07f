/**
 * What a tool module says about migrations written in TypeScript / JavaScript, and the helpers its
 * readers share. The walk over a file (finding `up` and `down`, literals, `sql\`...\``) is in
 * engine/embedded.ts; each tool module says which functions are its own, which calls run SQL, which
 * schema-builder calls become which statement, and how the migration leaves the tool's transaction.
 */
import type * as TS from 'typescript';

// The compiler is loaded on the first TypeScript / JavaScript migration only: SQL-only runs
// (the CLI over a folder of .sql files, the language server on .sql files) never pay for it.
let ts: typeof TS;
export function compiler(): typeof TS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (ts ??= require('typescript') as typeof TS);
}

/** An edit of the source file (UTF-16 offsets). */
export interface SourceEdit {
  start: number;
  end: number;
  newText: string;
}

export interface EmbeddedStatement {
  sql: string;
  /** UTF-16 offsets in the source file: the literal's text, or the whole builder call. */
  start: number;
  end: number;
  /** The SQL is the literal's text character for character: offsets inside it map exactly. */
  exact: boolean;
  direction: 'up' | 'down';
  /** For an index builder call without it: the edit that adds the tool's `concurrently` option. */
  concurrently?: SourceEdit;
}

export interface DynamicSql {
  start: number;
  end: number;
  direction: 'up' | 'down';
  why: string;
}

/** What a tool's reader can do while it visits a call inside `up` or `down`. */
export interface ExtractState {
  /** The name of the function's first parameter: `queryRunner`, `knex`, `pgm`... */
  receiver: string;
  direction: 'up' | 'down';
  /** Raw SQL passed to `call`: taken as written when `arg` is a literal, else reported as built at run time. */
  raw(arg: TS.Expression | undefined, call: TS.Node): void;
  /** The statement a schema-builder call issues. */
  builder(sql: string, node: TS.Node): EmbeddedStatement;
  dynamic(node: TS.Node, why: string): void;
  /** The migration switched the tool's transaction off (`pgm.noTransaction()`). */
  noTransaction(): void;
  /** Goes on walking inside `node`. */
  visit(node: TS.Node): void;
}

export interface EmbeddedSupport {
  /** Whether an `up` / `down` function whose first parameter looks like this belongs to the tool. */
  claims(param: { name?: string; type?: string }): boolean;
  /** An interface a migration class of the tool implements (`MigrationInterface`). */
  classInterface?: string;
  /** Reads one call inside `up` / `down`; true when it is handled (its arguments are not visited). */
  call?(node: TS.CallExpression, x: ExtractState): boolean;
  /** How the tool runs the migration, given whether the file switched the transaction off. */
  model(off: boolean): { transaction: boolean; optOut: string };
  /** The edit that takes the migration out of the tool's transaction, the tool's way, when the file can say it. */
  optOutEdit?(x: { up?: TS.FunctionLikeDeclaration; text: string }): (SourceEdit & { title: string }) | undefined;
}

/** The edit that adds `concurrently: true` to an options argument (or adds the argument). */
export function addOption(call: TS.CallExpression, index: number): SourceEdit | undefined {
  const options = call.arguments[index];
  if (options && ts.isObjectLiteralExpression(options)) {
    const at = options.getStart() + 1;
    return { start: at, end: at, newText: options.properties.length ? ' concurrently: true,' : ' concurrently: true ' };
  }
  if (call.arguments.length !== index) return undefined;
  const at = call.arguments[index - 1].getEnd();
  return { start: at, end: at, newText: ', { concurrently: true }' };
}

export const literalText = (node: TS.Node | undefined): string | undefined =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;

export const propertyName = (node: TS.Node): string | undefined => (ts.isPropertyAccessExpression(node) ? node.name.text : undefined);

/** The first parameter's name of a function-like node. */
export function firstParam(fn: TS.SignatureDeclarationBase): { name?: string; type?: string } {
  const p = fn.parameters[0];
  return { name: p && ts.isIdentifier(p.name) ? p.name.text : undefined, type: p?.type?.getText() };
}

/** `obj.key` literal values of an object literal argument: `{ concurrently: true }`. */
export function objectLiteral(node: TS.Node | undefined): Map<string, TS.Expression> {
  const out = new Map<string, TS.Expression>();
  if (!node || !ts.isObjectLiteralExpression(node)) return out;
  for (const p of node.properties) if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) out.set(p.name.text, p.initializer);
  return out;
}

export const isTrue = (e: TS.Expression | undefined) => e?.kind === ts.SyntaxKind.TrueKeyword;
export const isFalse = (e: TS.Expression | undefined) => e?.kind === ts.SyntaxKind.FalseKeyword;
/** An identifier as SQL wants it. */
export const q = (name: string) => (/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);
/** Column names given as one literal or an array of literals. */
export const columns = (e: TS.Expression | undefined): string[] =>
  !e ? [] : ts.isArrayLiteralExpression(e) ? e.elements.map((x) => literalText(x)).filter((x): x is string => x !== undefined) : [literalText(e)].filter((x): x is string => x !== undefined);

/** A method chain down to its root: `t.string('a').notNullable()` → root `t`, links [string('a'), notNullable()]. */
export function chainLinks(call: TS.Expression): { root: TS.Expression; links: { name: string; args: TS.NodeArray<TS.Expression> }[] } {
  const links: { name: string; args: TS.NodeArray<TS.Expression> }[] = [];
  let cur: TS.Expression = call;
  while (ts.isCallExpression(cur) && ts.isPropertyAccessExpression(cur.expression)) {
    links.unshift({ name: cur.expression.name.text, args: cur.arguments });
    cur = cur.expression.expression;
  }
  return { root: cur, links };
}
