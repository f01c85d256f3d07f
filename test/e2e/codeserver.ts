/**
 * A fresh code-server (VS Code's workbench and extension host, served to a browser) with the
 * built .vsix installed, and Debian's Chromium driven by playwright-core: the real editor, offline.
 * test/e2e/install-code-server.sh puts code-server in .e2e/code-server (.ci/run runs it).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../pg/servers';

export const root = path.join(__dirname, '..', '..', '..');
export const CODE_SERVER = path.join(root, '.e2e', 'code-server', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = '/usr/bin/chromium';
export const OUTPUT = path.join(root, 'test-output', 'e2e');

export function missing(): string | undefined {
  if (!fs.existsSync(CODE_SERVER)) return 'code-server not installed (test/e2e/install-code-server.sh)';
  if (!fs.existsSync(CHROMIUM)) return 'no Chromium (apt-get install -y chromium)';
  return undefined;
}

/** Packs the extension as users get it: `vsce package`, then `code-server --install-extension`. */
export function packageExtension(dir: string): string {
  const vsix = path.join(dir, 'migration-guard.vsix');
  if (fs.existsSync(vsix)) return vsix; // one package for the suites of a run
  execFileSync(process.execPath, [path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', '--allow-missing-repository', '--out', vsix], { cwd: root, stdio: 'pipe' });
  return vsix;
}

export interface Editor {
  url(file: string): string;
  port: number;
  browser: Browser;
  page: Page;
  /** code-server's output and the extension host's logs: attached to a failure. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts code-server on a loopback port with a new user-data dir (workspace trust on, its
 * question asked at startup) and the .vsix installed into a new extensions dir.
 */
export async function startEditor(workspace: string, vsix: string | undefined, trust: 'ask' | 'off' = 'ask'): Promise<Editor> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-e2e-'));
  const userData = path.join(dir, 'user-data');
  const extensions = path.join(dir, 'extensions');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({ 'security.workspace.trust.enabled': trust === 'ask', 'security.workspace.trust.startupPrompt': 'always', 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false }),
  );
  if (vsix) execFileSync(CODE_SERVER, ['--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix], { stdio: 'pipe' });
  const port = await freePort();
  let output = '';
  const server: ChildProcess = spawn(
    CODE_SERVER,
    ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userData, '--extensions-dir', extensions, '--disable-telemetry', '--disable-update-check', workspace],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const listening = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/HTTP server listening/.test(output)) resolve();
    };
    server.stdout!.on('data', onData);
    server.stderr!.on('data', onData);
    server.once('exit', (code) => reject(new Error(`code-server exited (${code}) before listening:\n${output}`)));
  });
  const timeout = setTimeout(() => server.kill('SIGKILL'), 60_000);
  await listening;
  clearTimeout(timeout);
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(60_000);
  const logs = () => {
    const parts = [`--- code-server output ---\n${output.slice(-4000)}`];
    const walk = (d: string): string[] => (fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)])) : []);
    for (const f of walk(path.join(userData, 'logs')).filter((f) => /exthost|Migration Guard|remoteagent/i.test(f))) {
      parts.push(`--- ${path.relative(userData, f)} ---\n${fs.readFileSync(f, 'utf8').slice(-4000)}`);
    }
    return parts.join('\n');
  };
  return {
    url: (file) => `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify([['openFile', `vscode-remote://127.0.0.1:${port}${file}`]]))}`,
    port,
    browser,
    page,
    logs,
    async stop() {
      await browser.close().catch(() => undefined);
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      const force = setTimeout(() => server.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(force);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
