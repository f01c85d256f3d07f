/** Knex: `exports.up = (knex) => ...`; each migration in a transaction unless `config = { transaction: false }`. */
import type * as TS from 'typescript';
import { chainLinks, columns, compiler, firstParam, literalText, propertyName, q } from './embedded-api';
import { defineTool } from './tool';

/** The column types of Knex's table builder, as PostgreSQL gets them. */
const TYPES: Record<string, string> = { string: 'varchar(255)', text: 'text', integer: 'integer', bigInteger: 'bigint', boolean: 'boolean', timestamp: 'timestamptz', uuid: 'uuid', jsonb: 'jsonb' };

export const knex = defineTool({
  id: 'knex',
  label: 'Knex',
  docs: {
    transaction: 'each migration in a transaction (since knex 0.8)',
    optOut: '`exports.config = { transaction: false }` (or `disableTransactions` in the migrator config)',
    sources: ['knex issue #834; knex migrations documentation'],
  },
  embedded: {
    claims: ({ name, type }) => Boolean(type?.includes('Knex')) || name === 'knex',
    call(node, x) {
      const ts = compiler();
      const callee = node.expression;
      const name = propertyName(callee);
      const target = ts.isPropertyAccessExpression(callee) ? callee.expression.getText() : '';
      const [a0, a1] = node.arguments;
      if (name === 'raw' && (target === x.receiver || target === `${x.receiver}.schema`)) {
        x.raw(a0, node);
        return true;
      }
      // knex.schema.alterTable('users', (t) => { t.string('email').notNullable(); t.index('x'); })
      // (knex.schema may be chained: knex.schema.raw(...).alterTable(...))
      if (!((name === 'alterTable' || name === 'table') && target.startsWith(`${x.receiver}.schema`))) return false;
      const table = literalText(a0);
      const callback = a1 && (ts.isArrowFunction(a1) || ts.isFunctionExpression(a1)) ? a1 : undefined;
      if (!table || !callback) return false;
      const tb = firstParam(callback).name;
      const chain = (call: TS.Node) => {
        if (!ts.isCallExpression(call)) return;
        // Walk the chain down to `t.<method>(...)`.
        const { root, links } = chainLinks(call);
        if (root.getText() !== tb || !links.length) return;
        const [head, ...rest] = links;
        const col = head.args[0] ? literalText(head.args[0]) : undefined;
        const has = (n: string) => rest.some((l) => l.name === n);
        if (TYPES[head.name] && col) {
          const d = rest.find((l) => l.name === 'defaultTo')?.args[0];
          const defaultSql = d ? ` DEFAULT ${literalText(d) !== undefined ? `'${literalText(d)}'` : d.getText()}` : '';
          const sql = `ALTER TABLE ${q(table)} ${has('alter') ? `ALTER COLUMN ${q(col)} TYPE ${TYPES[head.name]}` : `ADD COLUMN ${q(col)} ${TYPES[head.name]}${defaultSql}${has('notNullable') ? ' NOT NULL' : ''}`}`;
          x.builder(sql, call);
        }
        if (head.name === 'index') x.builder(`CREATE INDEX ON ${q(table)} (${columns(head.args[0]).map(q).join(', ')})`, call);
        if (head.name === 'unique') x.builder(`ALTER TABLE ${q(table)} ADD UNIQUE (${columns(head.args[0]).map(q).join(', ')})`, call);
        if (head.name === 'dropColumn' && col) x.builder(`ALTER TABLE ${q(table)} DROP COLUMN ${q(col)}`, call);
        if (head.name === 'renameColumn' && col && literalText(head.args[1])) x.builder(`ALTER TABLE ${q(table)} RENAME COLUMN ${q(col)} TO ${q(literalText(head.args[1])!)}`, call);
      };
      const walk = (n: TS.Node) => {
        if (ts.isExpressionStatement(n)) chain(n.expression);
        ts.forEachChild(n, walk);
      };
      walk(callback.body);
      ts.forEachChild(callee, x.visit);
      return true;
    },
    model: (off) => ({ transaction: !off, optOut: 'export const config = { transaction: false }' }),
    optOutEdit({ text }) {
      const commonJs = /(^|\n)\s*(module\.)?exports\.up\b/.test(text);
      return { start: text.length, end: text.length, newText: `${text.endsWith('\n') ? '' : '\n'}${commonJs ? 'exports.config' : 'export const config'} = { transaction: false };\n`, title: 'config = { transaction: false }' };
    },
  },
});
