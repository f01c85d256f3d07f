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
import { Editor, missing, OUTPUT, packageExtension, startEditor } from './e2e/codeserver';

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
