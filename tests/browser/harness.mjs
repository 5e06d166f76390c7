// Test harness for the browser tests: starts the Zoho CRM emulator (and the
// Salesforce and CloudCX emulators when a test asks) and a
// Deskpane host in demo mode on free loopback ports with a fresh data
// folder, drives Debian's Chromium through playwright-core, and stops
// everything at the end.
//
// The binaries are built by scripts/test.sh before node runs:
//   target/debug/{zoho-emulator,salesforce-emulator,cloudcx-emulator,deskpane},
//   target/plugins/*.
// DESKPANE_BIN, ZOHO_EMULATOR_BIN, SALESFORCE_EMULATOR_BIN and
// CLOUDCX_EMULATOR_BIN override where they are read from.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository's root (two levels above this file). */
export const repoRoot = path.resolve(here, '..', '..');

export const LOGINS = {
  admin: { email: 'admin@deskpane.example', password: 'admin-pass-123', profile: 'Administrator' },
  agent: { email: 'agent@deskpane.example', password: 'agent-pass-123', profile: 'Agent' },
  light: { email: 'light@deskpane.example', password: 'light-pass-123', profile: 'Light Agent' },
};

/** The emulator's OAuth client and long-lived refresh token (tests/emulators/zoho/README.md). */
export const ZOHO_CLIENT = { id: '1000.DESKPANE', secret: 'deskpane-secret', refreshToken: '1000.refresh.demo' };

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A child process whose output is kept (the last 64 KiB) for error messages. */
function startProcess(name, command, args, cwd) {
  if (!existsSync(command)) {
    throw new Error(`${name}: ${command} does not exist; build it first (cargo build -p deskpane -p zoho-emulator, scripts/build-plugins.sh)`);
  }
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_BACKTRACE: '1' } });
  let output = '';
  const keep = (chunk) => {
    output += chunk.toString();
    if (output.length > 65536) output = output.slice(-65536);
    if (process.env.DESKPANE_TEST_LOG) process.stderr.write(`[${name}] ${chunk}`);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { name, child, exited, output: () => output, commandLine: [command, ...args].join(' ') };
}

async function stopProcess(proc) {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  // SIGINT lets both servers shut down cleanly (they wait for Ctrl-C).
  proc.child.kill('SIGINT');
  const done = await Promise.race([proc.exited.then(() => true), sleep(5000).then(() => false)]);
  if (!done) {
    proc.child.kill('SIGKILL');
    await proc.exited;
  }
}

