/**
 * `npm run test:electron`: the extension-host suite (suite.ts) in a desktop VS Code downloaded by
 * @vscode/test-electron. For machines that can download VS Code; CI is offline and runs the same
 * suite in code-server instead (test/e2e.test.ts).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

async function main(): Promise<void> {
  // Loaded here, not installed by `npm ci`: it is only needed where VS Code can be downloaded.
  const { runTests } = (await import('@vscode/test-electron' as string)) as { runTests(o: Record<string, unknown>): Promise<number> };
  const root = path.join(__dirname, '..', '..', '..');
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'migration-guard-electron-'));
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(__dirname, 'suite.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
