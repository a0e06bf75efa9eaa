// Drives a real VS Code (code-server) in headless Chromium against the slimstage extension.
//
//   node run.mjs config.json
//
// The config (written by tests/e2e/test_vscode.py) names code-server, the .vsix,
// Chromium, a scratch folder and a copy of an example project. The script installs the
// .vsix, opens the project, and then, one step at a time: opens the Dockerfile, waits for
// the slimstage finding in the Problems panel, hovers a FROM line, takes the screenshot
// for the docs, stores an API key with "slimstage: Set Anthropic API Key", runs
// "slimstage: Convert to Multi-Stage Build", saves, and restarts the server. Every step
// records {ok, detail, ms} in the results file, so the pytest side can say which feature
// broke; a failed step leaves a screenshot in the artifacts folder.

import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import puppeteer from 'puppeteer-core';

const run = promisify(execFile);
const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const STEP_TIMEOUT = config.stepTimeoutMs ?? 45_000;
const results = { steps: {}, order: [], events: [] };
const artifacts = config.artifacts;
fs.mkdirSync(artifacts, { recursive: true });

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (message) => {
    results.events.push(`${new Date().toISOString().slice(11, 23)} ${message}`);
    console.log(`[vscode-e2e] ${message}`);
};
const save = () => fs.writeFileSync(config.results, JSON.stringify(results, null, 1));

/** Polls `probe` until it returns a truthy value; throws `what` after `timeout` ms. */
async function until(what, probe, timeout = STEP_TIMEOUT, interval = 250) {
    const deadline = Date.now() + timeout;
    let last;
    while (Date.now() < deadline) {
        try {
            last = await probe();
            if (last) return last;
        } catch (error) {
            if (/^VS Code says:/.test(error?.message)) throw error;
            last = error;
        }
        await sleep(interval);
    }
    throw new Error(`timed out after ${timeout} ms waiting for ${what}${last instanceof Error ? ` (${last.message})` : ''}`);
}

let page;

async function step(name, body) {
    if (config.onlySteps?.length && !config.onlySteps.includes(name)) return false;
    const started = Date.now();
    results.order.push(name);
    log(`step ${name}`);
    try {
        const detail = await body();
        results.steps[name] = { ok: true, detail: detail ?? '', ms: Date.now() - started };
        log(`step ${name} ok (${Date.now() - started} ms)`);
    } catch (error) {
        results.steps[name] = { ok: false, detail: String(error?.stack ?? error), ms: Date.now() - started };
        log(`step ${name} FAILED: ${error?.message ?? error}`);
        if (page) {
            await page.screenshot({ path: path.join(artifacts, `failed-${name}.png`) }).catch(() => {});
        }
    }
    save();
    return results.steps[name].ok;
}

function freePort() {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolve(port));
        });
    });
}

// ---------------------------------------------------------------- code-server

function codeServerArgs(extra) {
    return [
        '--user-data-dir', config.userDataDir,
        '--extensions-dir', config.extensionsDir,
        ...extra,
    ];
}

async function installExtension() {
    const { stdout, stderr } = await run(
        config.codeServer,
        codeServerArgs(['--install-extension', config.vsix, '--force']),
        { env: config.env, timeout: 120_000 },
    );
    const text = `${stdout}${stderr}`.trim();
    if (!/successfully installed/i.test(text)) throw new Error(`install said: ${text}`);
    return text.split('\n').pop();
}

