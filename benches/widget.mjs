// The widget's benchmark: a CRM page on another loopback origin with the widget for one contact (20 emails),
// against the same page with a static 1 KB placeholder where the widget goes, in headless Chromium.
// Cold: the browser's HTTP cache and the app's service-worker cache emptied before the load (the rep's
// session, in the app's IndexedDB, stays: they signed in once). Warm: the next loads. Each time from
// navigation to the contact's emails on screen in the widget (or the placeholder on screen). Run with
// scripts/bench-widget.sh. Figures as JSON on stdout.
import { chromium } from '@playwright/test';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

const BASE = process.env.BASE;
const TOKEN = process.env.TOKEN;
const REP = process.env.REP;
const HOST_PORT = Number(process.env.HOST_PORT);
const COLD = Number(process.env.COLD ?? 5);
const WARM = Number(process.env.WARM ?? 9);
const CONTACT = 'ana.bench@acme.example.com';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const round = (x) => Math.round(x * 10) / 10;

const page = (inside) => `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>CRM</title>
<style>body{font:15px Georgia,serif;margin:0;display:grid;grid-template-columns:1fr 24rem}aside{padding:1rem}</style>
${inside.head ?? ''}</head><body><main><h1>Ana Bench</h1><p>Acme · ${CONTACT}</p></main><aside>${inside.body}</aside></body></html>`;
const placeholder = `<div id="placeholder">${'<p>Recent emails to Ana: Pricing for Acme · Delivered · 1 view</p>'.repeat(16)}</div>`.slice(0, 1024);
const PAGES = {
  '/widget.html': page({
    head: `<script src="${BASE}/embed.js" defer></script>`,
    body: `<command-center-contact email="${CONTACT}" name="Ana Bench" company="Acme"></command-center-contact>`,
  }),
  '/static.html': page({ body: placeholder }),
};

async function seed() {
  const now = new Date().toISOString();
  const person = { id: randomUUID(), email: CONTACT, first_name: 'Ana', last_name: 'Bench', company: 'Acme' };
  const mutations = [{ op: 'put_person', person }];
  for (let i = 0; i < 20; i++) {
    mutations.push({ op: 'put_email', email: {
      id: randomUUID(), owner: 0, sender: REP, recipient: CONTACT, person: person.id, subject: `Note ${i} for Ana`,
      html_body: '<p>Hello</p>', text_body: 'Hello', kind: 'single', created_at: now, updated_at: now, status: 'draft',
    } });
  }
  const r = await fetch(`${BASE}/api/v1/sync`, {
    method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: 1, mutations: mutations.map((op) => ({ key: randomUUID(), made_at: now, op })) }),
  });
  if (!r.ok) throw new Error(`seed: ${r.status} ${await r.text()}`);
}

async function main() {
  await seed();
  const server = createServer((req, res) => {
    const body = PAGES[new URL(req.url, 'http://h').pathname];
    if (body) res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'no-store' }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(HOST_PORT, '127.0.0.1', r));
  const profile = mkdtempSync(join(tmpdir(), 'cc-widget-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const tab = context.pages()[0] ?? await context.newPage();
  // The rep signs in once, in the app.
  await tab.goto(`${BASE}/`);
  await tab.getByLabel('Token').fill(TOKEN);
  await tab.getByRole('button', { name: 'Sign in' }).click();
  await tab.getByRole('tablist', { name: 'Email status' }).waitFor();
  await tab.waitForTimeout(1500);
  const cdp = await context.newCDPSession(tab);
  await cdp.send('Network.enable');

  const host = `http://127.0.0.1:${HOST_PORT}`;
  const load = async (path, cold) => {
    await tab.goto('about:blank');
    if (cold) {
      await cdp.send('Network.clearBrowserCache');
      await cdp.send('Storage.clearDataForOrigin', { origin: BASE, storageTypes: 'cache_storage,service_workers' });
    }
    await tab.waitForTimeout(300);
    const t0 = Date.now();
    await tab.goto(`${host}${path}`, { waitUntil: 'commit' });
    if (path === '/static.html') {
      await tab.locator('#placeholder').waitFor();
    } else {
      const frame = await (async () => {
        for (;;) {
          const f = tab.frames().find((f) => f.url().includes('/embed/contact'));
          if (f) return f;
          await tab.waitForTimeout(5);
        }
      })();
      await frame.locator('.embed-emails li').first().waitFor({ timeout: 30_000 });
      const shown = await frame.locator('.embed-emails li').count();
      if (shown !== 20) throw new Error(`the widget shows ${shown} emails, not 20`);
    }
    return Date.now() - t0;
  };
  const runs = { widget_cold: [], static_cold: [], widget_warm: [], static_warm: [] };
  for (let r = 0; r < COLD; r++) {
    runs.widget_cold.push(await load('/widget.html', true));
    runs.static_cold.push(await load('/static.html', true));
  }
  for (let r = 0; r < WARM; r++) {
    runs.widget_warm.push(await load('/widget.html', false));
    runs.static_warm.push(await load('/static.html', false));
  }
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
  const result = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, { median: round(median(v)), runs: v }]));
  console.log(JSON.stringify({ contact_emails: 20, ...result, goal: { cold_ms: 1000, warm_ms: 150 } }, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
