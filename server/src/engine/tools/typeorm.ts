/** TypeORM: migration classes with `up(queryRunner)` / `down(queryRunner)`; raw SQL through `queryRunner.query`. */
import { compiler, propertyName } from './embedded-api';
import { defineTool } from './tool';

export const typeorm = defineTool({
  id: 'typeorm',
  label: 'TypeORM',
  docs: {
    transaction: "all pending migrations in one transaction (`migrationsTransactionMode: 'all'`, the default)",
    optOut: "`transaction = false` on the migration class, with `migrationsTransactionMode` `'each'` or `'none'` (in `'all'` TypeORM refuses the override)",
    sources: ['https://typeorm.io/docs/migrations/faking ("Transaction modes"); `MigrationInterface.transaction`, `ForbiddenTransactionModeOverrideError` (typeorm 0.3)'],
  },
  embedded: {
    claims: ({ type }) => Boolean(type?.includes('QueryRunner')),
    classInterface: 'MigrationInterface',
    call(node, x) {
      const callee = node.expression;
      const target = compiler().isPropertyAccessExpression(callee) ? callee.expression.getText() : '';
      if (propertyName(callee) !== 'query' || target !== x.receiver) return false;
      x.raw(node.arguments[0], node);
      return true;
    },
    model: (off) => ({ transaction: !off, optOut: "set transaction = false on the migration class (with migrationsTransactionMode 'each' or 'none')" }),
    optOutEdit({ up }) {
      if (!up || !compiler().isClassDeclaration(up.parent)) return undefined;
      const at = up.parent.members.pos;
      return { start: at, end: at, newText: '\n  transaction = false;', title: "transaction = false on the migration class (needs migrationsTransactionMode 'each' or 'none')" };
    },
  },
});