async function startCodeServer() {
    const port = await freePort();
    const logFile = fs.openSync(path.join(artifacts, 'code-server.log'), 'w');
    const child = spawn(
        config.codeServer,
        codeServerArgs([
            '--auth', 'none',
            '--bind-addr', `127.0.0.1:${port}`,
            '--disable-telemetry',
            '--disable-update-check',
            '--disable-workspace-trust',
            '--disable-getting-started-override',
            '--ignore-last-opened',
            '--config', path.join(config.scratch, 'code-server.yaml'),
            config.workspace,
        ]),
        { env: config.env, stdio: ['ignore', logFile, logFile], detached: true },
    );
    child.unref();
    results.codeServerPid = child.pid;
    const url = `http://127.0.0.1:${port}`;
    await until('code-server to answer HTTP', async () => {
        if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}`);
        const response = await fetch(`${url}/healthz`).catch(() => undefined);
        return response?.ok;
    }, 60_000, 300);
    return { child, url };
}

function stopCodeServer(child) {
    if (!child || child.exitCode !== null) return;
    try {
        process.kill(-child.pid, 'SIGTERM'); // its own process group: the extension host and server too
    } catch {
        child.kill('SIGTERM');
    }
}

// ---------------------------------------------------------------- the workbench

const isMac = false;
const mod = isMac ? 'Meta' : 'Control';

async function chord(...keys) {
    for (const key of keys) await page.keyboard.down(key);
    for (const key of [...keys].reverse()) await page.keyboard.up(key);
}

async function visibleText(selector) {
    return page.evaluate((sel) => {
        return [...document.querySelectorAll(sel)]
            .filter((el) => el.offsetParent !== null || el.getClientRects().length > 0)
            .map((el) => el.innerText.replace(/\u00a0/g, ' '))
            .join('\n');
    }, selector);
}

/** Runs a command by its palette title, e.g. "slimstage: Restart Server" (exactly that one). */
async function runCommand(title) {
    // F1 can be swallowed while a restart or a closing quick input moves the focus: try again.
    let input;
    for (let attempt = 1; !input; attempt++) {
        await page.keyboard.press('Escape');
        await page.keyboard.press('F1');
        input = await page.waitForSelector('.quick-input-widget .quick-input-box input', { visible: true, timeout: 5_000 })
            .catch((error) => {
                if (attempt >= 4) throw error;
                return page.click('.monaco-workbench .part.editor').catch(() => undefined).then(() => undefined);
            });
    }
    await input.evaluate((el) => { el.value = ''; });
    await input.type(`>${title}`, { delay: 5 });
    const row = await until(`"${title}" in the command palette`, async () => {
        const rows = await page.$$('.quick-input-widget .quick-input-list .monaco-list-row');
        for (const candidate of rows) {
            const label = await candidate.evaluate((el) =>
                (el.querySelector('.label-name')?.innerText ?? el.innerText).replace(/\u00a0/g, ' ').trim());
            if (label.toLowerCase() === title.toLowerCase()) return candidate;
        }
        return undefined;
    }, 10_000);
    await row.click();
}

async function editorText() {
    return page.evaluate(() => {
        const editor = [...document.querySelectorAll('.editor-group-container.active .editor-instance .monaco-editor .view-lines')]
            .find((el) => el.getClientRects().length > 0);
        if (!editor) return '';
        const lines = [...editor.querySelectorAll('.view-line')]
            .map((line) => ({ top: parseFloat(line.style.top) || 0, text: line.innerText.replace(/\u00a0/g, ' ') }))
            .sort((a, b) => a.top - b.top);
        return lines.map((line) => line.text).join('\n');
    });
}

async function openFile(relative) {
    await page.keyboard.press('Escape');
    const tab = await page.$(`.tabs-container .tab[data-resource-name="${path.basename(relative)}"]`);
    if (tab) {
        await tab.click();
        await until('the Dockerfile in the editor', async () => /^FROM /m.test(await editorText()));
        return 'switched to its tab';
    }
    await chord(mod, 'p');
    const input = await page.waitForSelector('.quick-input-widget .quick-input-box input', { visible: true, timeout: 10_000 });
    await input.type(relative, { delay: 5 });
    await until(`"${relative}" in quick open`, async () =>
        (await visibleText('.quick-input-widget .quick-input-list .monaco-list-row')).includes(path.basename(relative)),
    15_000);
    await page.keyboard.press('Enter');
    await until('the Dockerfile in the editor', async () => /^FROM /m.test(await editorText()));
    const mode = await until('the language mode in the status bar', async () =>
        (await visibleText('#status\\.editor\\.mode')).trim());
    results.languageMode = mode;
    return `language mode ${mode}`;
}

async function problemsText() {
    return visibleText('.markers-panel, .markers-panel-container');
}

async function findingInProblems() {
    await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
    const text = await until(`${config.code} in the Problems panel`, async () => {
        const panel = await problemsText();
        return panel.includes(config.code) ? panel : undefined;
    });
    results.problems = text;
    return text.split('\n').find((line) => line.includes(config.code));
}

/** The screen box of the `FROM` keyword on the first FROM line of the open editor. */
async function fromKeywordBox() {
    return page.evaluate(() => {
        const lines = [...document.querySelectorAll('.editor-group-container.active .editor-instance .monaco-editor .view-lines .view-line')]
            .filter((el) => el.getClientRects().length > 0)
            .sort((a, b) => (parseFloat(a.style.top) || 0) - (parseFloat(b.style.top) || 0));
        const line = lines.find((el) => /^\s*FROM\s/i.test(el.innerText.replace(/\u00a0/g, ' ')));
        if (!line) return undefined;
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.textContent.search(/FROM/i);
            if (at >= 0) {
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + 4);
                const rect = range.getBoundingClientRect();
                return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
            }
        }
        return undefined;
    });
}

async function hoverText() {
    return visibleText('.monaco-editor .monaco-hover:not(.hidden) .monaco-hover-content, .monaco-editor .monaco-hover:not(.hidden) .hover-contents');
}

async function hoverFrom() {
    const box = await until('a FROM line on screen', fromKeywordBox, 10_000);
    let text = '';
    for (let attempt = 0; attempt < 3 && !text.match(config.hoverPattern ? new RegExp(config.hoverPattern, 'i') : /\S/); attempt++) {
        // Move away and back: the editor shows a hover only after the mouse rests on a word.
        await page.mouse.move(box.x, box.y + 200);
        await sleep(150);
        await page.mouse.move(box.x - 2, box.y);
        await page.mouse.move(box.x, box.y, { steps: 4 });
        text = await until('the hover on FROM', async () => {
            const shown = (await hoverText()).trim();
            return shown && !/^loading/i.test(shown) ? shown : undefined;
        }, 8_000).catch(() => '');
        if (!text) {
            // Fall back to the keyboard: cursor on FROM, then "Show or Focus Hover".
            await page.mouse.click(box.x, box.y);
            await runCommand('Show or Focus Hover');
            text = await until('the hover on FROM', async () => (await hoverText()).trim(), 8_000).catch(() => '');
            await page.mouse.move(box.x, box.y);
        }
    }
    results.hover = text;
    if (!text) throw new Error('no hover appeared on the FROM line');
    if (config.hoverPattern && !new RegExp(config.hoverPattern, 'i').test(text)) {
        throw new Error(`hover does not match /${config.hoverPattern}/i: ${text}`);
    }
    return text.slice(0, 300);
}

async function screenshot() {
    if (!results.steps.hover?.ok || !results.steps.diagnostics?.ok) {
        throw new Error('needs both the finding and the hover on screen');
    }
    // No "Activating Extensions..." spinner in the picture, and the hover fully faded in.
    await until('the status bar to settle', async () => !/Activating Extensions/i.test(await visibleText('.part.statusbar')), 20_000)
        .catch(() => {});
    await hoverFrom();
    await sleep(1_000);
    if (!(await hoverText()).trim()) throw new Error('the hover went away before the screenshot');
    fs.mkdirSync(path.dirname(config.screenshot), { recursive: true });
    await page.screenshot({ path: config.screenshot });
    return config.screenshot;
}

async function outputLog() {
    const logs = path.join(config.userDataDir, 'logs');
    const found = [];
    const walk = (dir) => {
        for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(full);
            else if (/slimstage\.log$/.test(entry.name)) found.push(full);
        }
    };
    walk(logs);
    return found.map((file) => fs.readFileSync(file, 'utf8')).join('\n');
}

async function countOf(pattern) {
    return ((await outputLog()).match(pattern) ?? []).length;
}

/**
 * Changes user settings the way a person does: in the settings.json editor, then save.
 * (code-server does not notice a settings.json written behind its back.)
 */
async function editUserSettings(changes) {
    const file = path.join(config.userDataDir, 'User', 'settings.json');
    const settings = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const [key, value] of Object.entries(changes)) {
        if (value === undefined) delete settings[key];
        else settings[key] = value;
    }
    const text = JSON.stringify(settings);
    await runCommand('Preferences: Open User Settings (JSON)');
    await until('settings.json in the editor', async () =>
        (await visibleText('.tabs-container .tab.active')).includes('settings.json') && /slimstage/.test(await editorText()));
    await chord(mod, 'a');
    await page.keyboard.press('Backspace');
    // One input event for the whole text: no auto-closing of brackets and quotes.
    await page.keyboard.sendCharacter(text);
    await chord(mod, 's');
    await until('settings.json saved', async () => {
        try {
            return JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8'))) === text;
        } catch {
            return false;
        }
    }, 10_000);
    await openFile(config.file);
}

/** A server setting applies live; the interpreter setting restarts the server. */
async function settingsChange() {
    const runningBefore = await countOf(/Server running\./g);
    await editUserSettings({ 'slimstage.rules.ignore': [config.code] });
    await until(`${config.code} to leave the Problems panel`, async () => !(await problemsText()).includes(config.code));
    // Gone because of the setting, not because the Dockerfile was closed:
    const tabs = await visibleText('.tabs-container .tab');
    if (!tabs.includes(path.basename(config.file))) throw new Error(`the Dockerfile is no longer open (tabs: ${tabs})`);
    if ((await countOf(/Server running\./g)) !== runningBefore) throw new Error('a rules setting restarted the server');
    await editUserSettings({ 'slimstage.rules.ignore': undefined });
    await until(`${config.code} to come back`, async () => (await problemsText()).includes(config.code));

    // The interpreter's own slimstage wins when the user asks for it (importStrategy).
    const interpreter = [...config.interpreter, '-X', 'utf8'];
    await editUserSettings({ 'slimstage.interpreter': interpreter, 'slimstage.importStrategy': 'fromEnvironment' });
    await until('a restart with the new interpreter', async () =>
        (await countOf(/Server running\./g)) > runningBefore && (await outputLog()).includes(`with ${interpreter.join(' ')} [from setting]`));
    await until('the installed slimstage to run', async () => /Running the slimstage installed for Python/.test(await outputLog()));
    await until(`${config.code} after the restart`, async () => (await problemsText()).includes(config.code));
    return 'rules.ignore applied live; interpreter change restarted the server';
}

async function setApiKey() {
    const before = await countOf(/Server running\./g);
    await runCommand('slimstage: Set Anthropic API Key');
    const input = await page.waitForSelector('.quick-input-widget .quick-input-box input[type="password"]', { visible: true, timeout: 10_000 });
    await input.type(config.apiKey, { delay: 2 });
    await page.keyboard.press('Enter');
    await until('the server to restart with the stored key', async () =>
        (await countOf(/Server running\./g)) > before && /API key stored by "Set Anthropic API Key"/.test(await outputLog()),
    );
    return 'server restarted with the stored key';
}

async function notificationsText() {
    return visibleText('.notifications-toasts .notification-toast, .notifications-center');
}

async function convert() {
    const original = fs.readFileSync(path.join(config.workspace, config.file), 'utf8');
    await openFile(config.file);
    let sawProgress = '';
    const messages = new Set();
    await runCommand('slimstage: Convert to Multi-Stage Build');
    const changed = await until('the editor to hold the converted Dockerfile', async () => {
        const toasts = await notificationsText();
        if (/converting to a multi-stage build/i.test(toasts)) sawProgress = toasts;
        for (const line of toasts.split('\n')) if (line.trim()) messages.add(line.trim());
        const failure = toasts.split('\n').find((line) => /conversion failed|internal error|server is not running/i.test(line));
        if (failure) throw new Error(`VS Code says: ${failure}`);
        const text = await editorText();
        const froms = text.split('\n').filter((line) => /^\s*FROM\s/i.test(line));
        return froms.length >= 2 ? text : undefined;
    }, config.convertTimeoutMs ?? 90_000, 200);
    results.progressNotification = sawProgress;
    await sleep(500);
    for (const line of (await notificationsText()).split('\n')) if (line.trim()) messages.add(line.trim());
    results.messages = [...messages];
    await chord(mod, 's');
    const saved = await until('the converted Dockerfile on disk', async () => {
        const text = fs.readFileSync(path.join(config.workspace, config.file), 'utf8');
        return text !== original ? text : undefined;
    }, 10_000);
    results.textFinal = saved;
    results.editorAfterConvert = changed;
    return `${saved.split('\n').filter((line) => /^\s*FROM\s/i.test(line)).length} FROM lines`;
}

async function restartCommand() {
    const before = await countOf(/Server running\./g);
    await runCommand('slimstage: Restart Server');
    await until('the server to run again', async () => (await countOf(/Server running\./g)) > before);
    return 'restarted';
}

async function showOutput() {
    await runCommand('slimstage: Show Output');
    const shown = await until('the slimstage output channel in the panel', async () => {
        const text = await visibleText('.part.panel .monaco-editor .view-lines');
        return /Starting server \(/.test(text) ? text : undefined;
    }, 15_000);
    results.outputShown = shown;
    return shown.split('\n').find((line) => /Starting server/.test(line));
}

async function clickNotificationButton(label) {
    const button = await until(`the "${label}" button in a notification`, async () => {
        for (const candidate of await page.$$('.notifications-toasts .notification-toast .monaco-button')) {
            const text = await candidate.evaluate((el) => el.innerText.replace(/\u00a0/g, ' ').trim());
            if (text === label) return candidate;
        }
        return undefined;
    }, 15_000);
    await button.click();
}

/**
 * A Python with neither slimstage nor the Claude SDK (importStrategy fromEnvironment falls
 * back to the bundled server): converting with Claude asks to install the SDK, installs it
 * with pip into the extension's storage, restarts the server with it and converts.
 */
async function sdkOnFirstUse() {
    const before = await countOf(/Server running\./g);
    await editUserSettings({ 'slimstage.interpreter': config.bareInterpreter });
    await until('a restart with the interpreter without slimstage', async () =>
        (await countOf(/Server running\./g)) > before && /has no slimstage\)/.test(await outputLog()));
    // Put the single-stage file back, as a person would: replace the text and save.
    await openFile(config.file);
    await chord(mod, 'a');
    await page.keyboard.press('Backspace');
    await page.keyboard.sendCharacter(config.originalText);
    await chord(mod, 's');
    await until('the single-stage Dockerfile on disk', async () =>
        fs.readFileSync(path.join(config.workspace, config.file), 'utf8').trim() === config.originalText.trim(), 10_000);
    await runCommand('slimstage: Convert to Multi-Stage Build');
    results.sdkOffer = await until('the offer to install the Claude SDK', async () => {
        const text = await notificationsText();
        return /needs the Anthropic SDK/.test(text) ? text : undefined;
    });
    await clickNotificationButton('Install Claude SDK');
    await until('pip to install the Claude SDK', async () => {
        const logText = await outputLog();
        if (/The Claude SDK was not installed/.test(logText)) throw new Error('VS Code says: the Claude SDK was not installed');
        return /Claude SDK installed in/.test(logText);
    }, config.sdkInstallTimeoutMs ?? 240_000, 500);
    await until('a restart with the Claude SDK', async () => /Using the Claude SDK installed by slimstage/.test(await outputLog()), 60_000);
    const converted = await until('the editor to hold the converted Dockerfile', async () => {
        const text = await editorText();
        return text.split('\n').filter((line) => /^\s*FROM\s/i.test(line)).length >= 2 ? text : undefined;
    }, config.convertTimeoutMs ?? 90_000, 200);
    results.textAfterSdk = converted;
    return 'offered, installed with pip, restarted, converted';
}

// ---------------------------------------------------------------- main

let codeServer;
let browser;
const watchdog = setTimeout(() => {
    results.watchdog = `run exceeded ${config.runTimeoutMs} ms`;
    save();
    stopCodeServer(codeServer?.child);
    process.exit(3);
}, config.runTimeoutMs ?? 300_000);

try {
    if (await step('install', installExtension)) {
        await step('start', async () => {
            codeServer = await startCodeServer();
            browser = await puppeteer.launch({
                executablePath: config.chromium,
                headless: true,
                userDataDir: path.join(config.scratch, 'chromium'),
                defaultViewport: { width: 1440, height: 900 },
                args: [
                    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                    '--disable-background-networking', '--disable-component-update', '--disable-sync',
                    '--disable-dev-shm-usage', '--lang=en-US',
                ],
            });
            page = await browser.newPage();
            page.on('pageerror', (error) => results.events.push(`pageerror ${error.message}`.slice(0, 500)));
            await page.goto(`${codeServer.url}/?folder=${encodeURIComponent(config.workspace)}`, { waitUntil: 'domcontentloaded' });
            await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
            await until('the explorer to list the project', async () =>
                (await visibleText('.explorer-folders-view')).includes(config.file), 60_000);
            return codeServer.url;
        });
    }
    if (results.steps.start?.ok) {
        await step('open', () => openFile(config.file));
        await step('activate', async () => {
            await until('the extension to start the server', async () => /Server running\./.test(await outputLog()), 60_000);
            return 'server running';
        });
        await step('diagnostics', findingInProblems);
        await step('hover', hoverFrom);
        await step('screenshot', screenshot);
        await step('settings', settingsChange);
        await step('apikey', setApiKey);
        await step('convert', convert);
        await step('restart', restartCommand);
        await step('output', showOutput);
        await step('sdk', sdkOnFirstUse);
    }
} catch (error) {
    results.error = String(error?.stack ?? error);
} finally {
    results.outputLog = await outputLog().catch(() => '');
    save();
    clearTimeout(watchdog);
    await browser?.close().catch(() => {});
    stopCodeServer(codeServer?.child);
    if (codeServer?.child && codeServer.child.exitCode === null) {
        await Promise.race([once(codeServer.child, 'exit'), sleep(5_000)]);
    }
}
const failed = results.order.filter((name) => !results.steps[name]?.ok);
console.log(`[vscode-e2e] ${results.order.length - failed.length} passed, ${failed.length} failed${failed.length ? `: ${failed.join(', ')}` : ''}`);
process.exit(failed.length || results.error ? 1 : 0);