/** Polls `url` until it answers any HTTP status, or fails when the process exits or time runs out. */
async function waitForHttp(url, proc, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let exit = null;
  proc.exited.then((e) => { exit = e; });
  let lastError = null;
  while (Date.now() < deadline) {
    if (exit) {
      throw new Error(`${proc.name} exited (${exit.code ?? exit.signal}) before answering ${url}\n$ ${proc.commandLine}\n${proc.output()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return response.status;
    } catch (e) {
      lastError = e;
    }
    await sleep(100);
  }
  throw new Error(`${proc.name} did not answer ${url} within ${timeoutMs} ms (${lastError && lastError.message})\n$ ${proc.commandLine}\n${proc.output()}`);
}

/**
 * Starts the Zoho CRM emulator (seeded with the demo data) and a Deskpane host
 * in demo mode against it. Returns { baseUrl, emulatorUrl, dataDir, stop(),
 * stopEmulator(), startEmulator() }.
 *
 * Options: `salesforce: true` adds the Salesforce emulator and plugin;
 * `cloudcx: true` (or `{scriptChatAfter: secs}`) adds the CloudCX emulator
 * and plugin, recording chats into Zoho CRM automatically (the demo's
 * settings); with `scriptChatAfter` a visitor, Riley Chen, starts a chat
 * that many seconds after the emulator started, and the agent ends it about
 * 8 s later (`cloudcx-emulator --script-chat-after`). `sampleCrm: true`
 * starts the conformance kit's Sample CRM (`deskpane plugin sample-crm`),
 * which no plugin is connected to: a test installs one.
 */
export async function startDeskpane(options = {}) {
  const root = options.root || repoRoot;
  const deskpaneBin = process.env.DESKPANE_BIN || path.join(root, 'target', 'debug', 'deskpane');
  const emulatorBin = process.env.ZOHO_EMULATOR_BIN || path.join(root, 'target', 'debug', 'zoho-emulator');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'deskpane-browser-'));
  const started = [];
  const stop = async () => {
    for (const proc of started.reverse()) await stopProcess(proc);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const emulatorPort = await freePort();
    const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    // A fresh demo CRM on the same port (again after stopEmulator()).
    const runEmulator = async () => {
      const proc = startProcess('zoho-emulator', emulatorBin, ['--port', String(emulatorPort), '--seed', 'demo'], root);
      started.push(proc);
      await waitForHttp(`${emulatorUrl}/crm/v8/users?type=ActiveUsers`, proc, 20000);
      return proc;
    };
    let emulator = await runEmulator();

    // With `salesforce: true`, the Salesforce emulator and plugin join the demo.
    const demoArgs = [];
    let salesforceUrl;
    if (options.salesforce) {
      const salesforceBin = process.env.SALESFORCE_EMULATOR_BIN || path.join(root, 'target', 'debug', 'salesforce-emulator');
      const salesforcePort = await freePort();
      const salesforce = startProcess('salesforce-emulator', salesforceBin, ['--port', String(salesforcePort), '--seed', 'demo'], root);
      started.push(salesforce);
      salesforceUrl = `http://127.0.0.1:${salesforcePort}`;
      await waitForHttp(`${salesforceUrl}/services/data/`, salesforce, 20000);
      demoArgs.push('--demo-salesforce', salesforceUrl);
    }

    // With `cloudcx`, the CloudCX emulator joins the demo (its API answers 401 without a key: up).
    let cloudcxUrl;
    if (options.cloudcx) {
      const cloudcxBin = process.env.CLOUDCX_EMULATOR_BIN || path.join(root, 'target', 'debug', 'cloudcx-emulator');
      const cloudcxPort = await freePort();
      const script = typeof options.cloudcx === 'object' && options.cloudcx.scriptChatAfter !== undefined
        ? ['--script-chat-after', String(options.cloudcx.scriptChatAfter)] : [];
      const cloudcx = startProcess('cloudcx-emulator', cloudcxBin, ['--port', String(cloudcxPort), '--seed', 'demo', ...script], root);
      started.push(cloudcx);
      cloudcxUrl = `http://127.0.0.1:${cloudcxPort}`;
      await waitForHttp(`${cloudcxUrl}/api/v1/visitors`, cloudcx, 20000);
      demoArgs.push('--demo-cloudcx', cloudcxUrl);
    }

    let sampleCrmUrl;
    if (options.sampleCrm) {
      const samplePort = await freePort();
      const sample = startProcess('sample-crm', deskpaneBin, ['plugin', 'sample-crm', '--port', String(samplePort)], root);
      started.push(sample);
      sampleCrmUrl = `http://127.0.0.1:${samplePort}`;
      await waitForHttp(`${sampleCrmUrl}/api/contacts`, sample, 20000);
    }

    const port = await freePort();
    const host = startProcess('deskpane', deskpaneBin, [
      'serve', '--data', dataDir, '--listen', `127.0.0.1:${port}`,
      '--plugins-dir', path.join(root, 'target', 'plugins'), '--demo', emulatorUrl,
      ...demoArgs,
      ...(options.extraArgs || []),
    ], root);
    started.push(host);
    const baseUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${baseUrl}/api/me`, host, 60000);
    const outputs = () => Object.fromEntries(started.map((p) => [p.name, p.output()]));
    // The CRM down and back (failure-state tests): the emulator stops, and
    // starts again with its demo data on the same address.
    const stopEmulator = () => stopProcess(emulator);
    const startEmulator = async () => { emulator = await runEmulator(); };
    return { baseUrl, emulatorUrl, salesforceUrl, cloudcxUrl, sampleCrmUrl, dataDir, root, stop, stopEmulator, startEmulator, logs: () => ({ deskpane: host.output(), emulator: emulator.output(), ...outputs() }) };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Headless Debian Chromium. */
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`${executablePath} is missing: apt-get install -y chromium`);
  }
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

/**
 * Everything a test file needs: servers and a browser, with `newContext` for a
 * fresh signed-out browser profile (1280x800). Call `close()` in `after`.
 */
export async function setup(options = {}) {
  const server = await startDeskpane(options);
  let browser;
  try {
    browser = await launchBrowser();
  } catch (e) {
    await server.stop();
    throw e;
  }
  const contexts = [];
  const pageErrors = [];
  return {
    ...server,
    browser,
    /** Uncaught script errors of every page so far; close() fails when there are any. */
    pageErrors,
    async newContext(extra = {}) {
      const context = await browser.newContext({ baseURL: server.baseUrl, viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC', ...extra });
      context.setDefaultTimeout(15000);
      context.on('page', (page) => page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.stack || e.message}`)));
      contexts.push(context);
      return context;
    },
    /** A page signed in (through the form) as one of LOGINS' keys. */
    async signedInPage(who, startPath = '/') {
      const context = await this.newContext();
      const page = await context.newPage();
      await signIn(page, who, startPath);
      return page;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch(() => {});
      await server.stop();
      if (pageErrors.length) throw new Error(`uncaught script errors in the pages:\n${pageErrors.join('\n')}`);
    },
  };
}

