/**
 * The server's settings as VS Code holds them. Only values someone set (user, workspace
 * or folder settings) are sent, as one nested camelCase object: an unset setting must
 * not hide what the project's `.slimstage.toml` or `[tool.slimstage]` says.
 */
import * as vscode from 'vscode';

export const SECTION = 'slimstage';

/** Settings the client reads itself; the server would call them unknown. */
export const CLIENT_ONLY_KEYS = ['interpreter', 'importStrategy'];

/** Settings the client uses to start the server: a change means a restart. */
const RESTART_KEYS = ['interpreter', 'importStrategy', 'claude.apiKeyEnv'];

export type ServerSettings = Record<string, unknown>;

interface Manifest {
    contributes?: { configuration?: { properties?: Record<string, unknown> } };
    capabilities?: { untrustedWorkspaces?: { restrictedConfigurations?: string[] } };
}

/** What package.json says about the settings: the one list of keys on this side. */
export class SettingKeys {
    /** Dotted keys below `slimstage.` that the server reads, e.g. `claude.baseUrl`. */
    readonly server: string[];
    private readonly restricted: Set<string>;

    constructor(manifest: Manifest) {
        const ids = Object.keys(manifest.contributes?.configuration?.properties ?? {});
        this.server = ids
            .filter((id) => id.startsWith(`${SECTION}.`))
            .map((id) => id.slice(SECTION.length + 1))
            .filter((key) => !CLIENT_ONLY_KEYS.includes(key));
        this.restricted = new Set(manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? []);
    }

    /** The explicitly set server settings for `folder`. */
    values(folder: vscode.WorkspaceFolder | undefined): ServerSettings {
        const configuration = vscode.workspace.getConfiguration(SECTION, folder);
        const out: ServerSettings = {};
        for (const key of this.server) {
            const inspected = configuration.inspect(key);
            // Untrusted workspaces must not choose where the key goes: only user values count.
            const workspaceCounts = vscode.workspace.isTrusted || !this.restricted.has(`${SECTION}.${key}`);
            const value = workspaceCounts
                ? inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue
                : inspected?.globalValue;
            if (value !== undefined) {
                setPath(out, key.split('.'), value);
            }
        }
        return out;
    }
}

function setPath(target: ServerSettings, parts: string[], value: unknown): void {
    let node = target;
    for (const part of parts.slice(0, -1)) {
        const next = node[part];
        node = (next && typeof next === 'object' ? next : (node[part] = {})) as ServerSettings;
    }
    node[parts[parts.length - 1]] = JSON.parse(JSON.stringify(value));
}

/** The environment variable the server reads the Claude API key from. */
export function apiKeyEnvName(folder: vscode.WorkspaceFolder | undefined): string {
    const name = vscode.workspace.getConfiguration(SECTION, folder).get<string>('claude.apiKeyEnv', '');
    return name.trim() || 'ANTHROPIC_API_KEY';
}

/**
 * The interpreter and the API key's variable decide how the server is started, so they
 * restart it; the server re-reads every other setting on `didChangeConfiguration`.
 */
export function needsRestart(event: vscode.ConfigurationChangeEvent): boolean {
    return RESTART_KEYS.some((key) => event.affectsConfiguration(`${SECTION}.${key}`));
}

/** The workspace folder a `workspace/configuration` item's scope URI belongs to. */
export function folderOf(scopeUri: string | undefined): vscode.WorkspaceFolder | undefined {
    if (!scopeUri) {
        return vscode.workspace.workspaceFolders?.[0];
    }
    return vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(scopeUri)) ?? vscode.workspace.workspaceFolders?.[0];
}
