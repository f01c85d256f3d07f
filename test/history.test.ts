/** What the earlier migrations of a folder tell the engine about the tables. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { analyze, loadParser } from '../server/src/engine/analyze';
import { DEFAULT_SETTINGS } from '../server/src/engine/settings';
import { earlierMigrations, MigrationHistory } from '../server/src/history';

before(loadParser);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-history-'));
const write = (name: string, content: string) => {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
};

describe('earlier migrations of a folder', () => {
  it('orders versions naturally and leaves down, undo, revert and repeatable files out', () => {
    for (const f of ['V1__a.sql', 'V2__b.sql', 'V10__c.sql', 'U2__b.sql', 'R__views.sql']) write(`flyway/${f}`, 'SELECT 1;');
    assert.deepEqual(earlierMigrations(path.join(tmp, 'flyway', 'V10__c.sql')).map((f) => path.basename(f)), ['V1__a.sql', 'V2__b.sql']);
    for (const f of ['1_a.up.sql', '1_a.down.sql', '2_b.up.sql', '2_b.down.sql']) write(`gm/${f}`, 'SELECT 1;');
    assert.deepEqual(earlierMigrations(path.join(tmp, 'gm', '2_b.up.sql')).map((f) => path.basename(f)), ['1_a.up.sql']);
    // A down file runs after its own up file.
    assert.deepEqual(earlierMigrations(path.join(tmp, 'gm', '2_b.down.sql')).map((f) => path.basename(f)), ['1_a.up.sql', '2_b.up.sql']);
  });

  it("follows Prisma's one folder per migration", () => {
    write('prisma/migrations/20240101_init/migration.sql', 'SELECT 1;');
    write('prisma/migrations/20240201_more/migration.sql', 'SELECT 1;');
    const later = path.join(tmp, 'prisma/migrations/20240301_last/migration.sql');
    write('prisma/migrations/20240301_last/migration.sql', 'SELECT 1;');
    assert.deepEqual(earlierMigrations(later).map((f) => path.basename(path.dirname(f))), ['20240101_init', '20240201_more']);
  });
});

describe('the catalog the earlier migrations leave', () => {
  it('knows a column type from an earlier file: ALTER TYPE to the same type does not rewrite', () => {
    write('kratos/001_create.up.sql', 'CREATE TABLE flows (id uuid PRIMARY KEY, nid uuid, note varchar(20));');
    write('kratos/002_nid.up.sql', 'ALTER TABLE flows ALTER COLUMN nid TYPE uuid;');
    const third = write('kratos/003_note.up.sql', 'ALTER TABLE flows ALTER COLUMN note TYPE varchar(10);');
    const history = new MigrationHistory();
    const run = (file: string) => analyze(fs.readFileSync(file, 'utf8'), { path: file, prior: history.priorCatalog(file, DEFAULT_SETTINGS) });
    const second = run(path.join(tmp, 'kratos/002_nid.up.sql'));
    assert.deepEqual(second.facts.statements[0].rewrites, []);
    assert.ok(!second.findings.some((f) => f.rule === 'changing-column-type'));
    // The table is still an existing table: other rules still apply to it.
    assert.equal(second.facts.statements[0].locks[0].existing, true);
    assert.ok(run(third).findings.some((f) => f.rule === 'changing-column-type'), 'varchar(20) to varchar(10) rewrites');
  });

  it('knows a CHECK validated in an earlier file: SET NOT NULL skips the scan', () => {
    write('checks/001.sql', 'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;');
    write('checks/002.sql', 'ALTER TABLE users VALIDATE CONSTRAINT email_nn;');
    const file = write('checks/003.sql', 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;');
    const prior = new MigrationHistory().priorCatalog(file, DEFAULT_SETTINGS);
    assert.ok(!analyze(fs.readFileSync(file, 'utf8'), { prior }).findings.some((f) => f.rule === 'set-not-null'));
    assert.ok(analyze(fs.readFileSync(file, 'utf8')).findings.some((f) => f.rule === 'set-not-null'), 'alone, the file is reported');
  });
});
