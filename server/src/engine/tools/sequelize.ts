/** Sequelize (sequelize-cli / umzug): `up(queryInterface, Sequelize)`; no transaction unless the migration opens one. */
import { addOption, columns, compiler, isFalse, isTrue, literalText, objectLiteral, propertyName, q } from './embedded-api';
import { defineTool } from './tool';

export const sequelize = defineTool({
  id: 'sequelize',
  label: 'Sequelize (sequelize-cli / umzug)',
  docs: {
    transaction: 'none: migrations run statement by statement unless they open `queryInterface.sequelize.transaction()`',
    optOut: '—',
    sources: ['sequelize-cli migrations documentation'],
  },
  embedded: {
    claims: ({ name, type }) => Boolean(type?.includes('QueryInterface')) || name === 'queryInterface',
    call(node, x) {
      const callee = node.expression;
      const name = propertyName(callee);
      const target = compiler().isPropertyAccessExpression(callee) ? callee.expression.getText() : '';
      const [a0, a1, a2] = node.arguments;
      if (name === 'query' && target === `${x.receiver}.sequelize`) {
        x.raw(a0, node);
        return true;
      }
      if (target !== x.receiver) return false;
      const table = literalText(a0);
      if (name === 'addIndex' && table) {
        const opts = objectLiteral(a2);
        const fields = columns(a1).length ? columns(a1) : columns(opts.get('fields'));
        const s = x.builder(`CREATE ${isTrue(opts.get('unique')) ? 'UNIQUE ' : ''}INDEX ${isTrue(opts.get('concurrently')) ? 'CONCURRENTLY ' : ''}ON ${q(table)} (${fields.map(q).join(', ')})`, node);
        if (!isTrue(opts.get('concurrently'))) s.concurrently = addOption(node, 2);
      }
      if (name === 'addColumn' && table && literalText(a1)) {
        const spec = objectLiteral(a2);
        const notNull = isFalse(spec.get('allowNull')) ? ' NOT NULL' : '';
        const dflt = spec.get('defaultValue');
        const value = dflt ? (literalText(dflt) !== undefined ? `'${literalText(dflt)}'` : /^\d+$|^(true|false)$/.test(dflt.getText()) ? dflt.getText() : undefined) : undefined;
        if (dflt && value === undefined) x.dynamic(dflt, 'the default is computed in JavaScript');
        x.builder(`ALTER TABLE ${q(table)} ADD COLUMN ${q(literalText(a1)!)} text${value ? ` DEFAULT ${value}` : ''}${notNull}`, node);
      }
      if (name === 'removeColumn' && table && literalText(a1)) x.builder(`ALTER TABLE ${q(table)} DROP COLUMN ${q(literalText(a1)!)}`, node);
      if (name === 'renameColumn' && table && literalText(a1) && literalText(a2)) x.builder(`ALTER TABLE ${q(table)} RENAME COLUMN ${q(literalText(a1)!)} TO ${q(literalText(a2)!)}`, node);
      if (name === 'changeColumn' && table && literalText(a1)) x.builder(`ALTER TABLE ${q(table)} ALTER COLUMN ${q(literalText(a1)!)} TYPE text`, node);
      return false;
    },
    model: () => ({ transaction: false, optOut: 'Sequelize does not wrap migrations in a transaction' }),
  },
});
