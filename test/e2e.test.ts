/**
 * End to end in a real VS Code: the built .vsix installed into code-server, driven by Chromium.
 * A person's view: the squiggle and the Problems panel, the hover's lock text, the CONCURRENTLY
 * quick fix changing the text, the checklist and lock-trace panels from the command palette; and in restricted
 * mode (the folder not trusted) diagnostics only, no database feature. A screenshot of each step
 * goes to test-output/e2e/. A step that hangs fails with code-server's and the extension host's
 * logs attached.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { Editor, missing, OUTPUT, packageExtension, root, startEditor } from './e2e/codeserver';
import { initMigration, largeMigration } from './e2e/large-migration';

const skip = missing() && (process.env.CI ? false : missing());
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-e2e-ws-'));
const UNSAFE = "SET lock_timeout = '5s';\nSET statement_timeout = '30min';\nCREATE INDEX users_email_idx ON users (email);\n";

function workspace(name: string): { folder: string; file: string } {
  const folder = path.join(tmp, name);
  fs.mkdirSync(path.join(folder, 'migrations'), { recursive: true });
  fs.writeFileSync(path.join(folder, 'migrations', '001_init.sql'), 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n');
  fs.writeFileSync(path.join(folder, 'migrations', '002_index.sql'), UNSAFE);
  return { folder, file: path.join(folder, 'migrations', '002_index.sql') };
}

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(OUTPUT, { recursive: true });
  await page.screenshot({ path: path.join(OUTPUT, `${name}.png`) });
}

/** Runs a step; on failure, the screenshot of the moment and the editor's logs go with the error. */
async function step(editor: Editor, name: string, f: () => Promise<void>): Promise<void> {
  try {
    await f();
    await shot(editor.page, name);
  } catch (e) {
    await shot(editor.page, `${name}-FAILED`).catch(() => undefined);
    throw new Error(`${name}: ${(e as Error).message}\n${editor.logs()}`);
  }
}

async function answerTrust(page: Page, answer: 'Yes, I trust the authors' | "No, I don't trust the authors"): Promise<void> {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Do you trust the authors of the files in this folder/);
  await dialog.locator('.monaco-button', { hasText: answer }).click();
  await dialog.waitFor({ state: 'detached' });
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** The webview frame whose document has `selector`. */
async function webview(page: Page, selector: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      const el = await frame.$(selector).catch(() => null);
      if (el) return (await frame.locator('body').innerText()) ?? '';
    }
    await page.waitForEvent('framenavigated', { timeout: 2000 }).catch(() => undefined);
  }
  throw new Error(`no webview shows ${selector}`);
}

// Monaco renders spaces as no-break spaces.
/** Registers, in the describe block calling it, an editor with the .vsix installed and the unsafe migration open. */
function editorOn(name: string): () => Editor {
  let editor: Editor;
  const ws = workspace(name);
  before(async () => {
    editor = await startEditor(ws.folder, packageExtension(tmp));
    await editor.page.goto(editor.url(ws.file));
  });
  after(() => editor?.stop());
  return () => editor;
}

