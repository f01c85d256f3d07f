/**
 * Migrations written in TypeScript or JavaScript (TypeORM, Knex, Sequelize, node-pg-migrate,
 * Kysely): the SQL each `up` and `down` runs, read with the TypeScript compiler API. Raw SQL
 * passed as a literal is taken as written; the common schema-builder calls become the statement
 * they issue; SQL built at run time is reported as not analysed, never skipped in silence.
 * docs/frameworks.md gives each tool's transaction model and its source.
 */
import type * as TS from 'typescript';

// The compiler is loaded on the first TypeScript / JavaScript migration only: SQL-only runs
// (the CLI over a folder of .sql files, the language server on .sql files) never pay for it.
let ts: typeof TS;
function compiler(): typeof TS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (ts ??= require('typescript') as typeof TS);
}

export type EmbeddedTool = 'typeorm' | 'knex' | 'sequelize' | 'node-pg-migrate' | 'kysely';

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

/** An edit of the source file (UTF-16 offsets). */
export interface SourceEdit {
  start: number;
  end: number;
  newText: string;
}

export interface DynamicSql {
  start: number;
  end: number;
  direction: 'up' | 'down';
  why: string;
}

export interface EmbeddedMigration {
  tool: EmbeddedTool;
  /** Whether the tool runs the migration in a transaction, from its defaults and the file's opt-out. */
  transaction: boolean;
  optOut: string;
  statements: EmbeddedStatement[];
  dynamic: DynamicSql[];
  /** The edit that takes this migration out of the tool's transaction, the tool's way, when the file can say it. */
  optOutEdit?: SourceEdit & { title: string };
}

/** The edit that adds `concurrently: true` to an options argument (or adds the argument). */
function addOption(call: TS.CallExpression, index: number): SourceEdit | undefined {
  const options = call.arguments[index];
  if (options && ts.isObjectLiteralExpression(options)) {
    const at = options.getStart() + 1;
    return { start: at, end: at, newText: options.properties.length ? ' concurrently: true,' : ' concurrently: true ' };
  }
  if (call.arguments.length !== index) return undefined;
  const at = call.arguments[index - 1].getEnd();
  return { start: at, end: at, newText: ', { concurrently: true }' };
}

const literalText = (node: TS.Node | undefined): string | undefined =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;

const propertyName = (node: TS.Node): string | undefined => (ts.isPropertyAccessExpression(node) ? node.name.text : undefined);

/** The first parameter's name of a function-like node. */
function firstParam(fn: TS.SignatureDeclarationBase): { name?: string; type?: string } {
  const p = fn.parameters[0];
  return { name: p && ts.isIdentifier(p.name) ? p.name.text : undefined, type: p?.type?.getText() };
}

/** `obj.key` literal values of an object literal argument: `{ concurrently: true }`. */
function objectLiteral(node: TS.Node | undefined): Map<string, TS.Expression> {
  const out = new Map<string, TS.Expression>();
  if (!node || !ts.isObjectLiteralExpression(node)) return out;
  for (const p of node.properties) if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name))) out.set(p.name.text, p.initializer);
  return out;
}

const isTrue = (e: TS.Expression | undefined) => e?.kind === ts.SyntaxKind.TrueKeyword;
const isFalse = (e: TS.Expression | undefined) => e?.kind === ts.SyntaxKind.FalseKeyword;
const q = (name: string) => (/^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);
const columns = (e: TS.Expression | undefined): string[] =>
  !e ? [] : ts.isArrayLiteralExpression(e) ? e.elements.map((x) => literalText(x)).filter((x): x is string => x !== undefined) : [literalText(e)].filter((x): x is string => x !== undefined);

