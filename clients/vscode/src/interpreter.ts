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

/** What a Python can do for slimstage. */
export type ServerCheck =
    | {
          ok: true;
          python: string;
          /** slimstage is installed in this Python itself. */
          installed: boolean;
          /** `anthropic` imports, from this Python or from the extra folders given to the probe. */
          anthropic: boolean;
          /** pip is there, so the Claude SDK can be installed on first use. */
          pip: boolean;
      }
    | { ok: false; reason: 'not-found' | 'too-old'; detail: string };

const PROBE = [
    'import importlib.util, json, sys',
    'sys.path[:0] = sys.argv[1:]',
    'def has(name):',
    '    try:',
    '        return importlib.util.find_spec(name) is not None',
    '    except (ImportError, ValueError):',
    '        return False',
    'print(json.dumps({"python": sys.version.split()[0], "ok": sys.version_info >= (3, 10),',
    '                  "found": has("slimstage"), "anthropic": has("anthropic"), "pip": has("pip")}))',
].join('\n');

/**
 * What `interpreter` has, without importing slimstage (that is slow). `extraPaths` are put
 * first on its path for the `anthropic` look-up (the SDK installed on first use).
 */
export function checkServer(interpreter: Interpreter, extraPaths: string[] = []): Promise<ServerCheck> {
    const [command, ...args] = interpreter.command;
    return new Promise((resolve) => {
        execFile(command, [...args, '-c', PROBE, ...extraPaths], { timeout: 20_000 }, (error, stdout, stderr) => {
            if (error) {
                const detail = (stderr || error.message).trim();
                resolve({ ok: false, reason: 'not-found', detail });
                return;
            }
            try {
                const probe = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
                if (!probe.ok) {
                    resolve({ ok: false, reason: 'too-old', detail: `Python ${probe.python}` });
                } else {
                    resolve({
                        ok: true,
                        python: probe.python,
                        installed: Boolean(probe.found),
                        anthropic: Boolean(probe.anthropic),
                        pip: Boolean(probe.pip),
                    });
                }
            } catch {
                resolve({ ok: false, reason: 'not-found', detail: stdout.trim() || stderr.trim() });
            }
        });
    });
}

/**
 * Names tried on PATH, newest first after the usual one: "any Python 3.10 or newer found".
 * Used only when neither the setting nor the Python extension names an interpreter.
 */
export const PATH_CANDIDATES =
    process.platform === 'win32'
        ? [['python'], ['py', '-3']]
        : [['python3'], ['python3.14'], ['python3.13'], ['python3.12'], ['python3.11'], ['python3.10'], ['python']];

/** The first PATH candidate that is Python 3.10 or newer, with what it has. */
export async function findPythonOnPath(
    extraPaths: string[],
): Promise<{ interpreter: Interpreter; check: ServerCheck } | undefined> {
    for (const command of PATH_CANDIDATES) {
        const interpreter: Interpreter = { command, source: 'PATH' };
        const check = await checkServer(interpreter, extraPaths);
        if (check.ok) {
            return { interpreter, check };
        }
    }
    return undefined;
}

/** The shell command that installs slimstage into `interpreter`. */
export function installCommand(interpreter: Interpreter): string {
    const quoted = interpreter.command.map((part) => (/[\s"']/.test(part) ? JSON.stringify(part) : part));
    return `${quoted.join(' ')} -m pip install --upgrade slimstage`;
}