/** Waits until `ok` holds (a file the editor writes, a panel's text): checked every 100 ms, up to 60 s. */
async function waitFor(ok: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const editorText = async (page: Page) => (await page.locator('.monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');

describe('in a real VS Code (code-server 4.100.3, Chromium): trusted folder', { skip, timeout: 300_000 }, () => {
  const opened = editorOn('trusted');

  it('shows the diagnostic, the hover, applies the quick fix, and opens the checklist', async () => {
    const editor = opened();
    const { page } = editor;
    await step(editor, '01-trust', () => answerTrust(page, 'Yes, I trust the authors'));
    await step(editor, '02-squiggle', async () => {
      await page.locator('.monaco-editor .squiggly-error').first().waitFor();
    });
    await step(editor, '03-problems', async () => {
      await page.keyboard.press('Control+Shift+M');
      const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'CREATE INDEX on users takes a SHARE lock' });
      await row.first().waitFor();
      assert.match(await page.locator('.markers-panel').innerText(), /require-concurrent-index/);
    });
    await step(editor, '04-hover', async () => {
      const token = page.locator('.view-line', { hasText: 'CREATE INDEX' }).locator('span span').first();
      await token.hover();
      const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'SHARE' });
      await hover.first().waitFor();
      const text = await hover.first().innerText();
      assert.match(text, /SHARE/);
      assert.match(text, /blocks writes/);
    });
    await step(editor, '05-quick-fix', async () => {
      await page.keyboard.press('Escape');
      await page.locator('.view-line', { hasText: 'CREATE INDEX' }).locator('span span').first().click();
      await page.keyboard.press('Control+.');
      const fix = page.getByText('Add CONCURRENTLY (must run outside a transaction block)', { exact: true });
      await fix.first().waitFor();
      // The fix is the first, focused entry of the menu (the rest: ignore comments).
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('.monaco-editor .view-lines')?.textContent?.replace(/\u00a0/g, ' ').includes('CREATE INDEX CONCURRENTLY'));
      assert.match(await editorText(page), /CREATE INDEX CONCURRENTLY users_email_idx ON users \(email\);/);
      await page.locator('.codelens-decoration', { hasText: 'SHARE UPDATE EXCLUSIVE users' }).first().waitFor();
    });
    await step(editor, '06-checklist', async () => {
      await page.keyboard.press('Control+S');
      await runCommand(page, 'Migration Guard: Run Production Checklist');
      await page.locator('.tab', { hasText: 'Checklist: migrations/002_index.sql' }).waitFor();
      const text = await webview(page, '#summary');
      assert.match(text, /Production checklist: 002_index\.sql/);
      assert.match(text, /lock_timeout and statement_timeout set/);
      assert.match(text, /No database connected/);
    });
    await step(editor, '07-trace', async () => {
      await page.locator('.tab', { hasText: '002_index.sql' }).first().click();
      await runCommand(page, 'Migration Guard: Trace Locks');
      await page.locator('.tab', { hasText: 'Lock trace: migrations/002_index.sql' }).waitFor();
      const text = await webview(page, '#summary');
      assert.match(text, /On PGlite \(embedded\) \(PostgreSQL 18/);
      assert.match(text, /Schema from 1 earlier migrations/);
      assert.match(text, /CONCURRENTLY cannot run in a transaction block/);
      // After the save and the new layout, the CodeLens still shows the fixed statement's lock.
      await page.locator('.codelens-decoration', { hasText: 'SHARE UPDATE EXCLUSIVE users' }).first().waitFor({ timeout: 20_000 });
      assert.equal(await page.locator('.codelens-decoration', { hasText: /^SHARE users/ }).count(), 0);
    });
  });
});

/** A Prisma project: the first migration creates "Order", the second is multi-statement (Prisma runs it in one transaction). */
function prismaWorkspace(): { folder: string; file: string; moved: string } {
  const folder = path.join(tmp, 'prisma');
  const migrations = path.join(folder, 'prisma', 'migrations');
  fs.mkdirSync(path.join(migrations, '20240101000000_init'), { recursive: true });
  fs.mkdirSync(path.join(migrations, '20240102000000_add_note'), { recursive: true });
  fs.writeFileSync(path.join(migrations, '20240101000000_init', 'migration.sql'), '-- CreateTable\nCREATE TABLE "Order" (\n    "id" SERIAL NOT NULL,\n    "total" INTEGER NOT NULL,\n    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")\n);\n');
  const file = path.join(migrations, '20240102000000_add_note', 'migration.sql');
  fs.writeFileSync(file, PRISMA_ADD_NOTE);
  return { folder, file, moved: path.join(migrations, '20240102000001_create_index_concurrently_order_note_idx', 'migration.sql') };
}
const PRISMA_ADD_NOTE = "SET lock_timeout = '5s';\n\n-- AlterTable\nALTER TABLE \"Order\" ADD COLUMN \"note\" TEXT;\n\n-- CreateIndex\nCREATE INDEX CONCURRENTLY \"Order_note_idx\" ON \"Order\"(\"note\");\n";

