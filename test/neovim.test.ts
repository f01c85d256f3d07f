/**
 * Neovim (Debian's 0.7.2) as the LSP client: `nvim --headless` with a few lines of Lua attaches
 * `migration-guard lsp --stdio` to a migration and writes out the diagnostics and the hover it
 * received. The Lua waits on Neovim's event loop for the diagnostics, with a deadline.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';

const root = path.join(__dirname, '..', '..');
const nvim = ['/usr/bin/nvim', '/usr/local/bin/nvim'].find((p) => fs.existsSync(p));
const skip = !nvim && (process.env.CI ? false : 'no Neovim (apt-get install -y neovim)');

describe('Neovim as the client of migration-guard lsp --stdio', { skip, timeout: 60_000 }, () => {
  it('receives the diagnostics and a hover with the lock', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-nvim-'));
    fs.mkdirSync(path.join(dir, 'migrations'));
    const file = path.join(dir, 'migrations', '002_index.sql');
    fs.writeFileSync(file, "SET lock_timeout = '5s';\nSET statement_timeout = '30min';\nCREATE INDEX users_email_idx ON users (email);\n");
    const out = path.join(dir, 'result.json');
    const lua = path.join(dir, 'attach.lua');
    fs.writeFileSync(
      lua,
      `local id = vim.lsp.start_client({
  name = 'migration-guard',
  cmd = { ${JSON.stringify(process.execPath)}, ${JSON.stringify(path.join(root, 'bin', 'migration-guard.js'))}, 'lsp', '--stdio' },
  root_dir = ${JSON.stringify(dir)},
})
vim.lsp.buf_attach_client(0, id)
local ok = vim.wait(30000, function() return #vim.diagnostic.get(0) > 0 end, 20)
local diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(diagnostics, { lnum = d.lnum, col = d.col, end_col = d.end_col, message = d.message, source = d.source, severity = d.severity,
    code = (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or d.code })
end
local hover = vim.lsp.get_client_by_id(id).request_sync('textDocument/hover',
  { textDocument = { uri = vim.uri_from_bufnr(0) }, position = { line = 2, character = 3 } }, 10000, 0)
local f = io.open(${JSON.stringify(out)}, 'w')
f:write(vim.fn.json_encode({ waited = ok, filetype = vim.bo.filetype, diagnostics = diagnostics, hover = hover and hover.result or vim.NIL }))
f:close()
vim.lsp.stop_client(id)
vim.cmd('qa!')
`,
    );
    const run = spawnSync(nvim!, ['--headless', '--clean', file, '-c', `luafile ${lua}`], { encoding: 'utf8', timeout: 50_000 });
    assert.ok(fs.existsSync(out), `Neovim wrote nothing (status ${run.status}, signal ${run.signal}):\n${run.stdout}\n${run.stderr}`);
    const result = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(result.waited, true);
    assert.equal(result.filetype, 'sql');
    assert.equal(result.diagnostics.length, 1, JSON.stringify(result.diagnostics));
    const [d] = result.diagnostics;
    assert.equal(d.code, 'require-concurrent-index');
    assert.equal(d.source, 'migration-guard');
    assert.deepEqual([d.lnum, d.col, d.end_col], [2, 0, 12]);
    assert.equal(d.severity, 1);
    assert.match(result.hover.contents.value, /\*\*SHARE\*\* on `users`/);
    assert.match(result.hover.contents.value, /blocks writes/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
