/**
 * The Anthropic API key: kept in VS Code's SecretStorage (never in settings.json) and
 * handed to the server through its environment, which is where the server reads it.
 */
import * as vscode from 'vscode';

const SECRET_ID = 'slimstage.anthropicApiKey';

export class ApiKeyStore {
    private readonly changed = new vscode.EventEmitter<void>();
    /** Fires after the stored key was set or cleared. */
    readonly onDidChange = this.changed.event;

    constructor(private readonly secrets: vscode.SecretStorage) {
        secrets.onDidChange((event) => {
            if (event.key === SECRET_ID) {
                this.changed.fire();
            }
        });
    }

    async get(): Promise<string | undefined> {
        try {
            return (await this.secrets.get(SECRET_ID)) || undefined;
        } catch {
            // A keyring that cannot be opened is the same as no stored key.
            return undefined;
        }
    }

    /** Asks for the key and stores it; true when one was stored. */
    async promptAndStore(): Promise<boolean> {
        const key = await vscode.window.showInputBox({
            title: 'slimstage: Anthropic API key',
            prompt: 'Stored in VS Code\'s secret storage and given to the slimstage server only. Leave empty to cancel.',
            placeHolder: 'sk-ant-...',
            password: true,
            ignoreFocusOut: true,
        });
        if (!key?.trim()) {
            return false;
        }
        await this.secrets.store(SECRET_ID, key.trim());
        return true;
    }

    async clear(): Promise<void> {
        await this.secrets.delete(SECRET_ID);
    }

    dispose(): void {
        this.changed.dispose();
    }
}

/**
 * The server's environment: the extension host's, plus the stored key under `envName`.
 * A key stored with "Set Anthropic API Key" wins over one inherited from the
 * environment, since storing it is the more deliberate choice.
 */
export function serverEnvironment(storedKey: string | undefined, envName: string): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
    if (storedKey) {
        env[envName] = storedKey;
    }
    return env;
}
