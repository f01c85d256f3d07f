/**
 * node-pg-migrate: SQL files with `-- Up Migration` / `-- Down Migration`, and JavaScript /
 * TypeScript migrations over `pgm`; both run in a transaction unless `pgm.noTransaction()`.
 */
import { addOption, columns, compiler, firstParam, isTrue, literalText, objectLiteral, propertyName, q } from './embedded-api';
import { defineTool, leadingVersion, nextVersion, Segment } from './tool';
import type * as TS from 'typescript';

export const nodePgMigrate = defineTool({
  id: 'node-pg-migrate',
  label: 'node-pg-migrate',
  docs: {
    detectedFrom: '`-- Up Migration`, `-- Down Migration`',
    transaction: 'always (all pending migrations in one transaction by default, `--single-transaction`)',
    optOut: 'none for SQL files: write the migration in JavaScript with `pgm.noTransaction()`',
    embedded: { transaction: 'in a transaction (all pending ones in one by default)', optOut: '`pgm.noTransaction()`' },
    sources: [
      '`dist/sqlMigration.js` (the `-- Up Migration` / `-- Down Migration` sections), `dist/migration.js` and `dist/runner.js` (each migration wrapped in BEGIN/COMMIT, all pending ones in one transaction with `--single-transaction`, default true), node-pg-migrate 7.8.0.',
    ],
  },
  sql: {
    detect: (file) => (/^\s*--[\s-]*up\s+migration/im.test(file.text) && !/^\d+_.+\.(up|down)\.sql$/.test(file.base) ? '-- Up Migration' : undefined),
    segments(file) {
      // SQL migrations run inside a transaction (one for all pending migrations by default).
      const downAt = file.text.search(/^\s*--[\s-]*down\s+migration/im);
      const segments: Segment[] = [{ start: 0, direction: 'up', transaction: true }];
      if (downAt >= 0) segments.push({ start: downAt, direction: 'down', transaction: true });
      return segments;
    },
    optOut: 'SQL migrations of node-pg-migrate always run in a transaction: write this one in JavaScript with pgm.noTransaction()',
    planFile: ({ base, n, step, body }) => ({ path: `${nextVersion(leadingVersion(base), n)}_${step.slug}.sql`, content: `-- Up Migration\n${body}` }),
  },
  embedded: {
    claims: ({ name, type }) => Boolean(type?.includes('MigrationBuilder')) || name === 'pgm',
    call(node, x) {
      const callee = node.expression;
      const name = propertyName(callee);
      const target = compiler().isPropertyAccessExpression(callee) ? callee.expression.getText() : '';
      if (target !== x.receiver) return false;
      const [a0, a1, a2] = node.arguments;
      if (name === 'sql') {
        x.raw(a0, node);
        return true;
      }
      if (name === 'noTransaction') x.noTransaction();
      const table = literalText(a0);
      const opts = objectLiteral(a2);
      if (name === 'createIndex' && table) {
        const cols = columns(a1);
        const unique = isTrue(opts.get('unique')) ? 'UNIQUE ' : '';
        const concurrently = isTrue(opts.get('concurrently')) ? 'CONCURRENTLY ' : '';
        const s = x.builder(`CREATE ${unique}INDEX ${concurrently}ON ${q(table)} (${cols.map(q).join(', ')})`, node);
        if (!concurrently) s.concurrently = addOption(node, 2);
      }
      if ((name === 'addColumn' || name === 'addColumns') && table) {
        for (const [col, def] of objectLiteral(a1)) {
          const spec = compiler().isStringLiteral(def) ? new Map([['type', def as TS.Expression]]) : objectLiteral(def);
          const type = literalText(spec.get('type')) ?? 'text';
          const notNull = isTrue(spec.get('notNull')) ? ' NOT NULL' : '';
          const dflt = spec.get('default');
          const defaultSql = dflt
            ? ` DEFAULT ${dflt.getText().includes('func(') ? literalText((dflt as TS.CallExpression).arguments?.[0]) ?? 'NULL' : literalText(dflt) !== undefined ? `'${literalText(dflt)}'` : dflt.getText()}`
            : '';
          x.builder(`ALTER TABLE ${q(table)} ADD COLUMN ${q(col)} ${type}${defaultSql}${notNull}`, node);
        }
      }
      if ((name === 'dropColumn' || name === 'dropColumns') && table) for (const c of columns(a1)) x.builder(`ALTER TABLE ${q(table)} DROP COLUMN ${q(c)}`, node);
      if (name === 'renameColumn' && table && literalText(a1) && literalText(a2)) x.builder(`ALTER TABLE ${q(table)} RENAME COLUMN ${q(literalText(a1)!)} TO ${q(literalText(a2)!)}`, node);
      if (name === 'alterColumn' && table && literalText(a1)) {
        const spec = objectLiteral(a2);
        const type = literalText(spec.get('type'));
        if (type) x.builder(`ALTER TABLE ${q(table)} ALTER COLUMN ${q(literalText(a1)!)} TYPE ${type}`, node);
        if (isTrue(spec.get('notNull'))) x.builder(`ALTER TABLE ${q(table)} ALTER COLUMN ${q(literalText(a1)!)} SET NOT NULL`, node);
      }
      return false;
    },
    model: (off) => ({ transaction: !off, optOut: 'call pgm.noTransaction() in the migration' }),
    optOutEdit({ up }) {
      const ts = compiler();
      if (!up?.body || !ts.isBlock(up.body)) return undefined;
      const at = up.body.getStart() + 1;
      const receiver = firstParam(up).name;
      return { start: at, end: at, newText: `\n  ${receiver}.noTransaction();`, title: `${receiver}.noTransaction()` };
    },
  },
});
