/**
 * Which Python runs the server, following the Python-tool extension convention:
 * the `slimstage.interpreter` setting, else the Python extension's active environment
 * for the resource, else `python3` on PATH.
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';

export type InterpreterSource = 'setting' | 'python extension' | 'PATH';

export interface Interpreter {
    /** The command and its leading arguments, e.g. `["/venv/bin/python"]` or `["py", "-3"]`. */
    command: string[];
    source: InterpreterSource;
}

/** The part of the Python extension's API (ms-python.python) that slimstage uses. */
interface PythonEnvironmentsApi {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(environment: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
}

const PYTHON_EXTENSION_ID = 'ms-python.python';

async function pythonExtensionApi(): Promise<PythonEnvironmentsApi | undefined> {
    const extension = vscode.extensions.getExtension(PYTHON_EXTENSION_ID);
    if (!extension) {
        return undefined;
    }
    try {
        const api = extension.isActive ? extension.exports : await extension.activate();
        return api?.environments as PythonEnvironmentsApi | undefined;
    } catch {
        return undefined;
    }
}

function expand(value: string, folder: vscode.WorkspaceFolder | undefined): string {
    const home = process.env.HOME ?? process.env.USERPROFILE ?? '';
    return value
        .replace(/\$\{workspaceFolder\}/g, folder?.uri.fsPath ?? '')
        .replace(/\$\{userHome\}/g, home)
        .replace(/^~(?=$|[\\/])/, home);
}

export async function resolveInterpreter(folder: vscode.WorkspaceFolder | undefined): Promise<Interpreter> {
    const configured = vscode.workspace
        .getConfiguration('slimstage', folder)
        .get<string[]>('interpreter', [])
        .filter((part) => typeof part === 'string' && part.trim() !== '');
    if (configured.length > 0) {
        return { command: configured.map((part) => expand(part, folder)), source: 'setting' };
    }
    const python = await pythonExtensionApi();
    if (python) {
        try {
            const active = python.getActiveEnvironmentPath(folder?.uri);
            const resolved = await python.resolveEnvironment(active);
            const executable = resolved?.executable.uri?.fsPath;
            if (executable) {
                return { command: [executable], source: 'python extension' };
            }
        } catch {
            // An environment the extension cannot resolve: fall back to PATH.
        }
    }
    return { command: [process.platform === 'win32' ? 'python' : 'python3'], source: 'PATH' };
}

/** Calls `listener` when the Python extension's active environment changes. */
export async function onPythonEnvironmentChange(listener: () => void): Promise<vscode.Disposable | undefined> {
    const python = await pythonExtensionApi();
    return python?.onDidChangeActiveEnvironmentPath(() => listener());
}

export type ServerCheck =
    | { ok: true; python: string }
    | { ok: false; reason: 'not-found' | 'too-old' | 'not-installed'; detail: string };

const PROBE = [
    'import importlib.util, json, sys',
    'spec = importlib.util.find_spec("slimstage")',
    'print(json.dumps({"python": sys.version.split()[0], "ok": sys.version_info >= (3, 10),',
    '                  "found": spec is not None}))',
].join('\n');

/** Whether `interpreter` can run the server, without importing it (that is slow). */
export function checkServer(interpreter: Interpreter): Promise<ServerCheck> {
    const [command, ...args] = interpreter.command;
    return new Promise((resolve) => {
        execFile(command, [...args, '-c', PROBE], { timeout: 20_000 }, (error, stdout, stderr) => {
            if (error) {
                const detail = (stderr || error.message).trim();
                resolve({ ok: false, reason: 'not-found', detail });
                return;
            }
            try {
                const probe = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
                if (!probe.ok) {
                    resolve({ ok: false, reason: 'too-old', detail: `Python ${probe.python}` });
                } else if (!probe.found) {
                    resolve({ ok: false, reason: 'not-installed', detail: `Python ${probe.python}` });
                } else {
                    resolve({ ok: true, python: probe.python });
                }
            } catch {
                resolve({ ok: false, reason: 'not-found', detail: stdout.trim() || stderr.trim() });
            }
        });
    });
}

/** The shell command that installs slimstage into `interpreter`. */
export function installCommand(interpreter: Interpreter): string {
    const quoted = interpreter.command.map((part) => (/[\s"']/.test(part) ? JSON.stringify(part) : part));
    return `${quoted.join(' ')} -m pip install --upgrade slimstage`;
}
