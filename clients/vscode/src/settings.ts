/**
 * The server's settings as VS Code holds them: every `slimstage.*` setting except the
 * client-only ones, as one nested camelCase object (the server accepts camelCase keys).
 */
import * as vscode from 'vscode';

export const SECTION = 'slimstage';

/** Settings the client reads itself; the server would call them unknown. */
export const CLIENT_ONLY_KEYS = ['interpreter'];

export type ServerSettings = Record<string, unknown>;

/** Drop client-only keys from what `workspace.getConfiguration('slimstage')` holds. */
export function toServerSettings(configuration: unknown): ServerSettings {
    if (configuration === null || typeof configuration !== 'object') {
        return {};
    }
    // A JSON round trip turns the WorkspaceConfiguration proxy into plain data.
    const plain = JSON.parse(JSON.stringify(configuration)) as ServerSettings;
    for (const key of CLIENT_ONLY_KEYS) {
        delete plain[key];
    }
    return plain;
}

export function serverSettings(folder: vscode.WorkspaceFolder | undefined): ServerSettings {
    return toServerSettings(vscode.workspace.getConfiguration(SECTION, folder));
}

/** The environment variable the server reads the Claude API key from. */
export function apiKeyEnvName(folder: vscode.WorkspaceFolder | undefined): string {
    const name = vscode.workspace.getConfiguration(SECTION, folder).get<string>('claude.apiKeyEnv', '');
    return name.trim() || 'ANTHROPIC_API_KEY';
}

/** Every `slimstage.*` setting is read by the server at start, so any change restarts it. */
export function needsRestart(event: vscode.ConfigurationChangeEvent): boolean {
    return event.affectsConfiguration(SECTION);
}
