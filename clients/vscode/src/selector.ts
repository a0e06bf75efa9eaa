/** Which documents slimstage checks: Dockerfiles by language id, and by file name. */
import { DocumentSelector } from 'vscode-languageclient/node';

export const DOCUMENT_SELECTOR: DocumentSelector = [
    { language: 'dockerfile' },
    { scheme: 'file', pattern: '**/Dockerfile' },
    { scheme: 'file', pattern: '**/*.Dockerfile' },
    { scheme: 'file', pattern: '**/Dockerfile.*' },
    { scheme: 'file', pattern: '**/Containerfile' },
];