describe('in a real VS Code: a multi-statement Prisma migration', { skip, timeout: 300_000 }, () => {
  let editor: Editor;
  const ws = prismaWorkspace();
  before(async () => {
    editor = await startEditor(ws.folder, packageExtension(tmp));
    await editor.page.goto(editor.url(ws.file));
  });
  after(() => editor?.stop());

  it("opens the rule's page rendered from the diagnostic's link, and moves CONCURRENTLY to its own migration", async () => {
    const { page } = editor;
    const line = () => page.locator('.view-line', { hasText: 'CREATE INDEX CONCURRENTLY' }).locator('span span').first();
    await step(editor, '31-prisma-trust', () => answerTrust(page, 'Yes, I trust the authors'));
    await step(editor, '32-prisma-squiggle', async () => {
      await page.locator('.monaco-editor .squiggly-error').first().waitFor();
    });
    await step(editor, '33-rule-link', async () => {
      // The hover of the squiggle shows the diagnostic with its rule as a link (its code).
      await line().hover();
      const link = page.locator('.monaco-hover:not(.hidden) a.code-link', { hasText: 'concurrently-in-transaction' });
      await link.first().waitFor();
      await link.first().click();
      // The page shipped with the extension, in the Markdown preview: rendered, not its source.
      await page.locator('.tab', { hasText: 'Preview concurrently-in-transaction.md' }).waitFor();
      const text = await webview(page, 'body.vscode-body h1');
      const [first, second] = text.split('\n').filter((l) => l.trim());
      assert.equal(first, 'concurrently-in-transaction', 'the page starts with the rule');
      assert.match(second, /CONCURRENTLY/, 'then says what the rule reports');
      assert.doesNotMatch(text, /^#/m, 'rendered: no Markdown heading marks');
    });
    await step(editor, '34-prisma-quick-fix-menu', async () => {
      await page.locator('.tab', { hasText: 'migration.sql' }).first().click();
      await line().click();
      await page.keyboard.press('Control+.');
      const menu = page.locator('.action-widget');
      await menu.locator('.monaco-list-row').first().waitFor();
      const titles = await menu.locator('.monaco-list-row').allInnerTexts();
      // The working fix, not only ignores (VS Code hides disabled actions).
      const move = 'Run it outside the transaction, moved to its own migration 20240102000001_create_index_concurrently_order_note_idx/migration.sql';
      assert.ok(titles.some((t) => t.includes(move)), `the move among ${titles.join(' | ')}`);
      // The first, focused entry of the menu (a click on the row does not reach it in code-server).
      await menu.locator('.monaco-list-row.focused', { hasText: move }).waitFor();
      await page.keyboard.press('Enter');
    });
    await step(editor, '35-prisma-moved', async () => {
      await page.waitForFunction(() => !(globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('.monaco-editor .view-lines')?.textContent?.includes('CONCURRENTLY'));
      assert.doesNotMatch(await editorText(page), /CONCURRENTLY/);
      assert.match(await editorText(page), /ADD COLUMN "note" TEXT;/);
      // The new migration folder and file, through the same workspace edit.
      await waitFor(() => fs.existsSync(ws.moved) && fs.readFileSync(ws.moved, 'utf8').includes('CREATE INDEX CONCURRENTLY "Order_note_idx"'), `${ws.moved} written`);
      assert.equal(fs.readFileSync(ws.moved, 'utf8'), '-- Moved out of 20240102000000_add_note/migration.sql: it cannot run inside the transaction prisma runs that file in.\nCREATE INDEX CONCURRENTLY "Order_note_idx" ON "Order"("note");\n');
      // The diagnostic is gone.
      await page.keyboard.press('Control+Shift+M');
      await page.locator('.markers-panel').waitFor();
      await waitFor(async () => !/concurrently-in-transaction/.test(await page.locator('.markers-panel').innerText()), 'the finding gone from the Problems panel');
      assert.equal(await page.locator('.monaco-editor .squiggly-error').count(), 0);
    });
    await step(editor, '36-prisma-undo', async () => {
      await page.locator('.view-line', { hasText: 'ADD COLUMN' }).locator('span span').first().click();
      await page.keyboard.press('Control+Z');
      // An edit that spans files asks once whether to undo it in all of them.
      const dialog = page.locator('.monaco-dialog-box');
      await Promise.race([dialog.waitFor(), page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('.monaco-editor .view-lines')?.textContent?.includes('CONCURRENTLY'))]);
      if (await dialog.isVisible()) await dialog.locator('.monaco-button', { hasText: /Undo in \d+ Files/ }).click();
      await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('.monaco-editor .view-lines')?.textContent?.includes('CONCURRENTLY'));
      await waitFor(() => !fs.existsSync(ws.moved), `${ws.moved} removed by the undo`);
      // ... with its folder: Prisma refuses a migration folder without migration.sql.
      await waitFor(() => !fs.existsSync(path.dirname(ws.moved)), `${path.dirname(ws.moved)} removed by the undo`);
      await page.locator('.markers-panel .monaco-list-row', { hasText: 'concurrently-in-transaction' }).first().waitFor();
    });
  });
});

