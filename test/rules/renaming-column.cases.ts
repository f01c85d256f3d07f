/** The test table of renaming-column (server/src/engine/rules/renaming-column.ts), run by test/rules.test.ts. */
import { RuleTests } from '../../server/src/engine/rule';

export const tests: RuleTests = {
  valid: ['CREATE TABLE users (email text);\nALTER TABLE users RENAME COLUMN email TO email_address;', 'ALTER TABLE users RENAME CONSTRAINT a TO b;'],
  invalid: [
    { sql: 'ALTER TABLE users RENAME COLUMN email TO email_address;', reports: [{ range: [0, 0, 0, 54], messageId: 'renameColumn', data: { table: 'users', column: 'email', newName: 'email_address' } }], output: null },
    {
      sql: 'ALTER TABLE users ADD COLUMN email varchar(200);\nALTER TABLE users RENAME COLUMN email TO email_address;',
      reports: [{ range: [1, 0, 1, 54], messageId: 'renameColumn' }],
      output: [
        'ALTER TABLE users ADD COLUMN email varchar(200);',
        '-- Expand: the new column, kept equal to the old one on every write.',
        'ALTER TABLE users ADD COLUMN email_address varchar(200);',
        'CREATE FUNCTION users_sync_email_address() RETURNS trigger LANGUAGE plpgsql AS $sync$',
        'BEGIN',
        "  IF (TG_OP = 'INSERT' AND NEW.email_address IS NOT NULL) OR (TG_OP = 'UPDATE' AND NEW.email_address IS DISTINCT FROM OLD.email_address) THEN",
        '    NEW.email := NEW.email_address;',
        '  ELSE',
        '    NEW.email_address := NEW.email;',
        '  END IF;',
        '  RETURN NEW;',
        'END',
        '$sync$;',
        'CREATE TRIGGER users_sync_email_address BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_sync_email_address();',
        '-- Backfill in batches: UPDATE users SET email_address = email WHERE <key> BETWEEN <n> AND <n + 5000> AND email_address IS NULL;',
        '-- Deploy code that reads and writes email_address. Contract, in a later migration:',
        '--   DROP TRIGGER users_sync_email_address ON users; DROP FUNCTION users_sync_email_address(); ALTER TABLE users DROP COLUMN email;',
      ].join('\n'),
    },
  ],
};
