/**
 * "Convert to Multi-Stage Build": asks the server (`slimstage.server.convert`) to rewrite
 * the active Dockerfile, showing the server's work-done progress as a notification.
 * The server applies the result itself (`workspace/applyEdit`) and says what it did
 * (`window/showMessage`); the client only starts the work and shows it running.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, Middleware, WorkDoneProgress } from 'vscode-languageclient/node';
import { DOCUMENT_SELECTOR } from './selector';

export const SERVER_CONVERT_COMMAND = 'slimstage.server.convert';

function isDockerfile(document: vscode.TextDocument): boolean {
    return vscode.languages.match(DOCUMENT_SELECTOR as vscode.DocumentSelector, document) > 0;
}

export async function convertActiveDockerfile(
    client: LanguageClient | undefined,
    output: vscode.LogOutputChannel,
    uri?: vscode.Uri,
): Promise<void> {
    const document = uri
        ? await vscode.workspace.openTextDocument(uri)
        : vscode.window.activeTextEditor?.document;
    if (!document || !isDockerfile(document)) {
        void vscode.window.showWarningMessage('slimstage: open a Dockerfile to convert it.');
        return;
    }
    if (!client) {
        void vscode.window.showErrorMessage('slimstage: the server is not running.', 'Show Output').then((choice) => {
            if (choice) {
                output.show();
            }
        });
        return;
    }
    const uriText = client.code2ProtocolConverter.asUri(document.uri);
    const token = `slimstage-convert-${randomUUID()}`;
    output.info(`Converting ${document.uri.fsPath} (version ${document.version}).`);
    await vscode.window.withProgress(
        {
            location: vscode.ProgressLocation.Notification,
            title: 'slimstage: converting to a multi-stage build',
            cancellable: true,
        },
        async (progress, cancellation) => {
            let reported = 0;
            const listener = client.onProgress(WorkDoneProgress.type, token, (value) => {
                if (value.kind === 'end') {
                    return;
                }
                const increment = value.percentage !== undefined ? Math.max(0, value.percentage - reported) : undefined;
                reported = value.percentage ?? reported;
                progress.report({ message: value.message, increment });
            });
            try {
                await client.sendRequest(
                    ExecuteCommandRequest.type,
                    {
                        command: SERVER_CONVERT_COMMAND,
                        arguments: [{ uri: uriText, version: document.version }],
                        workDoneToken: token,
                    },
                    cancellation,
                );
                output.info('Conversion finished.');
            } catch (error) {
                if (cancellation.isCancellationRequested) {
                    output.info('Conversion cancelled.');
                    return;
                }
                output.error(`Conversion failed: ${String(error)}`);
                void vscode.window.showErrorMessage(`slimstage: conversion failed: ${errorMessage(error)}`);
            } finally {
                listener.dispose();
            }
        },
    );
}

function errorMessage(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/**
 * The server's code lens and code actions name `slimstage.server.convert`; send them
 * through `slimstage.convert` instead, so every conversion shows the same notification.
 */
export function routeToClientCommand(command: vscode.Command | undefined): vscode.Command | undefined {
    if (command?.command !== SERVER_CONVERT_COMMAND) {
        return command;
    }
    const target: unknown = command.arguments?.[0]?.uri;
    return {
        title: command.title,
        tooltip: command.tooltip,
        command: 'slimstage.convert',
        arguments: typeof target === 'string' ? [vscode.Uri.parse(target)] : [],
    };
}

export const convertMiddleware: Middleware = {
    provideCodeLenses: async (document, token, next) => {
        const lenses = await next(document, token);
        lenses?.forEach((lens) => (lens.command = routeToClientCommand(lens.command)));
        return lenses;
    },
    resolveCodeLens: async (lens, token, next) => {
        const resolved = await next(lens, token);
        if (resolved) {
            resolved.command = routeToClientCommand(resolved.command);
        }
        return resolved;
    },
    provideCodeActions: async (document, range, context, token, next) => {
        const actions = await next(document, range, context, token);
        return actions?.map((action) =>
            action instanceof vscode.CodeAction
                ? Object.assign(action, { command: routeToClientCommand(action.command) })
                : routeToClientCommand(action) ?? action,
        );
    },
    resolveCodeAction: async (action, token, next) => {
        const resolved = await next(action, token);
        if (resolved) {
            resolved.command = routeToClientCommand(resolved.command);
        }
        return resolved;
    },
};
