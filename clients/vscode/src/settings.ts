/**
 * The server's settings as VS Code holds them. Only values someone set (user, workspace
 * or folder settings) are sent, as one nested camelCase object: an unset setting must
 * not hide what the project's `.slimstage.toml` or `[tool.slimstage]` says.
 *
 * Settings whose scope is `machine` or `application` in package.json (where the API key is
 * sent, which variable holds it) are taken from the user's settings only: a workspace's
 * `.vscode/settings.json` is a file in the project, and a cloned project must not choose
 * where the user's key goes. This holds in trusted workspaces too.
 */
import * as vscode from 'vscode';

export const SECTION = 'slimstage';

/** Settings the client reads itself; the server would call them unknown. */
export const CLIENT_ONLY_KEYS = ['interpreter', 'importStrategy'];

/** Settings the client uses to start the server: a change means a restart. */
const RESTART_KEYS = ['interpreter', 'importStrategy', 'claude.apiKeyEnv'];

export type ServerSettings = Record<string, unknown>;

/** package.json scopes whose settings only the user sets (never a workspace). */
const USER_ONLY_SCOPES = ['machine', 'application'];

interface Manifest {
    contributes?: { configuration?: { properties?: Record<string, { scope?: string } | unknown> } };
    capabilities?: { untrustedWorkspaces?: { restrictedConfigurations?: string[] } };
}

/** What package.json says about the settings: the one list of keys on this side. */
export class SettingKeys {
    /** Dotted keys below `slimstage.` that the server reads, e.g. `claude.baseUrl`. */
    readonly server: string[];
    /** Dotted keys only the user may set (scope `machine` or `application`). */
    readonly userOnly: Set<string>;
    private readonly restricted: Set<string>;

    constructor(manifest: Manifest) {
        const properties = manifest.contributes?.configuration?.properties ?? {};
        const ids = Object.keys(properties);
        this.userOnly = new Set(
            ids
                .filter((id) => USER_ONLY_SCOPES.includes(String((properties[id] as { scope?: string })?.scope ?? '')))
                .map((id) => id.slice(SECTION.length + 1)),
        );
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
            // No workspace chooses where the key goes (user-only keys), and an untrusted one
            // chooses none of the restricted settings: only user values count for those.
            const workspaceCounts =
                !this.userOnly.has(key) && (vscode.workspace.isTrusted || !this.restricted.has(`${SECTION}.${key}`));
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
    // The user's own value only: a workspace must not pick the variable the stored key goes in.
    const name = vscode.workspace.getConfiguration(SECTION, folder).inspect<string>('claude.apiKeyEnv')?.globalValue ?? '';
    return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name.trim()) ? name.trim() : 'ANTHROPIC_API_KEY';
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
