/** Kysely: `up(db: Kysely<any>)`, schema builder chains ending in `.execute()`; the Migrator runs them in a transaction. */
import type * as TS from 'typescript';
import { chainLinks, columns, literalText, propertyName, q } from './embedded-api';
import { defineTool } from './tool';

export const kysely = defineTool({
  id: 'kysely',
  label: 'Kysely',
  docs: {
    transaction: 'the Migrator runs migrations in a transaction on dialects with transactional DDL',
    optOut: '`new Migrator({ ..., disableTransactions: true })` (kysely-ctl `--no-transaction`): project-level, not in the file',
    sources: ['kysely-ctl 0.14.0 release notes'],
  },
  embedded: {
    claims: ({ name, type }) => Boolean(type?.includes('Kysely')) || name === 'db',
    // db.schema.alterTable('t').addColumn('c', 'text', (col) => col.notNull()).execute()
    call(node, x) {
      if (propertyName(node.expression) !== 'execute') return false;
      const { root, links } = chainLinks((node.expression as TS.PropertyAccessExpression).expression);
      if (root.getText() !== `${x.receiver}.schema` || !links.length) return false;
      const [head, ...rest] = links;
      const table = literalText(head.args[0]);
      if (head.name === 'alterTable' && table) {
        for (const l of rest) {
          const col = literalText(l.args[0]);
          if (!col) continue;
          if (l.name === 'addColumn') {
            const cb = l.args[2]?.getText() ?? '';
            x.builder(`ALTER TABLE ${q(table)} ADD COLUMN ${q(col)} ${literalText(l.args[1]) ?? 'text'}${/notNull\(\)/.test(cb) ? ' NOT NULL' : ''}`, node);
          }
          if (l.name === 'dropColumn') x.builder(`ALTER TABLE ${q(table)} DROP COLUMN ${q(col)}`, node);
          if (l.name === 'renameColumn' && literalText(l.args[1])) x.builder(`ALTER TABLE ${q(table)} RENAME COLUMN ${q(col)} TO ${q(literalText(l.args[1])!)}`, node);
        }
      }
      if (head.name === 'createIndex') {
        const onArg = rest.find((l) => l.name === 'on')?.args[0];
        const on = onArg ? literalText(onArg) : undefined;
        const cols = rest.filter((l) => l.name === 'column' || l.name === 'columns').flatMap((l) => columns(l.args[0]));
        if (on) x.builder(`CREATE ${rest.some((l) => l.name === 'unique') ? 'UNIQUE ' : ''}INDEX ${q(literalText(head.args[0]) ?? 'idx')} ON ${q(on)} (${cols.map(q).join(', ')})`, node);
      }
      return true;
    },
    model: () => ({ transaction: true, optOut: "create the Migrator with disableTransactions: true (kysely-ctl: --no-transaction)" }),
  },
});
