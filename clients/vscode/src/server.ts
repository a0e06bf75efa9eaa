/**
 * Starts, stops and restarts the slimstage language server with vscode-languageclient.
 * By default it runs the slimstage bundled in the extension (`bundled/tool/run_server.py`)
 * with any Python 3.10 or newer, so nothing has to be installed; with
 * `slimstage.importStrategy` = `fromEnvironment` an interpreter's own slimstage wins.
 * Restarts are serialised: a restart asked for while one runs waits for it instead of
 * racing it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
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
import { checkServer, findPythonOnPath, installCommand, Interpreter, resolveInterpreter, ServerCheck } from './interpreter';
import { ClaudeSdk } from './sdk';
import { apiKeyEnvName, folderOf, SECTION, SettingKeys } from './settings';

/** How the running server was started: what the conversion command needs to know. */
interface Launch {
    interpreter: Interpreter;
    python: string;
    origin: 'bundled' | 'environment';
    anthropic: boolean;
    pip: boolean;
}

export class SlimstageServer implements vscode.Disposable {
    private client: LanguageClient | undefined;
    private launch: Launch | undefined;
    private queue: Promise<void> = Promise.resolve();

    constructor(
        private readonly output: vscode.LogOutputChannel,
        private readonly apiKeys: ApiKeyStore,
        private readonly settings: SettingKeys,
        private readonly extensionPath: string,
        private readonly sdk: ClaudeSdk,
    ) {}

    /** bundled/tool/run_server.py, when the .vsix carries the bundled server. */
    private bundledServer(): { script: string; version: string } | undefined {
        const libs = path.join(this.extensionPath, 'bundled', 'libs');
        const script = path.join(this.extensionPath, 'bundled', 'tool', 'run_server.py');
        let info: string | undefined;
        try {
            info = fs.readdirSync(libs).find((name) => /^slimstage-.+\.dist-info$/.test(name));
        } catch {
            return undefined;
        }
        if (!info || !fs.existsSync(script)) {
            return undefined;
        }
        return { script, version: info.replace(/^slimstage-/, '').replace(/\.dist-info$/, '') };
    }

    /**
     * The running client, after making sure a conversion with Claude can run: when Claude
     * would be used (an API key, an engine other than offline) and the SDK is missing, the
     * user is asked to install it (then the server restarts with it) or to convert offline.
     * `null`: the user cancelled.
     */
    async readyForConversion(): Promise<LanguageClient | undefined | null> {
        const launch = this.launch;
        if (!launch || !this.current || launch.anthropic) {
            return this.current;
        }
        const folder = vscode.workspace.workspaceFolders?.[0];
        const engine = vscode.workspace.getConfiguration(SECTION, folder).get<string>('engine', 'auto');
        const key = (await this.apiKeys.get()) ?? process.env[apiKeyEnvName(folder)];
        if (engine === 'offline' || !key) {
            return this.current;
        }
        const answer = await this.sdk.offerInstall(launch.interpreter, launch.python, launch.pip);
        if (answer === 'cancelled') {
            return null;
        }
        if (answer === 'installed') {
            await this.restart('Claude SDK installed');
        }
        return this.current;
    }

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
        let interpreter = await resolveInterpreter(folder);
        let check = await checkServer(interpreter);
        if (!check.ok && interpreter.source === 'PATH') {
            // "Any Python 3.10 or newer": try the versioned names before giving up.
            const found = await findPythonOnPath([]);
            if (found) {
                ({ interpreter, check } = found);
            }
        }
        this.output.info(`Starting server (${reason}) with ${interpreter.command.join(' ')} [from ${interpreter.source}]`);
        const launch = this.chooseLaunch(interpreter, check);
        if (!launch) {
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
        const env = serverEnvironment(storedKey, envName);
        const sdkFolder = this.sdk.folder(launch.python);
        if (fs.existsSync(path.join(sdkFolder, 'anthropic'))) {
            env.SLIMSTAGE_EXTRA_PATHS = sdkFolder;
            launch.anthropic = true;
            this.output.info(`Using the Claude SDK installed by slimstage in ${sdkFolder}.`);
        }
        const bundled = this.bundledServer();
        const args =
            launch.origin === 'bundled' && bundled
                ? [...leading, bundled.script, 'serve']
                : [...leading, '-m', 'slimstage', 'serve'];
        const serverOptions: ServerOptions = {
            command,
            args,
            transport: TransportKind.stdio,
            options: {
                cwd: folder?.uri.fsPath ?? os.homedir(),
                env,
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
        this.launch = launch;
        this.output.info('Server running.');
    }

    private async stopNow(): Promise<void> {
        const client = this.client;
        this.client = undefined;
        this.launch = undefined;
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

    /**
     * Which slimstage runs: the bundled one (the default, `importStrategy` = `useBundled`), or
     * the interpreter's own when `fromEnvironment` is set and it has one. Undefined (with a
     * message) when no usable Python was found, or nothing can run.
     */
    private chooseLaunch(interpreter: Interpreter, check: ServerCheck): Launch | undefined {
        const python = interpreter.command.join(' ');
        if (!check.ok) {
            const message =
                check.reason === 'too-old'
                    ? `slimstage needs Python 3.10 or newer; "${python}" is ${check.detail}.`
                    : `slimstage: cannot run Python "${python}" (from ${interpreter.source}): ${check.detail}`;
            this.output.error(message);
            void this.offerHelp(message);
            return undefined;
        }
        const strategy = vscode.workspace.getConfiguration(SECTION).get<string>('importStrategy', 'useBundled');
        const bundled = this.bundledServer();
        const base = { interpreter, python: check.python, anthropic: check.anthropic, pip: check.pip };
        if (strategy === 'fromEnvironment' && check.installed) {
            this.output.info(`Running the slimstage installed for Python ${check.python} (importStrategy: fromEnvironment).`);
            return { ...base, origin: 'environment' };
        }
        if (bundled) {
            const why =
                strategy === 'fromEnvironment'
                    ? ` (importStrategy is fromEnvironment, but Python ${check.python} at "${python}" has no slimstage)`
                    : '';
            this.output.info(`Running the bundled slimstage ${bundled.version} with Python ${check.python}${why}.`);
            return { ...base, origin: 'bundled' };
        }
        if (check.installed) {
            this.output.info(`Python ${check.python} has slimstage (this build of the extension bundles none).`);
            return { ...base, origin: 'environment' };
        }
        const message =
            `slimstage is not installed for Python ${check.python} at "${python}" (from ${interpreter.source}), ` +
            `and this build of the extension bundles none. Install it with: ${installCommand(interpreter)}`;
        this.output.error(message);
        void this.offerHelp(message, interpreter);
        return undefined;
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
