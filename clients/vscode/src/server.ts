/**
 * Starts, stops and restarts the slimstage language server (`python -m slimstage serve`)
 * with vscode-languageclient. Restarts are serialised: a restart asked for while one
 * runs waits for it instead of racing it.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
    LanguageClient,
    LanguageClientOptions,
    RevealOutputChannelOn,
    ServerOptions,
    State,
    TransportKind,
} from 'vscode-languageclient/node';
import { ApiKeyStore, serverEnvironment } from './apiKey';
import { convertMiddleware } from './convert';
import { DOCUMENT_SELECTOR } from './selector';
import { checkServer, installCommand, Interpreter, resolveInterpreter } from './interpreter';
import { apiKeyEnvName, folderOf, SECTION, SettingKeys } from './settings';

export class SlimstageServer implements vscode.Disposable {
    private client: LanguageClient | undefined;
    private queue: Promise<void> = Promise.resolve();

    constructor(
        private readonly output: vscode.LogOutputChannel,
        private readonly apiKeys: ApiKeyStore,
        private readonly settings: SettingKeys,
    ) {}

    get current(): LanguageClient | undefined {
        return this.client?.state === State.Running ? this.client : undefined;
    }

    restart(reason: string): Promise<void> {
        return this.enqueue(async () => {
            await this.stopNow();
            await this.startNow(reason);
        });
    }

    stop(): Promise<void> {
        return this.enqueue(() => this.stopNow());
    }

    dispose(): void {
        void this.stop();
    }

    /** Runs `work` after what is queued; a failure is logged and does not block what follows. */
    private enqueue(work: () => Promise<void>): Promise<void> {
        this.queue = this.queue.then(work).catch((error) => this.output.error(`slimstage: ${String(error)}`));
        return this.queue;
    }

    private async startNow(reason: string): Promise<void> {
        const folder = vscode.workspace.workspaceFolders?.[0];
        const interpreter = await resolveInterpreter(folder);
        this.output.info(`Starting server (${reason}) with ${interpreter.command.join(' ')} [from ${interpreter.source}]`);
        if (!(await this.serverIsInstalled(interpreter))) {
            return;
        }
        const [command, ...leading] = interpreter.command;
        const storedKey = await this.apiKeys.get();
        const envName = apiKeyEnvName(folder);
        if (storedKey) {
            this.output.info(`Giving the server the API key stored by "Set Anthropic API Key" as ${envName}.`);
        } else if (process.env[envName]) {
            this.output.info(`The server reads the API key from ${envName} in the environment.`);
        } else {
            this.output.info(`No API key (${envName} unset): conversions use the offline planner.`);
        }
        const serverOptions: ServerOptions = {
            command,
            args: [...leading, '-m', 'slimstage', 'serve'],
            transport: TransportKind.stdio,
            options: {
                cwd: folder?.uri.fsPath ?? os.homedir(),
                env: serverEnvironment(storedKey, envName),
            },
        };
        const clientOptions: LanguageClientOptions = {
            documentSelector: DOCUMENT_SELECTOR,
            outputChannel: this.output,
            traceOutputChannel: this.output,
            revealOutputChannelOn: RevealOutputChannelOn.Never,
            initializationOptions: this.settings.values(folder),
            // Changes reach the server as didChangeConfiguration; it then pulls section `slimstage`.
            synchronize: { configurationSection: SECTION },
            middleware: {
                ...convertMiddleware,
                workspace: {
                    // Answer section `slimstage` with the explicitly set server settings only.
                    configuration: async (params, token, next) => {
                        const answers = await next(params, token);
                        if (!Array.isArray(answers)) {
                            return answers;
                        }
                        return params.items.map((item, index) =>
                            item.section === SECTION ? this.settings.values(folderOf(item.scopeUri)) : answers[index],
                        );
                    },
                },
            },
        };
        const client = new LanguageClient('slimstage', 'slimstage', serverOptions, clientOptions);
        try {
            await client.start();
        } catch (error) {
            this.output.error(`The server did not start: ${String(error)}`);
            void this.offerHelp(`slimstage: the server did not start (${String(error)}).`);
            return;
        }
        this.client = client;
        this.output.info('Server running.');
    }

    private async stopNow(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        if (!client) {
            return;
        }
        try {
            await client.stop(5_000);
        } catch (error) {
            this.output.warn(`Stopping the server: ${String(error)}`);
        }
        await client.dispose();
    }

    private async serverIsInstalled(interpreter: Interpreter): Promise<boolean> {
        const check = await checkServer(interpreter);
        if (check.ok) {
            this.output.info(`Python ${check.python} has slimstage.`);
            return true;
        }
        const python = interpreter.command.join(' ');
        let message: string;
        if (check.reason === 'not-found') {
            message = `slimstage: cannot run Python "${python}" (from ${interpreter.source}): ${check.detail}`;
        } else if (check.reason === 'too-old') {
            message = `slimstage needs Python 3.10 or newer; "${python}" is ${check.detail}.`;
        } else {
            message =
                `slimstage is not installed for ${check.detail} at "${python}" (from ${interpreter.source}). ` +
                `Install it with: ${installCommand(interpreter)}`;
        }
        this.output.error(message);
        void this.offerHelp(message, check.reason === 'not-installed' ? interpreter : undefined);
        return false;
    }

    private async offerHelp(message: string, installInto?: Interpreter): Promise<void> {
        const actions = installInto
            ? ['Install in Terminal', 'Copy Command', 'Choose Interpreter', 'Show Output']
            : ['Choose Interpreter', 'Show Output'];
        const choice = await vscode.window.showErrorMessage(message, ...actions);
        if (choice === 'Install in Terminal' && installInto) {
            const terminal = vscode.window.createTerminal('slimstage: install');
            terminal.show();
            terminal.sendText(installCommand(installInto));
            const after = await vscode.window.showInformationMessage(
                'slimstage: when pip has finished, restart the server.',
                'Restart Server',
            );
            if (after) {
                await vscode.commands.executeCommand('slimstage.restart');
            }
        } else if (choice === 'Copy Command' && installInto) {
            await vscode.env.clipboard.writeText(installCommand(installInto));
        } else if (choice === 'Choose Interpreter') {
            await vscode.commands.executeCommand('workbench.action.openSettings', 'slimstage.interpreter');
        } else if (choice === 'Show Output') {
            this.output.show();
        }
    }
}
