// The app's benchmark, in headless Chromium against the release build served by the real endpoint:
//
// 1. First folder page: with 100,000 emails and 1,000,000 events in IndexedDB, the time from navigation
//    to the 50 rows of Sent › Delivered on screen (after the next frame), against the same first page of
//    rows as a static HTML page (same stylesheet, same markup) in the same browser. Cold (first load) and
//    warm (median of the next runs: the browser has the files, as on every morning after the first).
// 2. Folder switch: from a click on a tab to the other folder's rows on screen, median of several.
//
// The cache is filled the way the app stores records (storage/schema.rs: { j: JSON, index fields }); the
// run checks the rows shown are the ones expected, so a format drift fails it rather than flatter it.
// Run with scripts/bench-app.sh. Figures as JSON on stdout.
import { chromium } from '@playwright/test';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BASE = process.env.BASE;
const TOKEN = process.env.TOKEN;
const REP = process.env.REP;
const EMAILS = Number(process.env.EMAILS ?? 100_000);
const EVENTS = Number(process.env.EVENTS ?? 1_000_000);
const RUNS = Number(process.env.RUNS ?? 7);
const ROWS = 50;
const APP_DIR = process.env.APP_DIR;

/** The folder the seed files email `i` in (the same rule as in `seed`). */
function folderOf(i) {
  const shares = [['delivered', 0.70], ['archived', 0.10], ['scheduled', 0.05], ['draft', 0.03], ['failed', 0.06], ['bounced', 0.04], ['spam', 0.02]];
  const x = ((i * 7919) % 10000) / 10000;
  let acc = 0;
  for (const [status, share] of shares) { acc += share; if (x < acc) return status; }
  return 'delivered';
}