/** Signs in through the page's sign-in form. */
export async function signIn(page, who, startPath = '/') {
  const login = typeof who === 'string' ? LOGINS[who] : who;
  await page.goto(startPath);
  await page.getByTestId('login-email').fill(login.email);
  await page.getByTestId('login-password').fill(login.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('current-agent').waitFor();
}

/** The ticket list as the API gives it to this page's session. */
export async function ticketList(page, query = '') {
  const response = await page.request.get('/api/ticket-list' + (query ? '?' + query : ''));
  if (!response.ok()) throw new Error(`GET /api/ticket-list answered ${response.status()}: ${await response.text()}`);
  return response.json();
}

/**
 * A JSON call to Deskpane's API with this page's session (cookies); fails
 * unless the status is 2xx (or `expectStatus`). Returns the parsed body.
 */
export async function apiJson(page, method, apiPath, body, expectStatus) {
  const response = await page.request.fetch(apiPath, { method, data: body === undefined ? undefined : body });
  const text = await response.text();
  const ok = expectStatus === undefined ? response.ok() : response.status() === expectStatus;
  if (!ok) throw new Error(`${method} ${apiPath} answered ${response.status()}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** The first ticket whose requester has a CRM customer type (a demo contact found in the CRM). */
export async function crmTicket(page) {
  const { tickets } = await ticketList(page);
  const ticket = tickets.find((t) => t.customer_type && t.email);
  if (!ticket) throw new Error('no demo ticket has a requester with a CRM customer type: ' + JSON.stringify(tickets));
  return ticket;
}

/**
 * Where screenshot() writes: docs/screenshots/ when UPDATE_SCREENSHOTS=1
 * (to refresh the pictures the docs show), otherwise target/screenshots/
 * (ignored by git), so an ordinary test run leaves the tree untouched.
 */
export const screenshotDir = process.env.UPDATE_SCREENSHOTS === '1'
  ? path.join(repoRoot, 'docs', 'screenshots')
  : path.join(repoRoot, 'target', 'screenshots');

/** Saves a PNG of the page as <screenshotDir>/<name>.png; returns its path. */
export async function screenshot(page, name, options = {}) {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, name + '.png');
  // Let fonts settle and the toast (if any) fade before taking the picture.
  await page.evaluate(async () => {
    const toast = document.getElementById('toast');
    if (toast) toast.className = 'toast';
    if (document.fonts) await document.fonts.ready;
  });
  await page.screenshot({ path: file, fullPage: false, animations: 'disabled', ...options });
  return file;
}

/** A small client of the emulator's REST API, as the CRM's own users would change data. */
export async function zohoClient(emulatorUrl) {
  const form = new URLSearchParams({ grant_type: 'refresh_token', client_id: ZOHO_CLIENT.id, client_secret: ZOHO_CLIENT.secret, refresh_token: ZOHO_CLIENT.refreshToken });
  const tokenResponse = await fetch(`${emulatorUrl}/oauth/v2/token`, { method: 'POST', body: form });
  const token = await tokenResponse.json();
  if (!token.access_token) throw new Error('the emulator gave no access token: ' + JSON.stringify(token));
  const call = async (method, pathAndQuery, body) => {
    const response = await fetch(`${emulatorUrl}/crm/v8/${pathAndQuery}`, {
      method,
      headers: { Authorization: `Zoho-oauthtoken ${token.access_token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (response.status >= 400) throw new Error(`${method} ${pathAndQuery}: ${response.status} ${text}`);
    return data;
  };
  return {
    call,
    async contactByEmail(email) {
      const answer = await call('GET', `Contacts/search?email=${encodeURIComponent(email)}`);
      if (!answer || !answer.data || !answer.data.length) throw new Error(`no CRM contact has the email ${email}`);
      return answer.data[0];
    },
    async insert(module, record) {
      const answer = await call('POST', module, { data: [record] });
      const outcome = answer.data[0];
      if (outcome.code !== 'SUCCESS') throw new Error(`insert into ${module}: ${JSON.stringify(outcome)}`);
      return outcome.details.id;
    },
    async update(module, id, fields) {
      const answer = await call('PUT', `${module}/${id}`, { data: [fields] });
      const outcome = answer.data[0];
      if (outcome.code !== 'SUCCESS') throw new Error(`update of ${module} ${id}: ${JSON.stringify(outcome)}`);
    },
  };
}
