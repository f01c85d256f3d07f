/**
 * "Move to its own migration", run on Debian's PostgreSQL the way the tools run files: the
 * original file fails as the tool sends it (CREATE INDEX CONCURRENTLY inside its transaction);
 * after the fix, the rest of the file runs in one transaction and the moved statement alone,
 * outside any transaction block, and the index exists and is valid (pg_index.indisvalid); the
 * down file drops it again. golang-migrate and Prisma send a file as one simple query
 * (several statements: one implicit transaction); Diesel wraps up.sql in BEGIN / COMMIT unless
 * metadata.toml says run_in_transaction = false, then sends it as one simple query.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { analyze, FindingFix, loadParser } from '../server/src/engine/analyze';
import { applyEdits } from '../server/src/engine/edits';
import { newFiles } from '../server/src/files';
import { projectProbe } from '../server/src/probe';
import { debianBinaries, Server, startDebianServer } from './pg/servers';

const noDebian = !debianBinaries() && (process.env.CI ? false : 'no Debian PostgreSQL server installed (apt-get install -y postgresql)');

/** Writes `text` at `relative` in a fresh folder and returns the move fix of `rule` for it. */
function moveFix(relative: string, text: string, rule: string): { file: string; fix: FindingFix } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-ownmig-pg-'));
  const file = path.join(dir, ...relative.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  const finding = analyze(text, { path: file, probe: projectProbe(file) }).findings.find((f) => f.rule === rule);
  const fix = finding?.fixes.find((f) => f.files?.length);
  assert.ok(fix, `a move fix for ${rule}`);
  return { file, fix };
}

/** The new files' contents by the file's name (the last part of its path). */
const byName = (file: string, fix: FindingFix) => new Map(newFiles(file, fix.files!).map((f) => [path.basename(f.path), f.content]));

describe('the split migration runs on Debian PostgreSQL as the tool runs it', { skip: noDebian, timeout: 120_000 }, () => {
  let server: Server;
  before(async () => {
    await loadParser();
    server = await startDebianServer();
  });
  after(() => server?.stop());

  const setup = async (table: string) => {
    await server.session.exec(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (id bigint PRIMARY KEY, total int); INSERT INTO ${table} SELECT g, g % 100 FROM generate_series(1, 5000) g;`);
  };
  const indexValid = async (name: string) =>
    (await server.session.query<{ indisvalid: boolean }>(`SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = '${name}'`))[0]?.indisvalid;

  for (const tool of ['golang-migrate', 'prisma'] as const) {
    it(`${tool}: one simple query per file`, async () => {
      const table = `orders_${tool.replace('-', '_')}`;
      await setup(table);
      const text = `SET lock_timeout = '5s';\nALTER TABLE ${table} ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY ${table}_note_idx ON ${table} (note);\n`;
      const relative = tool === 'golang-migrate' ? '000001_note.up.sql' : 'prisma/migrations/20240101000000_note/migration.sql';
      const { file, fix } = moveFix(relative, text, 'concurrently-in-transaction');
      // As the tool sends it today: PostgreSQL refuses the whole file.
      await assert.rejects(server.session.exec(text), /cannot run inside a transaction block/);
      const rest = applyEdits(text, fix.edits);
      assert.doesNotMatch(rest, /CONCURRENTLY/);
      const files = byName(file, fix);
      const up = files.get(tool === 'golang-migrate' ? `000002_create_index_concurrently_${table}_note_idx.up.sql` : 'migration.sql')!;
      assert.ok(up, [...files.keys()].join(', '));
      // The rest: several statements in one simple query, one implicit transaction; then the moved file alone.
      await server.session.exec(rest);
      await server.session.exec(up);
      assert.equal(await indexValid(`${table}_note_idx`), true);
      if (tool === 'golang-migrate') {
        await server.session.exec(files.get(`000002_create_index_concurrently_${table}_note_idx.down.sql`)!);
        assert.equal(await indexValid(`${table}_note_idx`), undefined, 'the down migration drops the index');
      }
    });
  }

  it('Diesel: up.sql in BEGIN / COMMIT, the moved one without a transaction as metadata.toml says', async () => {
    const table = 'orders_diesel';
    await setup(table);
    const text = `SET lock_timeout = '5s';\nALTER TABLE ${table} ADD COLUMN note text;\nCREATE INDEX CONCURRENTLY ${table}_note_idx ON ${table} (note);\n`;
    const { file, fix } = moveFix('migrations/2024-01-01-000000_note/up.sql', text, 'concurrently-in-transaction');
    await assert.rejects(server.session.exec(`BEGIN;\n${text}COMMIT;`), /cannot run inside a transaction block/);
    await server.session.exec('ROLLBACK');
    const files = byName(file, fix);
    assert.equal(files.get('metadata.toml'), 'run_in_transaction = false\n');
    await server.session.exec(`BEGIN;\n${applyEdits(text, fix.edits)}COMMIT;`);
    await server.session.exec(files.get('up.sql')!);
    assert.equal(await indexValid(`${table}_note_idx`), true);
    await server.session.exec(files.get('down.sql')!);
    assert.equal(await indexValid(`${table}_note_idx`), undefined);
  });

  it('golang-migrate: the VALIDATE in a migration of its own commits apart from the NOT VALID constraint', async () => {
    const table = 'orders_validate';
    await setup(table);
    const text = `SET lock_timeout = '5s';\nALTER TABLE ${table} ADD CONSTRAINT ${table}_total_check CHECK (total >= 0);\nALTER TABLE ${table} ADD COLUMN flag boolean;\n`;
    const { file, fix } = moveFix('000001_check.up.sql', text, 'constraint-missing-not-valid');
    await server.session.exec(applyEdits(text, fix.edits));
    const validated = async () => (await server.session.query<{ convalidated: boolean }>(`SELECT convalidated FROM pg_constraint WHERE conname = '${table}_total_check'`))[0]?.convalidated;
    assert.equal(await validated(), false);
    const up = [...byName(file, fix)].find(([name]) => /^000002_.*\.up\.sql$/.test(name));
    assert.ok(up);
    await server.session.exec(up[1]);
    assert.equal(await validated(), true);
  });
});
