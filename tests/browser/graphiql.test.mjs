// The GraphiQL page in a real browser (Debian's Chromium, headless, driven by
// playwright-core): it loads nothing from outside the service, renders, shows the schema in
// its documentation explorer, and runs the 360° query with a token pasted in its headers tab.
//
// Starts nothing itself: tests/integration/browser.rs starts the service (seeded with the
// demo data) and passes
//   CUSTOMERS_URL    the service's origin, e.g. http://127.0.0.1:4001
//   CUSTOMERS_TOKEN  a token with `customers:read pii:read`
//   ARTIFACTS_DIR    optional: where a screenshot is written (graphiql.png at the end,
//                    graphiql-failure.png when a step fails)
//   CHROMIUM         optional: the browser (default /usr/bin/chromium)
// Exits 0 when every check passes; otherwise prints the failed step and exits 1.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const base = process.env.CUSTOMERS_URL;
const token = process.env.CUSTOMERS_TOKEN;
if (!base || !token) {
  console.error('set CUSTOMERS_URL and CUSTOMERS_TOKEN');
  process.exit(2);
}
const origin = new URL(base).origin;
const query = readFileSync(new URL('../operations/customer360.graphql', import.meta.url), 'utf8');
const variables = '{"first": 5}';
const headers = JSON.stringify({ authorization: `Bearer ${token}` });

const started = Date.now();
const step = (what) => console.log(`${((Date.now() - started) / 1000).toFixed(1)}s  ${what}`);

// What the page did that it must not: requests leaving the origin (aborted), failed or
// refused requests on it, script errors, console errors (CSP violations among them).
const foreign = [];
const failures = [];
const errors = [];
const graphqlRequests = [];

const userDataDir = mkdtempSync(join(tmpdir(), 'graphiql-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  permissions: ['clipboard-read', 'clipboard-write'],
  viewport: { width: 1400, height: 900 },
});
const page = context.pages()[0] ?? (await context.newPage());
let ok = false;
try {
  await context.route('**/*', (route) => {
    const request = route.request();
    if (new URL(request.url()).origin !== origin) {
      foreign.push(`${request.method()} ${request.url()}`);
      return route.abort('blockedbyclient');
    }
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/graphql') {
      graphqlRequests.push({ headers: request.headers(), body: request.postDataJSON() });
    }
    return route.continue();
  });
  await context.routeWebSocket(/.*/, (ws) => {
    foreign.push(`WebSocket ${ws.url()}`);
    ws.close();
  });
  page.on('requestfailed', (r) => failures.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && failures.push(`${r.status()} ${r.request().method()} ${r.url()}`));
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));

  step(`open ${origin}/graphql`);
  const response = await page.goto(`${origin}/graphql`, { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  const csp = response.headers()['content-security-policy'] ?? '';
  assert.match(csp, /script-src 'self'(;|$)/, `the page's CSP allows only its own scripts: ${csp}`);
  assert.match(csp, /connect-src 'self'(;|$)/, `the page's CSP allows only its own connections: ${csp}`);
  const tags = await page.$$eval('script, link[rel=stylesheet]', (els) =>
    els.map((e) => ({ src: e.src || e.href, integrity: e.integrity, inline: !e.src && !e.href })),
  );
  assert.ok(tags.length >= 4, JSON.stringify(tags));
  for (const tag of tags) {
    assert.ok(!tag.inline, 'no inline script');
    assert.equal(new URL(tag.src).origin, origin, `${tag.src} is served by the service`);
    assert.match(tag.integrity, /^sha384-[A-Za-z0-9+/]{64}$/, `${tag.src} is loaded with its integrity`);
  }

  step('wait for GraphiQL to render');
  await page.locator('.graphiql-container').waitFor();
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor();

  step('open the documentation explorer and find Customer');
  await page.locator('.graphiql-sidebar button[aria-label$="Documentation Explorer"]').click();
  const explorer = page.locator('.graphiql-doc-explorer');
  await explorer.waitFor();
  const customerType = explorer.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Customer$/ });
  await customerType.first().waitFor({ timeout: 15_000 });
  await customerType.first().click();
  await explorer.locator('.graphiql-doc-explorer-title', { hasText: /^Customer$/ }).waitFor();
  await explorer.locator('a.graphiql-doc-explorer-field-name', { hasText: /^displayName$/ }).waitFor();

  step('paste the token into the headers editor');
  await paste(page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').last(), headers, () =>
    page.locator('.graphiql-editor-tools button[data-name="headers"]').click(),
  );

  step('paste the 360° query and its variables');
  await paste(page.locator('.graphiql-query-editor .CodeMirror'), query);
  await paste(page.locator('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror').last(), variables, () =>
    page.locator('.graphiql-editor-tools button[data-name="variables"]').click(),
  );

  step('run it');
  await page.locator('.graphiql-execute-button').click();
  const resultPane = page.locator('.graphiql-response .CodeMirror');
  await page.waitForFunction(
    () => /"customers"/.test(document.querySelector('.graphiql-response .CodeMirror')?.CodeMirror?.getValue() ?? ''),
    null,
    { timeout: 15_000 },
  );
  const shown = await resultPane.evaluate((el) => el.CodeMirror.getValue());
  const result = JSON.parse(shown);
  assert.equal(result.errors, undefined, `no error in the result pane:\n${shown}`);
  const names = result.data.customers.edges.map((e) => e.node.displayName);
  assert.ok(names.includes('Ayesha Khan'), `a seeded customer, unmasked with pii:read: ${names}`);
  assert.ok(
    result.data.customers.edges.every((e) => Array.isArray(e.node.identities) && e.node.preferences),
    'the whole 360° profile',
  );
  const visibleText = await page.locator('.graphiql-response').innerText();
  assert.match(visibleText, /"customers"/, 'the result pane shows the data');

  const sent = graphqlRequests.find((r) => r.body?.operationName === 'Customer360');
  assert.ok(sent, `the 360° query went to ${origin}/graphql`);
  assert.equal(sent.headers.authorization, `Bearer ${token}`, 'with the token from the headers tab');
  assert.deepEqual(sent.body.variables, { first: 5 });

  step('open and close the settings dialog');
  await page.locator('button[aria-label="Open settings dialog"]').click();
  await page.getByRole('dialog').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });

  step('nothing left the service, nothing failed');
  assert.deepEqual(foreign, [], 'requests outside the service (aborted)');
  assert.deepEqual(failures, [], 'failed requests');
  assert.deepEqual(errors, [], 'errors in the page');
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  assert.ok(!stored.includes(token), 'the token is not kept in the browser storage');
  assert.doesNotMatch(stored, /graphiql:/, 'GraphiQL keeps its tabs and history in memory only');
  if (process.env.ARTIFACTS_DIR) await page.screenshot({ path: join(process.env.ARTIFACTS_DIR, 'graphiql.png') });
  ok = true;
  step('passed');
} catch (error) {
  console.error(error);
  console.error({ foreign, failures, errors });
  if (process.env.ARTIFACTS_DIR) {
    const shot = join(process.env.ARTIFACTS_DIR, 'graphiql-failure.png');
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    console.error(`screenshot: ${shot}`);
  }
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);

/// Paste `text` into a CodeMirror editor through the clipboard, as a user would (after
/// `open`, e.g. clicking its tab), replacing what it held; checks the editor took it.
async function paste(editor, text, open) {
  if (open) await open();
  await editor.waitFor();
  await editor.click();
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
  const value = await editor.evaluate((el) => el.CodeMirror.getValue());
  assert.equal(value.replace(/\s+/g, ''), text.replace(/\s+/g, ''), 'the editor holds what was pasted');
}