/** Errors, warnings and infos of a file as the CLI counts them (the Problems count leaves hints out). */
function cliCounts(file: string): [number, number, number] {
  // Exit code 1 when it reports errors: the JSON is what counts.
  const out = spawnSync(process.execPath, [path.join(root, 'bin', 'migration-guard.js'), 'check', file, '--format', 'json'], { cwd: path.dirname(file), encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
  const severities = (JSON.parse(out) as { files: { diagnostics: { severity: string }[] }[] }).files.flatMap((f) => f.diagnostics.map((d) => d.severity));
  return [severities.filter((x) => x === 'error').length, severities.filter((x) => x === 'warning').length, severities.filter((x) => x === 'info').length];
}

describe('in a real VS Code: typing in an 894-line Prisma migration', { skip, timeout: 400_000 }, () => {
  let editor: Editor;
  const folder = path.join(tmp, 'large');
  const migrations = path.join(folder, 'prisma', 'migrations');
  const file = path.join(migrations, '20240301000000_workspaces', 'migration.sql');
  // Typed at the end of the file. Every prefix is a syntax error (one more error), the last
  // keystroke (the closing quote) ends it: the Problems count settles only after that key.
  const TYPED = `\nCOMMENT ON TABLE "Team" IS 'teams'`;
  let expected: [number, number, number];
  before(async () => {
    fs.mkdirSync(path.join(migrations, '20240101000000_init'), { recursive: true });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(path.join(migrations, '20240101000000_init', 'migration.sql'), initMigration());
    fs.writeFileSync(file, largeMigration());
    // The settled count: the CLI's on a copy of the project with the typed text.
    const copy = path.join(tmp, 'large-cli');
    fs.cpSync(folder, copy, { recursive: true });
    const copied = path.join(copy, path.relative(folder, file));
    fs.writeFileSync(copied, largeMigration() + TYPED);
    expected = cliCounts(copied);
    fs.writeFileSync(copied, largeMigration() + TYPED.slice(0, -1));
    assert.notDeepEqual(cliCounts(copied), expected, 'the last keystroke changes the count');
    // Typing as written: no auto-closed quotes, no suggestion list to accept.
    fs.mkdirSync(path.join(folder, '.vscode'));
    fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'editor.autoClosingQuotes': 'never', 'editor.autoClosingBrackets': 'never', 'editor.quickSuggestions': { other: false, comments: false, strings: false }, 'editor.suggestOnTriggerCharacters': false, 'editor.wordBasedSuggestions': 'off' }));
    editor = await startEditor(folder, packageExtension(tmp));
    await editor.page.goto(editor.url(file));
  });
  after(() => editor?.stop());

  it('reports the time from the last keystroke to the settled Problems count (a figure, not asserted)', async (t) => {
    const { page } = editor;
    await step(editor, '41-large-trust', () => answerTrust(page, 'Yes, I trust the authors'));
    const counts = () => page.evaluate(() => (globalThis as unknown as { document: { getElementById(id: string): { textContent: string | null } | null } }).document.getElementById('status.problems')?.textContent ?? '');
    const parse = (text: string): number[] => (text.match(/\d+/g) ?? []).map(Number).concat([0, 0, 0]).slice(0, 3);
    await step(editor, '42-large-analysed', async () => {
      await page.locator('.monaco-editor .squiggly-error').first().waitFor();
      await waitFor(async () => parse(await counts())[0] > 0, 'the first Problems count');
    });
    const figures: number[] = [];
    for (let run = 1; run <= 3; run++) {
      await step(editor, `43-large-typed-${run}`, async () => {
        const before = parse(await counts());
        await page.locator('.view-line').first().click();
        await page.keyboard.press('Control+End');
        // Records, in the page's clock, each change of the status bar's Problems count and each key.
        await page.evaluate(() => {
          const g = globalThis as unknown as { __mg?: { changes: [number, string][]; lastKey: number }; document: { getElementById(id: string): unknown; addEventListener(e: string, f: () => void, c: boolean): void }; MutationObserver: new (f: () => void) => { observe(t: unknown, o: unknown): void }; performance: { now(): number } };
          const el = g.document.getElementById('status.problems') as { textContent: string | null };
          const log = (g.__mg = { changes: [], lastKey: 0 });
          if (!(g as unknown as { __mgObserved?: boolean }).__mgObserved) {
            (g as unknown as { __mgObserved?: boolean }).__mgObserved = true;
            new g.MutationObserver(() => g.__mg!.changes.push([g.performance.now(), el.textContent ?? ''])).observe(el, { subtree: true, childList: true, characterData: true, attributes: true });
            g.document.addEventListener('keydown', () => (g.__mg!.lastKey = g.performance.now()), true);
          }
          void log;
        });
        // A person typing: ~60 ms between keys.
        await page.keyboard.type(TYPED, { delay: 60 });
        await waitFor(async () => JSON.stringify(parse(await counts())) === JSON.stringify(expected), `the Problems count ${expected.join('/')} of the CLI (now ${await counts()}, before typing ${before.join('/')})`);
        // Settled: the count stays for 3 s more (no analysis of an older version arrives late).
        await new Promise((resolve) => setTimeout(resolve, 3000));
        const log = await page.evaluate(() => (globalThis as unknown as { __mg: { changes: [number, string][]; lastKey: number } }).__mg);
        assert.deepEqual(parse(log.changes[log.changes.length - 1][1]), expected, 'the count stayed');
        const settled = log.changes.filter(([at]) => at >= log.lastKey).find(([, text]) => JSON.stringify(parse(text)) === JSON.stringify(expected));
        assert.ok(settled, `a change to ${expected.join('/')} after the last key: ${JSON.stringify(log.changes.slice(-5))}`);
        figures.push(Math.round(settled[0] - log.lastKey));
        // Back to the file as it was: the typed line removed, the count back.
        await page.keyboard.press('Shift+Home');
        await page.keyboard.press('Backspace');
        await page.keyboard.press('Backspace');
        await waitFor(async () => JSON.stringify(parse(await counts())) === JSON.stringify(before), `the count back to ${before.join('/')}`);
      });
    }
    const lines = largeMigration().split('\n').length - 1;
    t.diagnostic(`e2e figure: ${lines}-line Prisma migration, last keystroke to settled Problems count (${expected[0]} errors, ${expected[1]} warnings, ${expected[2]} infos): ${figures.join(', ')} ms (runs 1-3)`);
  });
});