/** The baseline: the first page of Sent › Delivered as static HTML, with the app's markup and stylesheet. */
function writeStaticPage() {
  const css = readdirSync(APP_DIR).find((f) => f.startsWith('main-') && f.endsWith('.css'));
  const start = Date.UTC(2025, 11, 1);
  const rows = [];
  for (let i = EMAILS - 1; i >= 0 && rows.length < ROWS; i--) {
    if (folderOf(i) !== 'delivered') continue;
    const at = new Date(start + i * 300_000);
    const when = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' }).format(at);
    rows.push(`<tr><td class="select"><input type="checkbox" aria-label="Select"></td>
<td class="who"><span class="name">person${i}@company${i % 997}.example.com</span></td>
<td class="subject"><a href="/email/${i}">Subject number ${i}</a></td><td class="campaign"></td>
<td class="engagement"><span class="status status-delivered">Delivered</span><span class="counts"><span>${i % 3} views</span><span>${i % 2} clicks</span><span>${i % 7 === 0 ? 1 : 0} replies</span></span></td>
<td class="date"><time datetime="${at.toISOString()}">${when}</time></td>
<td class="actions"><button type="button" class="quick">Archive</button><button type="button" class="quick">Mark as success</button><button type="button" class="quick">Follow up</button></td></tr>`);
  }
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Command Center</title><link rel="stylesheet" href="/${css}"></head><body>
<header class="topbar"><a class="brand" href="/emails">Command Center</a><nav class="mainnav"><a href="/emails">Emails</a><a href="/tasks">Tasks</a><a href="/search">Search</a></nav></header>
<div class="workspace"><main id="main"><section class="emails"><div role="tablist" class="tabs main-tabs"><a role="tab" class="tab" aria-selected="true">Sent</a><a role="tab" class="tab">Pending</a><a role="tab" class="tab">Undelivered</a></div>
<div class="folder-panel" role="tabpanel"><div class="table-scroll"><table class="email-list"><thead><tr><th></th><th>Recipient</th><th>Subject</th><th>Campaign</th><th>Status</th><th>Delivered</th><th></th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div></div></section></main></div></body></html>`;
  writeFileSync(join(APP_DIR, 'bench-static.html'), html);
}

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Fills the app's IndexedDB (in the page) with `emails` emails and `events` events. */
async function seed(page, emails, events, rep) {
  return page.evaluate(async ({ emails, events, rep }) => {
    const FOLDERS = [
      ['delivered', 'sent/delivered', 0.70], ['archived', 'sent/archived', 0.10], ['scheduled', 'pending/scheduled', 0.05],
      ['draft', 'pending/draft', 0.03], ['failed', 'undelivered/failed', 0.06], ['bounced', 'undelivered/bounced', 0.04],
      ['spam', 'undelivered/spam', 0.02],
    ];
    const COUNT_SLOTS = ['delivered', 'archived', 'scheduled', 'draft', 'in_progress', 'failed', 'bounced', 'spam'];
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open('command-center');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const done = (tx) => new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
    const hex = (n, w) => n.toString(16).padStart(w, '0');
    const uuid = (kind, n) => `${hex(kind, 8)}-0000-7000-8000-${hex(n, 12)}`;
    const start = Date.UTC(2025, 11, 1);
    const iso = (ms) => new Date(ms).toISOString();
    const counts = new Array(8).fill(0);
    const delivered = [];
    let n = 0;
    for (let chunk = 0; chunk < emails; chunk += 5000) {
      const tx = db.transaction(['emails'], 'readwrite');
      const store = tx.objectStore('emails');
      for (let i = chunk; i < Math.min(emails, chunk + 5000); i++) {
        // Folders by share, spread evenly; instants over a year, later ids later.
        let pick = FOLDERS[0];
        let acc = 0;
        const x = ((i * 7919) % 10000) / 10000;
        for (const f of FOLDERS) { acc += f[2]; if (x < acc) { pick = f; break; } }
        const [status, slug] = pick;
        const at = start + i * 300_000;
        const id = uuid(1, i);
        const email = {
          id, owner: 1, sender: rep, recipient: `person${i}@company${i % 997}.example.com`, person: null, cc: [],
          subject: `Subject number ${i}`, html_body: `<p>Hello ${i}</p>`, text_body: `Hello ${i}`, campaign: null,
          template: null, batch: null, kind: 'single', created_at: iso(at - 60_000), updated_at: iso(at),
          schedule: status === 'scheduled' ? { at: iso(at + 365 * 86_400_000), time_zone: 'Europe/Rome' } : null,
          status, status_reason: ['failed', 'bounced', 'spam'].includes(status) ? 'reason' : null, success: false,
          sent_at: ['draft', 'scheduled'].includes(status) ? null : iso(at),
          delivered_at: ['delivered', 'archived', 'spam'].includes(status) ? iso(at) : null,
          failed_at: ['failed', 'bounced', 'spam'].includes(status) ? iso(at) : null,
          archived_at: status === 'archived' ? iso(at) : null,
        };
        const folderAt = {
          delivered: at, archived: at, scheduled: at + 365 * 86_400_000, draft: at, failed: at, bounced: at, spam: at,
        }[status];
        const engagement = { views_raw: i % 5, views_human: i % 3, clicks_raw: i % 4, clicks_human: i % 2, replies: i % 7 === 0 ? 1 : 0, first_activity: null, last_activity: null };
        store.put({ j: JSON.stringify({ email, engagement }), f: slug, at: folderAt, n: -folderAt, r: email.recipient, s: email.subject.toLowerCase() }, id);
        counts[COUNT_SLOTS.indexOf(status)] += 1;
        if (status === 'delivered') delivered.push(i);
        n++;
      }
      await done(tx);
    }
    for (let chunk = 0; chunk < events; chunk += 20000) {
      const tx = db.transaction(['events'], 'readwrite');
      const store = tx.objectStore('events');
      for (let k = chunk; k < Math.min(events, chunk + 20000); k++) {
        const i = delivered[(k * 104729) % delivered.length];
        const at = start + i * 300_000 + 60_000 + (k % 1000) * 1000;
        const id = uuid(2, k);
        const click = k % 3 === 0;
        const event = {
          id, email: uuid(1, i), recipient: `person${i}@company${i % 997}.example.com`, at: iso(at),
          kind: click ? { type: 'clicked', url: 'https://acme.example.com/pricing' } : { type: 'viewed' },
          ip: '203.0.113.7', user_agent: 'Mozilla/5.0', verdict: { human: k % 4 !== 0, reason: k % 4 !== 0 ? 'no_machine_sign' : 'image_proxy' },
        };
        store.put({ j: JSON.stringify(event), e: event.email, at, n: -at }, id);
      }
      await done(tx);
    }
    const tx = db.transaction(['meta'], 'readwrite');
    tx.objectStore('meta').put({ j: JSON.stringify({ counts }) }, 'counts');
    await done(tx);
    db.close();
    const newest = delivered[delivered.length - 1];
    return { emails: n, events, delivered: delivered.length, newest: `Subject number ${newest}` };
  }, { emails, events, rep });
}

/** Installed before every page: notes when `count` rows of the email table are on screen. */
function rowsWatch(count) {
  return `(() => {
    const want = ${count};
    window.__rowsAt = new Promise((resolve) => {
      const check = () => {
        if (document.querySelectorAll('table.email-list tbody tr').length >= want) {
          observer.disconnect();
          requestAnimationFrame(() => resolve(performance.now()));
          return true;
        }
        return false;
      };
      const observer = new MutationObserver(check);
      observer.observe(document, { childList: true, subtree: true });
    });
  })();`;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const round = (x) => Math.round(x * 10) / 10;

async function main() {
  writeStaticPage();
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript(rowsWatch(ROWS));
  const page = await context.newPage();

  // Sign in through the app, then fill its cache.
  await page.goto(`${BASE}/`);
  await page.getByLabel('Token').fill(TOKEN);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('tablist', { name: 'Email status' }).waitFor();
  const started = Date.now();
  const seeded = await seed(page, EMAILS, EVENTS, REP);
  const seedSeconds = (Date.now() - started) / 1000;
  process.stderr.write(`seeded ${JSON.stringify(seeded)} in ${seedSeconds.toFixed(1)} s\n`);

  const measure = async (url) => {
    await page.goto(url);
    const at = await page.evaluate(() => Promise.race([
      window.__rowsAt,
      new Promise((_, reject) => setTimeout(() => reject(new Error('the rows never showed')), 15_000)),
    ]));
    return at;
  };
  const appUrl = `${BASE}/emails/sent/delivered`;
  const staticUrl = `${BASE}/bench-static.html`;
  const appCold = await measure(appUrl);
  const firstSubject = await page.locator('table.email-list tbody tr').first().locator('td.subject a').innerText();
  if (firstSubject !== seeded.newest) throw new Error(`the first row is "${firstSubject}", expected "${seeded.newest}"`);
  const staticCold = await measure(staticUrl);
  const app = [], stat = [];
  for (let r = 0; r < RUNS; r++) {
    app.push(await measure(appUrl));
    stat.push(await measure(staticUrl));
  }

  // Folder switches: Delivered ⇄ Archived by a click on the tab.
  await page.goto(appUrl);
  await page.evaluate(() => window.__rowsAt);
  const switches = [];
  for (let r = 0; r < RUNS * 2; r++) {
    const target = r % 2 === 0 ? 'tab-archived' : 'tab-delivered';
    const ms = await page.evaluate(async (target) => {
      const before = document.querySelector('table.email-list tbody tr td.subject a')?.getAttribute('href');
      const t0 = performance.now();
      document.getElementById(target).click();
      return await new Promise((resolve) => {
        const check = () => {
          const rows = document.querySelectorAll('table.email-list tbody tr');
          const first = rows[0]?.querySelector('td.subject a')?.getAttribute('href');
          const selected = document.getElementById(target)?.getAttribute('aria-selected') === 'true';
          if (selected && rows.length >= 50 && first && first !== before) {
            observer.disconnect();
            requestAnimationFrame(() => resolve(performance.now() - t0));
          }
        };
        const observer = new MutationObserver(check);
        observer.observe(document.body, { childList: true, subtree: true, attributes: true });
        check();
      });
    }, target);
    switches.push(ms);
  }
  await browser.close();
  const result = {
    emails: seeded.emails, events: seeded.events, seed_seconds: round(seedSeconds),
    first_page_ms: { app_cold: round(appCold), static_cold: round(staticCold), app_warm_median: round(median(app)), static_warm_median: round(median(stat)), ratio_warm: round(median(app) / median(stat)), app_runs: app.map(round), static_runs: stat.map(round) },
    folder_switch_ms: { median: round(median(switches)), max: round(Math.max(...switches)), runs: switches.map(round) },
  };
  console.log(JSON.stringify(result, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
