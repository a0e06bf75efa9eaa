/**
 * The Claude SDK on first use. The bundled server carries only pure-Python packages; the
 * Anthropic SDK's dependencies (pydantic-core, jiter) are compiled for one platform and
 * Python, so the extension installs `anthropic` only when a conversion with Claude is asked
 * for, after asking, into its own storage (one folder per Python version), never into the
 * user's interpreter. The server finds it through SLIMSTAGE_EXTRA_PATHS.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Interpreter } from './interpreter';

/** What is installed: the SDK release range slimstage is tested with. */
export const SDK_REQUIREMENT = 'anthropic>=0.40';

export class ClaudeSdk {
    constructor(
        private readonly storage: vscode.Uri,
        private readonly output: vscode.LogOutputChannel,
    ) {}

    /** The folder the SDK goes into for Python `version` ("3.11.7" -> .../python3.11/libs). */
    folder(version: string): string {
        const [major, minor] = version.split('.');
        return path.join(this.storage.fsPath, `python${major}.${minor}`, 'libs');
    }

    /**
     * Asks before installing; true when the SDK was installed. `pip` says whether the
     * interpreter has pip at all (without it, the user gets the command to run instead).
     */
    async offerInstall(interpreter: Interpreter, version: string, pip: boolean): Promise<'installed' | 'offline' | 'cancelled'> {
        const python = interpreter.command.join(' ');
        if (!pip) {
            const command = `${python} -m pip install "${SDK_REQUIREMENT}"`;
            const choice = await vscode.window.showWarningMessage(
                `slimstage: converting with Claude needs the Anthropic SDK, and Python ${version} at "${python}" has no pip to install it. ` +
                    `Install pip (or the SDK: ${command}), or choose another interpreter.`,
                'Convert Offline',
                'Choose Interpreter',
            );
            if (choice === 'Choose Interpreter') {
                await vscode.commands.executeCommand('workbench.action.openSettings', 'slimstage.interpreter');
                return 'cancelled';
            }
            return choice === 'Convert Offline' ? 'offline' : 'cancelled';
        }
        const choice = await vscode.window.showInformationMessage(
            `slimstage: converting with Claude needs the Anthropic SDK (the anthropic package and its compiled ` +
                `dependencies for Python ${version}, about 15 MB). Install it into slimstage's own storage now? ` +
                `Nothing is installed into "${python}".`,
            'Install Claude SDK',
            'Convert Offline',
        );
        if (choice === 'Convert Offline') {
            return 'offline';
        }
        if (choice !== 'Install Claude SDK') {
            return 'cancelled';
        }
        return (await this.install(interpreter, version)) ? 'installed' : 'cancelled';
    }

    /** `pip install --target` with a cancellable progress notification; pip's output goes to the log. */
    install(interpreter: Interpreter, version: string): Promise<boolean> {
        const target = this.folder(version);
        const [command, ...leading] = interpreter.command;
        const args = [
            ...leading, '-m', 'pip', 'install', '--disable-pip-version-check', '--no-input',
            '--upgrade', '--target', target, SDK_REQUIREMENT,
        ];
        this.output.info(`Installing the Claude SDK: ${command} ${args.join(' ')}`);
        return Promise.resolve(
            vscode.window.withProgress(
                { location: vscode.ProgressLocation.Notification, title: 'slimstage: installing the Claude SDK', cancellable: true },
                (progress, cancellation) =>
                    new Promise<boolean>((resolve) => {
                        const child = spawn(command, args, { env: { ...process.env, PIP_NO_WARN_SCRIPT_LOCATION: '1' } });
                        const onLine = (chunk: Buffer) => {
                            for (const line of chunk.toString('utf8').split(/\r?\n/)) {
                                if (line.trim()) {
                                    this.output.info(`pip: ${line}`);
                                    const collecting = /^(Collecting|Downloading|Installing collected packages)\s*:?\s*(.*)$/.exec(line.trim());
                                    if (collecting) {
                                        progress.report({ message: `${collecting[1]} ${collecting[2]}`.slice(0, 80) });
                                    }
                                }
                            }
                        };
                        child.stdout.on('data', onLine);
                        child.stderr.on('data', onLine);
                        cancellation.onCancellationRequested(() => child.kill());
                        child.on('error', (error) => {
                            this.output.error(`The Claude SDK install did not start: ${String(error)}`);
                            resolve(false);
                        });
                        child.on('close', (code) => {
                            if (code === 0) {
                                this.output.info(`Claude SDK installed in ${target}.`);
                                resolve(true);
                                return;
                            }
                            const why = cancellation.isCancellationRequested ? 'cancelled' : `pip exited with ${code}`;
                            this.output.error(`The Claude SDK was not installed (${why}).`);
                            if (!cancellation.isCancellationRequested) {
                                void vscode.window.showErrorMessage(
                                    `slimstage: the Claude SDK was not installed (${why}); see the output for pip's messages.`,
                                );
                            }
                            resolve(false);
                        });
                    }),
            ),
        );
    }
}