describe('in a real VS Code: restricted mode (folder not trusted)', { skip, timeout: 300_000 }, () => {
  const opened = editorOn('restricted');

  it('still shows diagnostics, and offers no database feature', async () => {
    const editor = opened();
    const { page } = editor;
    await step(editor, '11-distrust', () => answerTrust(page, "No, I don't trust the authors"));
    await step(editor, '12-restricted-squiggle', async () => {
      await page.locator('.monaco-editor .squiggly-error').first().waitFor();
    });
    await step(editor, '13-restricted-palette', async () => {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.fill('>Migration Guard: ');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Run Production Checklist' }).first().waitFor();
      const offered = await page.locator('.quick-input-list').innerText();
      assert.doesNotMatch(offered, /Trace Locks/);
      assert.doesNotMatch(offered, /Configure Database Connection/);
      await page.keyboard.press('Escape');
    });
    await step(editor, '14-restricted-checklist', async () => {
      await runCommand(page, 'Migration Guard: Run Production Checklist');
      const text = await webview(page, '#summary');
      assert.match(text, /Restricted mode: database features are off/);
      assert.doesNotMatch(text, /Trace locks on PGlite/);
    });
  });
});

describe('the extension-host suite (npm run test:electron) in code-server', { skip, timeout: 300_000 }, () => {
  let editor: Editor;
  const folder = path.join(tmp, 'extension-host');
  before(async () => {
    fs.mkdirSync(folder, { recursive: true });
    // The extension under development, from this checkout (package.json, dist/): no .vsix.
    editor = await startEditor(folder, undefined, 'off');
  });
  after(() => editor?.stop());

  it('passes: diagnostics, hover, quick fix and checklist through the VS Code API', async () => {
    const { page, port } = editor;
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    // The workbench reports the suite's end through window.codeAutomationExit when its smoke-test
    // driver is on: a development option, set in the page's configuration before the workbench reads it.
    const exited = new Promise<number>((resolve) => void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code)));
    await page.addInitScript(() => {
      const doc = (globalThis as unknown as { document: { getElementById(id: string): { dataset: Record<string, string>; getAttribute(n: string): string | null; setAttribute(n: string, v: string): void } | null } }).document;
      new (globalThis as unknown as { MutationObserver: new (f: () => void) => { observe(t: unknown, o: unknown): void } }).MutationObserver(() => {
        const meta = doc.getElementById('vscode-workbench-web-configuration');
        if (!meta || meta.dataset.smokeTest) return;
        const config = JSON.parse(meta.getAttribute('data-settings') ?? '{}');
        config.developmentOptions = { ...config.developmentOptions, enableSmokeTestDriver: true };
        meta.setAttribute('data-settings', JSON.stringify(config));
        meta.dataset.smokeTest = '1';
      }).observe(doc, { childList: true, subtree: true });
    });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [
      ['extensionDevelopmentPath', remote(path.join(__dirname, '..', '..'))],
      ['extensionTestsPath', remote(path.join(__dirname, 'vscode', 'suite.js'))],
    ];
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve('no exit within 150 s'), 150_000))]);
    await shot(page, '21-extension-host-suite');
    assert.equal(code, 0, `the suite failed:\n${errors.filter((e) => !/ENOTFOUND|ERR_NAME_NOT_RESOLVED|Failed to load resource/.test(e)).join('\n')}\n${editor.logs()}`);
  });
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));
