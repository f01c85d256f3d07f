/** The test table of column-used-by-view (server/src/engine/rules/column-used-by-view.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

const VIEWS = 'CREATE TABLE users (id bigint, email text, active boolean, note text);\nCREATE VIEW active_users AS SELECT u.id, email FROM users u WHERE active;\n';

export const tests: RuleTests = {
  valid: [
    // A column no view uses.
    `${VIEWS}ALTER TABLE users DROP COLUMN note;`,
    `${VIEWS}ALTER TABLE users ALTER COLUMN note TYPE varchar(10);`,
    // The view is gone first.
    `${VIEWS}DROP VIEW active_users;\nALTER TABLE users DROP COLUMN email;`,
    // SELECT * counts the columns the table had when the view was created, not later ones.
    'CREATE TABLE t (a int);\nCREATE VIEW v AS SELECT * FROM t;\nALTER TABLE t ADD COLUMN b int;\nALTER TABLE t DROP COLUMN b;',
    // Another table's column of the same name.
    `${VIEWS}CREATE TABLE orders (email text);\nALTER TABLE orders DROP COLUMN email;`,
    // A view unknown to the migrations.
    'ALTER TABLE users DROP COLUMN email;',
    // Renames: the view follows the table and the column (PostgreSQL refers to them by number).
    `${VIEWS}ALTER TABLE users RENAME TO old_users;\nCREATE TABLE users (id bigint, email text);\nALTER TABLE users DROP COLUMN email;`,
    `${VIEWS}ALTER TABLE users RENAME COLUMN email TO mail;\nALTER TABLE users ADD COLUMN email text;\nALTER TABLE users DROP COLUMN email;`,
    // DROP TYPE ... CASCADE dropped the column and, with it, the view.
    "CREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE people (id bigint, feeling mood);\nCREATE VIEW moods AS SELECT feeling FROM people;\nDROP TYPE mood CASCADE;\nALTER TABLE people ADD COLUMN feeling text;\nALTER TABLE people DROP COLUMN feeling;",
  ],
  invalid: [
    {
      // The renamed table is still the view's.
      sql: `${VIEWS}ALTER TABLE users RENAME TO people;\nALTER TABLE people DROP COLUMN email;`,
      reports: [{ range: [3, 19, 3, 36], messageId: 'dropColumn', data: { table: 'people', column: 'email', views: 'the view active_users' } }],
      output: null,
    },
    {
      // ... and so is the renamed column.
      sql: `${VIEWS}ALTER TABLE users RENAME COLUMN email TO mail;\nALTER TABLE users ALTER COLUMN mail TYPE varchar(320);`,
      reports: [{ range: [3, 18, 3, 53], messageId: 'alterType', data: { table: 'users', column: 'mail', views: 'the view active_users' } }],
      output: null,
    },
    {
      sql: `${VIEWS}ALTER TABLE users ALTER COLUMN email TYPE varchar(320);`,
      reports: [{ range: [2, 18, 2, 54], messageId: 'alterType', data: { table: 'users', column: 'email', views: 'the view active_users' } }],
      output: null,
    },
    {
      sql: `${VIEWS}ALTER TABLE users DROP COLUMN id;`,
      reports: [{ range: [2, 18, 2, 32], messageId: 'dropColumn', data: { table: 'users', column: 'id', views: 'the view active_users' } }],
      output: null,
    },
    {
      sql: `${VIEWS}CREATE MATERIALIZED VIEW stats AS SELECT count(*) FROM users WHERE active;\nALTER TABLE users DROP COLUMN active CASCADE;`,
      reports: [{ range: [3, 18, 3, 44], messageId: 'dropColumnCascade', data: { table: 'users', column: 'active', views: 'the views active_users, stats' } }],
      output: null,
    },
    {
      // SELECT * from a table whose columns are known: each of them.
      sql: 'CREATE TABLE t (a int, b int);\nCREATE VIEW v AS SELECT * FROM t;\nALTER TABLE t DROP COLUMN b;',
      reports: [{ range: [2, 14, 2, 27], messageId: 'dropColumn', data: { table: 't', column: 'b', views: 'the view v' } }],
      output: null,
    },
    {
      // A join: the qualified column goes to its own table.
      sql: 'CREATE TABLE a (id int, x int);\nCREATE TABLE b (id int, x int);\nCREATE VIEW ab AS SELECT a.id, b.x FROM a JOIN b ON a.id = b.id;\nALTER TABLE b DROP COLUMN x;\nALTER TABLE a DROP COLUMN x;',
      reports: [{ range: [3, 14, 3, 27], messageId: 'dropColumn', data: { table: 'b', column: 'x', views: 'the view ab' } }],
      output: null,
    },
    {
      // Dropped with CASCADE once: the view is gone for the next statement.
      sql: `${VIEWS}ALTER TABLE users DROP COLUMN active CASCADE;\nALTER TABLE users DROP COLUMN email;`,
      reports: [{ range: [2, 18, 2, 44], messageId: 'dropColumnCascade', data: { table: 'users', column: 'active', views: 'the view active_users' } }],
      output: null,
    },
  ],
  unsafeContext: ['CREATE VIEW active_users AS SELECT id, email FROM users WHERE active'],
};