/** The up / down functions of the file and the tool they belong to. */
function entryPoints(file: TS.SourceFile): { tool: EmbeddedTool; fns: { fn: TS.FunctionLikeDeclaration; direction: 'up' | 'down' }[]; transactionOff: boolean } | undefined {
  const fns: { fn: TS.FunctionLikeDeclaration; direction: 'up' | 'down' }[] = [];
  let tool: EmbeddedTool | undefined;
  let transactionOff = false;
  const direction = (name: string) => (name === 'up' ? 'up' : name === 'down' ? 'down' : undefined);
  const classify = (fn: TS.FunctionLikeDeclaration) => {
    const { name, type } = firstParam(fn);
    if (type?.includes('QueryRunner')) return 'typeorm';
    if (type?.includes('Kysely') || name === 'db') return 'kysely';
    if (type?.includes('MigrationBuilder') || name === 'pgm') return 'node-pg-migrate';
    if (type?.includes('QueryInterface') || name === 'queryInterface') return 'sequelize';
    if (type?.includes('Knex') || name === 'knex') return 'knex';
    return undefined;
  };
  const visit = (node: TS.Node) => {
    // TypeORM: class ... implements MigrationInterface { transaction = false; up(queryRunner) {} }
    if (ts.isClassDeclaration(node)) {
      for (const m of node.members) {
        if (ts.isMethodDeclaration(m) && ts.isIdentifier(m.name) && direction(m.name.text) && m.body) {
          fns.push({ fn: m, direction: direction(m.name.text)! });
          tool ??= classify(m) ?? (node.heritageClauses?.some((h) => h.getText().includes('MigrationInterface')) ? 'typeorm' : undefined);
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
  compiler();
  const kind = /\.(c|m)?js$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const entry = entryPoints(file);
  if (!entry) return undefined;
  let optOutEdit: EmbeddedMigration['optOutEdit'];
  const { tool } = entry;
  const statements: EmbeddedStatement[] = [];
  const dynamic: DynamicSql[] = [];
  let noTransaction = entry.transactionOff;

  for (const { fn, direction } of entry.fns) {
    const receiver = firstParam(fn).name ?? '';
    // Raw SQL: the argument of the tool's raw-SQL call, as written when it is a literal.
    const raw = (arg: TS.Expression | undefined, call: TS.Node) => {
      if (!arg) return;
      const text = literalText(arg);
      if (text !== undefined) statements.push({ sql: text, start: arg.getStart() + 1, end: arg.getEnd() - 1, exact: !/\\/.test(arg.getText()), direction });
      else dynamic.push({ start: call.getStart(), end: call.getEnd(), direction, why: 'the SQL is built at run time' });
    };
    const builder = (sql: string, node: TS.Node) => statements.push({ sql, start: node.getStart(), end: node.getEnd(), exact: false, direction });

    const visit = (node: TS.Node) => {
      // Kysely: sql`...`.execute(db)
      if (ts.isTaggedTemplateExpression(node) && node.tag.getText() === 'sql') {
        const t = node.template;
        if (ts.isNoSubstitutionTemplateLiteral(t)) statements.push({ sql: t.text, start: t.getStart() + 1, end: t.getEnd() - 1, exact: !/\\/.test(t.getText()), direction });
        else dynamic.push({ start: node.getStart(), end: node.getEnd(), direction, why: 'the template interpolates values' });
        return;
      }
      if (ts.isCallExpression(node)) {
        const callee = node.expression;
        const name = propertyName(callee);
        const target = ts.isPropertyAccessExpression(callee) ? callee.expression.getText() : '';
        const [a0, a1, a2] = node.arguments;
        if (tool === 'typeorm' && name === 'query' && target === receiver) return raw(a0, node);
        if (tool === 'knex' && name === 'raw' && (target === receiver || target === `${receiver}.schema`)) return raw(a0, node);
        if (tool === 'sequelize' && name === 'query' && target === `${receiver}.sequelize`) return raw(a0, node);
        if (tool === 'node-pg-migrate' && target === receiver) {
          if (name === 'sql') return raw(a0, node);
          if (name === 'noTransaction') noTransaction = true;
          const table = literalText(a0);
          const opts = objectLiteral(a2);
          if (name === 'createIndex' && table) {
            const cols = columns(a1);
            const unique = isTrue(opts.get('unique')) ? 'UNIQUE ' : '';
            const concurrently = isTrue(opts.get('concurrently')) ? 'CONCURRENTLY ' : '';
            builder(`CREATE ${unique}INDEX ${concurrently}ON ${q(table)} (${cols.map(q).join(', ')})`, node);
            if (!concurrently) statements[statements.length - 1].concurrently = addOption(node, 2);
          }
          if ((name === 'addColumn' || name === 'addColumns') && table) {
            for (const [col, def] of objectLiteral(a1)) {
              const spec = ts.isStringLiteral(def) ? new Map([['type', def as TS.Expression]]) : objectLiteral(def);
              const type = literalText(spec.get('type')) ?? 'text';
              const notNull = isTrue(spec.get('notNull')) ? ' NOT NULL' : '';
              const dflt = spec.get('default');
              const defaultSql = dflt ? ` DEFAULT ${dflt.getText().includes('func(') ? literalText((dflt as TS.CallExpression).arguments?.[0]) ?? 'NULL' : literalText(dflt) !== undefined ? `'${literalText(dflt)}'` : dflt.getText()}` : '';
              builder(`ALTER TABLE ${q(table)} ADD COLUMN ${q(col)} ${type}${defaultSql}${notNull}`, node);
            }
          }
          if ((name === 'dropColumn' || name === 'dropColumns') && table) for (const c of columns(a1)) builder(`ALTER TABLE ${q(table)} DROP COLUMN ${q(c)}`, node);
          if (name === 'renameColumn' && table && literalText(a1) && literalText(a2)) builder(`ALTER TABLE ${q(table)} RENAME COLUMN ${q(literalText(a1)!)} TO ${q(literalText(a2)!)}`, node);
          if (name === 'alterColumn' && table && literalText(a1)) {
            const spec = objectLiteral(a2);
            const type = literalText(spec.get('type'));
            if (type) builder(`ALTER TABLE ${q(table)} ALTER COLUMN ${q(literalText(a1)!)} TYPE ${type}`, node);
            if (isTrue(spec.get('notNull'))) builder(`ALTER TABLE ${q(table)} ALTER COLUMN ${q(literalText(a1)!)} SET NOT NULL`, node);
          }
        }
        if (tool === 'sequelize' && target === receiver) {
          const table = literalText(a0);
          if (name === 'addIndex' && table) {
            const opts = objectLiteral(a2);
            const fields = columns(a1).length ? columns(a1) : columns(opts.get('fields'));
            builder(`CREATE ${isTrue(opts.get('unique')) ? 'UNIQUE ' : ''}INDEX ${isTrue(opts.get('concurrently')) ? 'CONCURRENTLY ' : ''}ON ${q(table)} (${fields.map(q).join(', ')})`, node);
            if (!isTrue(opts.get('concurrently'))) statements[statements.length - 1].concurrently = addOption(node, 2);
          }
          if (name === 'addColumn' && table && literalText(a1)) {
            const spec = objectLiteral(a2);
            const notNull = isFalse(spec.get('allowNull')) ? ' NOT NULL' : '';
            const dflt = spec.get('defaultValue');
            const value = dflt ? (literalText(dflt) !== undefined ? `'${literalText(dflt)}'` : /^\d+$|^(true|false)$/.test(dflt.getText()) ? dflt.getText() : undefined) : undefined;
            if (dflt && value === undefined) dynamic.push({ start: dflt.getStart(), end: dflt.getEnd(), direction, why: 'the default is computed in JavaScript' });
            builder(`ALTER TABLE ${q(table)} ADD COLUMN ${q(literalText(a1)!)} text${value ? ` DEFAULT ${value}` : ''}${notNull}`, node);
          }
          if (name === 'removeColumn' && table && literalText(a1)) builder(`ALTER TABLE ${q(table)} DROP COLUMN ${q(literalText(a1)!)}`, node);
          if (name === 'renameColumn' && table && literalText(a1) && literalText(a2)) builder(`ALTER TABLE ${q(table)} RENAME COLUMN ${q(literalText(a1)!)} TO ${q(literalText(a2)!)}`, node);
          if (name === 'changeColumn' && table && literalText(a1)) builder(`ALTER TABLE ${q(table)} ALTER COLUMN ${q(literalText(a1)!)} TYPE text`, node);
        }
        // Knex: knex.schema.alterTable('users', (t) => { t.string('email').notNullable(); t.index('x'); })
        // (knex.schema may be chained: knex.schema.raw(...).alterTable(...))
        if (tool === 'knex' && (name === 'alterTable' || name === 'table') && target.startsWith(`${receiver}.schema`)) {
          const table = literalText(a0);
          const callback = a1 && (ts.isArrowFunction(a1) || ts.isFunctionExpression(a1)) ? a1 : undefined;
          if (table && callback) {
            const tb = firstParam(callback).name;
            const chain = (call: TS.Node) => {
              if (!ts.isCallExpression(call)) return;
              // Walk the chain down to `t.<method>(...)`.
              const links: { name: string; args: TS.NodeArray<TS.Expression> }[] = [];
              let cur: TS.Expression = call;
              while (ts.isCallExpression(cur) && ts.isPropertyAccessExpression(cur.expression)) {
                links.unshift({ name: cur.expression.name.text, args: cur.arguments });
                cur = cur.expression.expression;
              }
              if (cur.getText() !== tb || !links.length) return;
              const [head, ...rest] = links;
              const col = head.args[0] ? literalText(head.args[0]) : undefined;
              const has = (n: string) => rest.some((l) => l.name === n);
              const TYPES: Record<string, string> = { string: 'varchar(255)', text: 'text', integer: 'integer', bigInteger: 'bigint', boolean: 'boolean', timestamp: 'timestamptz', uuid: 'uuid', jsonb: 'jsonb' };
              if (TYPES[head.name] && col) {
                const d = rest.find((l) => l.name === 'defaultTo')?.args[0];
                const defaultSql = d ? ` DEFAULT ${literalText(d) !== undefined ? `'${literalText(d)}'` : d.getText()}` : '';
                const sql = `ALTER TABLE ${q(table)} ${has('alter') ? `ALTER COLUMN ${q(col)} TYPE ${TYPES[head.name]}` : `ADD COLUMN ${q(col)} ${TYPES[head.name]}${defaultSql}${has('notNullable') ? ' NOT NULL' : ''}`}`;
                builder(sql, call);
              }
              if (head.name === 'index') builder(`CREATE INDEX ON ${q(table)} (${columns(head.args[0]).map(q).join(', ')})`, call);
              if (head.name === 'unique') builder(`ALTER TABLE ${q(table)} ADD UNIQUE (${columns(head.args[0]).map(q).join(', ')})`, call);
              if (head.name === 'dropColumn' && col) builder(`ALTER TABLE ${q(table)} DROP COLUMN ${q(col)}`, call);
              if (head.name === 'renameColumn' && col && literalText(head.args[1])) builder(`ALTER TABLE ${q(table)} RENAME COLUMN ${q(col)} TO ${q(literalText(head.args[1])!)}`, call);
            };
            const walk = (n: TS.Node) => {
              if (ts.isExpressionStatement(n)) chain(n.expression);
              ts.forEachChild(n, walk);
            };
            walk(callback.body);
            ts.forEachChild(callee, visit);
            return;
          }
        }
        // Kysely: db.schema.alterTable('t').addColumn('c', 'text', (col) => col.notNull()).execute()
        if (tool === 'kysely' && name === 'execute') {
          const links: { name: string; args: TS.NodeArray<TS.Expression> }[] = [];
          let cur: TS.Expression = (callee as TS.PropertyAccessExpression).expression;
          while (ts.isCallExpression(cur) && ts.isPropertyAccessExpression(cur.expression)) {
            links.unshift({ name: cur.expression.name.text, args: cur.arguments });
            cur = cur.expression.expression;
          }
          if (cur.getText() === `${receiver}.schema` && links.length) {
            const [head, ...rest] = links;
            const table = literalText(head.args[0]);
            if (head.name === 'alterTable' && table) {
              for (const l of rest) {
                const col = literalText(l.args[0]);
                if (!col) continue;
                if (l.name === 'addColumn') {
                  const cb = l.args[2]?.getText() ?? '';
                  builder(`ALTER TABLE ${q(table)} ADD COLUMN ${q(col)} ${literalText(l.args[1]) ?? 'text'}${/notNull\(\)/.test(cb) ? ' NOT NULL' : ''}`, node);
                }
                if (l.name === 'dropColumn') builder(`ALTER TABLE ${q(table)} DROP COLUMN ${q(col)}`, node);
                if (l.name === 'renameColumn' && literalText(l.args[1])) builder(`ALTER TABLE ${q(table)} RENAME COLUMN ${q(col)} TO ${q(literalText(l.args[1])!)}`, node);
              }
            }
            if (head.name === 'createIndex') {
              const onArg = rest.find((l) => l.name === 'on')?.args[0];
              const on = onArg ? literalText(onArg) : undefined;
              const cols = rest.filter((l) => l.name === 'column' || l.name === 'columns').flatMap((l) => columns(l.args[0]));
              if (on) builder(`CREATE ${rest.some((l) => l.name === 'unique') ? 'UNIQUE ' : ''}INDEX ${q(literalText(head.args[0]) ?? 'idx')} ON ${q(on)} (${cols.map(q).join(', ')})`, node);
            }
            return;
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    if (fn.body) visit(fn.body);
  }
  // Where the file can take itself out of the tool's transaction.
  const up = entry.fns.find((f) => f.direction === 'up')?.fn;
  if (tool === 'typeorm' && up && ts.isClassDeclaration(up.parent)) {
    const at = up.parent.members.pos;
    optOutEdit = { start: at, end: at, newText: '\n  transaction = false;', title: "transaction = false on the migration class (needs migrationsTransactionMode 'each' or 'none')" };
  }
  if (tool === 'knex') {
    const commonJs = /(^|\n)\s*(module\.)?exports\.up\b/.test(text);
    optOutEdit = { start: text.length, end: text.length, newText: `${text.endsWith('\n') ? '' : '\n'}${commonJs ? 'exports.config' : 'export const config'} = { transaction: false };\n`, title: 'config = { transaction: false }' };
  }
  if (tool === 'node-pg-migrate' && up?.body && ts.isBlock(up.body)) {
    const at = up.body.getStart() + 1;
    optOutEdit = { start: at, end: at, newText: `\n  ${firstParam(up).name}.noTransaction();`, title: `${firstParam(up).name}.noTransaction()` };
  }
  statements.sort((a, b) => (a.direction === b.direction ? a.start - b.start : a.direction === 'up' ? -1 : 1));
  const MODELS: Record<EmbeddedTool, { transaction: boolean; optOut: string }> = {
    typeorm: { transaction: !noTransaction, optOut: "set transaction = false on the migration class (with migrationsTransactionMode 'each' or 'none')" },
    knex: { transaction: !noTransaction, optOut: 'export const config = { transaction: false }' },
    sequelize: { transaction: false, optOut: 'Sequelize does not wrap migrations in a transaction' },
    'node-pg-migrate': { transaction: !noTransaction, optOut: 'call pgm.noTransaction() in the migration' },
    kysely: { transaction: true, optOut: "create the Migrator with disableTransactions: true (kysely-ctl: --no-transaction)" },
  };
  return { tool, ...MODELS[tool], statements, dynamic, optOutEdit };
}
