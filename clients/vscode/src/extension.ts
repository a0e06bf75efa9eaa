/**
 * The extension's entry point: wires the commands, the setting and environment
 * listeners and the server together. Everything it does is in the modules it imports.
 */
import * as vscode from 'vscode';
import { ApiKeyStore } from './apiKey';
import { convertActiveDockerfile } from './convert';
import { onPythonEnvironmentChange } from './interpreter';
import { ClaudeSdk } from './sdk';
import { SlimstageServer } from './server';
import { needsRestart, SettingKeys } from './settings';

let server: SlimstageServer | undefined;

const RESTART_DELAY_MS = 300;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    const output = vscode.window.createOutputChannel('slimstage', { log: true });
    const apiKeys = new ApiKeyStore(context.secrets);
    const sdk = new ClaudeSdk(context.globalStorageUri, output);
    server = new SlimstageServer(output, apiKeys, new SettingKeys(context.extension.packageJSON), context.extensionPath, sdk);
    const running = server;
    context.subscriptions.push(output, apiKeys, running);

    // Several setting changes arrive at once when settings.json is saved: restart once.
    let pending: NodeJS.Timeout | undefined;
    const restartSoon = (reason: string) => {
        clearTimeout(pending);
        pending = setTimeout(() => void running.restart(reason), RESTART_DELAY_MS);
    };
    context.subscriptions.push({ dispose: () => clearTimeout(pending) });

    context.subscriptions.push(
        vscode.commands.registerCommand('slimstage.restart', () => running.restart('Restart Server command')),
        vscode.commands.registerCommand('slimstage.showOutput', () => output.show()),
        vscode.commands.registerCommand('slimstage.convert', async (uri?: vscode.Uri) => {
            // Claude needs its SDK, installed on first use (with consent) for the bundled server.
            const client = await running.readyForConversion();
            if (client !== null) {
                await convertActiveDockerfile(client, output, uri instanceof vscode.Uri ? uri : undefined);
            }
        }),
        vscode.commands.registerCommand('slimstage.setApiKey', async () => {
            if (await apiKeys.promptAndStore()) {
                void vscode.window.showInformationMessage('slimstage: API key stored in secret storage.');
            }
        }),
        vscode.commands.registerCommand('slimstage.clearApiKey', async () => {
            await apiKeys.clear();
            void vscode.window.showInformationMessage('slimstage: stored API key removed.');
        }),
        apiKeys.onDidChange(() => restartSoon('API key changed')),
        vscode.workspace.onDidChangeConfiguration((event) => {
            if (needsRestart(event)) {
                restartSoon('settings changed');
            }
        }),
        vscode.workspace.onDidGrantWorkspaceTrust(() => restartSoon('workspace trusted')),
    );

    const pythonListener = await onPythonEnvironmentChange(() => {
        const configured = vscode.workspace.getConfiguration('slimstage').get<string[]>('interpreter', []);
        if (configured.length === 0) {
            restartSoon('Python environment changed');
        }
    });
    if (pythonListener) {
        context.subscriptions.push(pythonListener);
    }

    await running.restart('activation');
}

export async function deactivate(): Promise<void> {
    await server?.stop();
    server = undefined;
}
