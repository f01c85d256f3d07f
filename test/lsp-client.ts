/**
 * A language-server client for the tests: vscode-languageserver-protocol (the protocol layer that
 * vscode-languageclient itself runs on) talking JSON-RPC over stdio to a server process. It
 * answers workspace/configuration with `settings`, records dynamic registrations and every
 * diagnostics notification, and waits on events, never sleeps. The server publishes diagnostics
 * only when they change; its status notification says which version it analysed.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { STATUS, StatusParams } from '../server/src/protocol';
import {
  ConfigurationRequest,
  createProtocolConnection,
  Diagnostic,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  ProtocolConnection,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';

const root = path.join(__dirname, '..', '..');

/** The built language server, run as the editor runs it. */
export const SERVER = path.join(root, 'dist', 'server.js');

export class LspClient {
  readonly connection: ProtocolConnection;
  readonly process: ChildProcess;
  /** Settings the client answers workspace/configuration with. */
  settings: Record<string, unknown> = {};
  private waiters: { uri: string; version?: number; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  private latest = new Map<string, PublishDiagnosticsParams>();
  private analysedWaiters: { uri: string; version: number; resolve: () => void }[] = [];
  /** Every diagnostics notification, in order. */
  readonly published: PublishDiagnosticsParams[] = [];
  /** Methods the server registered for dynamically (client/registerCapability). */
  registrations: { method: string; registerOptions?: unknown }[] = [];

  /** `folder`: the workspace folder the client opens (the server reads no files from it unless the tests put them there). */
  constructor(
    command: string,
    args: string[],
    private readonly folder: string,
  ) {
    this.process = spawn(command, args, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    this.connection = createProtocolConnection(new StreamMessageReader(this.process.stdout!), new StreamMessageWriter(this.process.stdin!));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.latest.set(params.uri, params);
      this.published.push(params);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== params.uri || (w.version !== undefined && params.version !== w.version)) return true;
        w.resolve(params);
        return false;
      });
    });
    this.connection.onNotification(STATUS, (params: StatusParams) => {
      this.analysedWaiters = this.analysedWaiters.filter((w) => {
        if (w.uri !== params.uri || w.version !== params.version) return true;
        w.resolve();
        return false;
      });
    });
    this.connection.onRequest(ConfigurationRequest.type, (params) => params.items.map(() => this.settings));
    this.connection.onRequest(RegistrationRequest.type, (params) => {
      this.registrations.push(...params.registrations);
    });
    this.connection.listen();
  }

  async initialize(workspaceEdit?: { documentChanges: boolean; resourceOperations: ('create' | 'rename' | 'delete')[] }): Promise<void> {
    const result = await this.connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(this.folder).toString(),
      workspaceFolders: [{ uri: pathToFileURL(this.folder).toString(), name: 'workspace' }],
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, ...(workspaceEdit ? { workspaceEdit } : {}) },
        textDocument: { hover: { contentFormat: ['markdown'] } },
      },
    });
    assert.equal(result.capabilities.hoverProvider, true);
    await this.connection.sendNotification(InitializedNotification.type, {});
  }

  /** The next diagnostics published for `uri` (at `version`, when given). */
  diagnostics(uri: string, version?: number): Promise<PublishDiagnosticsParams> {
    return new Promise((resolve) => this.waiters.push({ uri, version, resolve }));
  }

  /**
   * Once the server has analysed `version` of `uri`: the diagnostics in force for it (the last
   * published; the server does not publish the same ones again).
   */
  analysed(uri: string, version: number): Promise<Diagnostic[]> {
    const current = () => this.latest.get(uri)?.diagnostics ?? [];
    return new Promise((resolve) => this.analysedWaiters.push({ uri, version, resolve: () => resolve(current()) }));
  }

  async open(uri: string, text: string, version = 1, languageId = 'sql'): Promise<Diagnostic[]> {
    const analysed = this.analysed(uri, version);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version, text } });
    return analysed;
  }

  async stop(): Promise<void> {
    await this.connection.sendRequest(ShutdownRequest.type);
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    await this.connection.sendNotification(ExitNotification.type);
    await exited;
    this.connection.dispose();
  }
}
