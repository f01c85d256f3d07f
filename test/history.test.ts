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

  it("follows Diesel's one folder per migration; down.sql files never feed the chain of up files", () => {
    // Diesel orders by the version without its dashes, as text: 20160101000000 runs before 2017-03-18-181441 (natural order of the names would put it last).
    for (const v of ['00000000000000_diesel_initial_setup', '20160101000000_old', '2017-03-18-181441_a', '2017-03-19-000000_b', '2026-07-30-140000-0000_c']) {
      write(`diesel/migrations/${v}/up.sql`, 'SELECT 1;');
      write(`diesel/migrations/${v}/down.sql`, 'SELECT 1;');
    }
    write('diesel/migrations/2017-03-19-000000_b/metadata.toml', 'run_in_transaction = false\n');
    const folders = (file: string) => earlierMigrations(path.join(tmp, 'diesel/migrations', file)).map((f) => `${path.basename(path.dirname(f))}/${path.basename(f)}`);
    assert.deepEqual(folders('2026-07-30-140000-0000_c/up.sql'), ['00000000000000_diesel_initial_setup/up.sql', '20160101000000_old/up.sql', '2017-03-18-181441_a/up.sql', '2017-03-19-000000_b/up.sql']);
    // A down file runs after its own up file, and sees only up files before it.
    assert.deepEqual(folders('2017-03-19-000000_b/down.sql'), ['00000000000000_diesel_initial_setup/up.sql', '20160101000000_old/up.sql', '2017-03-18-181441_a/up.sql', '2017-03-19-000000_b/up.sql']);
    assert.deepEqual(folders('20160101000000_old/up.sql'), ['00000000000000_diesel_initial_setup/up.sql']);
  });

  it('leaves sqlx-style .down.sql and yoyo .rollback.sql files out of a flat chain', () => {
    for (const f of ['1_a.sql', '2_b.up.sql', '2_b.down.sql', '3_c.sql', '3_c.rollback.sql', '4_d.sql']) write(`flat/${f}`, 'SELECT 1;');
    assert.deepEqual(earlierMigrations(path.join(tmp, 'flat', '4_d.sql')).map((f) => path.basename(f)), ['1_a.sql', '2_b.up.sql', '3_c.sql']);
  });
});

describe('the catalog the earlier migrations leave', () => {
  it("reads a Diesel project's earlier folders: widening a column it created is no rewrite", () => {
    write('dieselcat/migrations/2024-01-01-000000_users/up.sql', 'CREATE TABLE users (id bigint PRIMARY KEY, email varchar(100));');
    write('dieselcat/migrations/2024-01-01-000000_users/down.sql', 'ALTER TABLE users ALTER COLUMN email TYPE varchar(20);');
    const file = write('dieselcat/migrations/2024-01-02-000000_widen/up.sql', 'ALTER TABLE users ALTER COLUMN email TYPE varchar(200);');
    const prior = new MigrationHistory().priorCatalog(file, DEFAULT_SETTINGS);
    const run = analyze(fs.readFileSync(file, 'utf8'), { path: file, prior });
    assert.deepEqual(run.facts.statements[0].rewrites, []);
    assert.ok(!run.findings.some((f) => f.rule === 'changing-column-type'), 'varchar(100) to varchar(200): the down file (varchar(20)) was not read into the chain');
  });

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
