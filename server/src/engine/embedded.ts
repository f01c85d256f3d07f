/**
 * Migrations written in TypeScript or JavaScript (TypeORM, Knex, Sequelize, node-pg-migrate,
 * Kysely): the SQL each `up` and `down` runs, read with the TypeScript compiler API. Raw SQL
 * passed as a literal is taken as written; the common schema-builder calls become the statement
 * they issue; SQL built at run time is reported as not analysed, never skipped in silence.
 *
 * This file walks the source; what is each tool's (which `up` is its own, which calls run SQL,
 * how it leaves its transaction) is in the tool's module (tools/<tool>.ts, `embedded`).
 * docs/frameworks.md gives each tool's transaction model and its source.
 */
import type * as TS from 'typescript';
import { EMBEDDED_TOOLS, Framework } from './tools';
import { compiler, DynamicSql, EmbeddedStatement, ExtractState, firstParam, isFalse, literalText, objectLiteral, SourceEdit } from './tools/embedded-api';

export type { DynamicSql, EmbeddedStatement, SourceEdit } from './tools/embedded-api';

export interface EmbeddedMigration {
  tool: Framework;
  /** Whether the tool runs the migration in a transaction, from its defaults and the file's opt-out. */
  transaction: boolean;
  optOut: string;
  statements: EmbeddedStatement[];
  dynamic: DynamicSql[];
  /** The edit that takes this migration out of the tool's transaction, the tool's way, when the file can say it. */
  optOutEdit?: SourceEdit & { title: string };
}

type EmbeddedTool = (typeof EMBEDDED_TOOLS)[number];

/** The tool whose `up` / `down` this function is, from its first parameter. */
const classify = (fn: TS.FunctionLikeDeclaration): EmbeddedTool | undefined => EMBEDDED_TOOLS.find((t) => t.embedded!.claims(firstParam(fn)));

/** The up / down functions of the file and the tool they belong to. */
function entryPoints(file: TS.SourceFile): { tool: EmbeddedTool; fns: { fn: TS.FunctionLikeDeclaration; direction: 'up' | 'down' }[]; transactionOff: boolean } | undefined {
  const ts = compiler();
  const fns: { fn: TS.FunctionLikeDeclaration; direction: 'up' | 'down' }[] = [];
  let tool: EmbeddedTool | undefined;
  let transactionOff = false;
  const direction = (name: string) => (name === 'up' ? 'up' : name === 'down' ? 'down' : undefined);
  const visit = (node: TS.Node) => {
    // TypeORM: class ... implements MigrationInterface { transaction = false; up(queryRunner) {} }
    if (ts.isClassDeclaration(node)) {
      for (const m of node.members) {
        if (ts.isMethodDeclaration(m) && ts.isIdentifier(m.name) && direction(m.name.text) && m.body) {
          fns.push({ fn: m, direction: direction(m.name.text)! });
          tool ??= classify(m) ?? EMBEDDED_TOOLS.find((t) => t.embedded!.classInterface && node.heritageClauses?.some((h) => h.getText().includes(t.embedded!.classInterface!)));
        }
        if (ts.isPropertyDeclaration(m) && m.name.getText() === 'transaction' && isFalse(m.initializer)) transactionOff = true;
      }
      return;
    }
    // export async function up(...) / export const up = (...) => / exports.up = function (...)
    if (ts.isFunctionDeclaration(node) && node.name && direction(node.name.text) && node.body) fns.push({ fn: node, direction: direction(node.name.text)! });
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && direction(node.name.text) && node.initializer && (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))) {
      fns.push({ fn: node.initializer, direction: direction(node.name.text)! });
    }
    if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = node.left.getText();
      const name = /^(?:module\.)?exports\.(up|down)$/.exec(left)?.[1];
      if (name && (ts.isArrowFunction(node.right) || ts.isFunctionExpression(node.right))) fns.push({ fn: node.right, direction: direction(name)! });
      // Knex: exports.config = { transaction: false }
      if (/^(?:module\.)?exports\.config$/.test(left) && isFalse(objectLiteral(node.right).get('transaction'))) transactionOff = true;
    }
    if (ts.isVariableDeclaration(node) && node.name.getText() === 'config' && isFalse(objectLiteral(node.initializer).get('transaction'))) transactionOff = true;
    // module.exports = { up: async (queryInterface) => {}, down: ... }
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && direction(node.name.text) && (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))) {
      fns.push({ fn: node.initializer, direction: direction(node.name.text)! });
    }
    if (ts.isMethodDeclaration(node) && ts.isIdentifier(node.name) && direction(node.name.text) && node.body && !ts.isClassDeclaration(node.parent)) {
      fns.push({ fn: node, direction: direction(node.name.text)! });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  for (const { fn } of fns) tool ??= classify(fn);
  return tool && fns.length ? { tool, fns, transactionOff } : undefined;
}

/** Reads the SQL a TypeScript / JavaScript migration runs, or undefined when the file is not one. */
export function extractMigration(path: string, text: string): EmbeddedMigration | undefined {
  const ts = compiler();
  const kind = /\.(c|m)?js$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const entry = entryPoints(file);
  if (!entry) return undefined;
  const { tool } = entry;
  const support = tool.embedded!;
  const statements: EmbeddedStatement[] = [];
  const dynamic: DynamicSql[] = [];
  let noTransaction = entry.transactionOff;

  for (const { fn, direction } of entry.fns) {
    const state: ExtractState = {
      receiver: firstParam(fn).name ?? '',
      direction,
      // Raw SQL: the argument of the tool's raw-SQL call, as written when it is a literal.
      raw(arg, call) {
        if (!arg) return;
        const text = literalText(arg);
        if (text !== undefined) statements.push({ sql: text, start: arg.getStart() + 1, end: arg.getEnd() - 1, exact: !/\\/.test(arg.getText()), direction });
        else dynamic.push({ start: call.getStart(), end: call.getEnd(), direction, why: 'the SQL is built at run time' });
      },
      builder(sql, node) {
        const s: EmbeddedStatement = { sql, start: node.getStart(), end: node.getEnd(), exact: false, direction };
        statements.push(s);
        return s;
      },
      dynamic: (node, why) => dynamic.push({ start: node.getStart(), end: node.getEnd(), direction, why }),
      noTransaction: () => (noTransaction = true),
      visit: (node) => visit(node),
    };
    const visit = (node: TS.Node): void => {
      // Kysely's sql`...`.execute(db), taken in any tool's migration.
      if (ts.isTaggedTemplateExpression(node) && node.tag.getText() === 'sql') {
        const t = node.template;
        if (ts.isNoSubstitutionTemplateLiteral(t)) statements.push({ sql: t.text, start: t.getStart() + 1, end: t.getEnd() - 1, exact: !/\\/.test(t.getText()), direction });
        else dynamic.push({ start: node.getStart(), end: node.getEnd(), direction, why: 'the template interpolates values' });
        return;
      }
      if (ts.isCallExpression(node) && support.call?.(node, state)) return;
      ts.forEachChild(node, visit);
    };
    if (fn.body) visit(fn.body);
  }
  // Where the file can take itself out of the tool's transaction.
  const optOutEdit = support.optOutEdit?.({ up: entry.fns.find((f) => f.direction === 'up')?.fn, text });
  statements.sort((a, b) => (a.direction === b.direction ? a.start - b.start : a.direction === 'up' ? -1 : 1));
  return { tool: tool.id, ...support.model(noTransaction), statements, dynamic, optOutEdit };
}
