// The widget in a CRM page: examples/crm-host served on another loopback origin frames Command Center for
// the contact it shows. It shows exactly that contact's emails and tasks (a task made in the app's tab
// within 2 s), follows the host when it switches contact, sends an email once and completes a task that
// the app's tab then shows, offers to
// create a contact it does not know, keeps the host's styles out, tells the host its height, keeps the
// rep's session out of the host's reach, and shows nothing on a page of an origin it does not allow.
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, test, type Frame, type Page } from '@playwright/test';
import { compose, newRep, recipient, screenshotPath, signIn, waitForMessages } from './support/app';

const ALLOWED = Number(process.env.E2E_HOST_PORT ?? 18090);
const NOT_ALLOWED = ALLOWED + 1;
let contacts: object[] = [];
const servers: Server[] = [];

/** Serves examples/crm-host (with the contacts of the test) on `port`. */
function host(port: number): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://host').pathname;
    if (path === '/contacts.json') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(contacts));
    } else if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end(readFileSync('examples/crm-host/index.html'));
    } else {
      response.writeHead(404).end();
    }
  });
  servers.push(server);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

test.beforeAll(async () => {
  await host(ALLOWED);
  await host(NOT_ALLOWED);
});
test.afterAll(() => {
  for (const server of servers) server.close();
});

/** The widget's frame in the host page. */
async function widget(page: Page): Promise<Frame> {
  await expect.poll(() => page.frames().some((f) => f.url().includes('/embed/contact'))).toBe(true);
  return page.frames().find((f) => f.url().includes('/embed/contact'))!;
}

test('the widget in a CRM page follows the contact shown, sends once, completes a task the app then shows, works offline, and keeps its session and styles to itself', async ({ page, context, request, baseURL }) => {
  test.setTimeout(120_000);
  const rep = newRep('widget');
  const ana = recipient('ana.widget');
  const bo = recipient('bo.widget');
  await signIn(page, rep.token);
  // Ana and Bo are people; each has an email; Ana has an open task.
  const now = new Date().toISOString();
  const anaId = randomUUID();
  const person = (id: string, email: string, first: string) => ({ id, email, first_name: first, last_name: 'Widget', company: 'Acme' });
  const mutations = [
    { op: 'put_person', person: person(anaId, ana, 'Ana') },
    { op: 'put_person', person: person(randomUUID(), bo, 'Bo') },
    { op: 'put_task', task: { id: randomUUID(), type: 'call', title: 'Call Ana about pricing', due: { date: now.slice(0, 10) }, person: anaId, created_at: now, updated_at: now } },
  ].map((op) => ({ key: randomUUID(), made_at: now, op }));
  const pushed = await request.post('/api/v1/sync', { headers: { authorization: `Bearer ${rep.token}` }, data: { version: 1, mutations } });
  expect(pushed.ok(), await pushed.text()).toBeTruthy();
  for (const [to, subject] of [[ana, 'Pricing for Ana'], [bo, 'Agenda for Bo']]) {
    await compose(page, to, subject, 'Hello');
    await page.getByRole('button', { name: 'Send now' }).click();
    await expect(page).toHaveURL(/\/emails\/sent\/delivered$/);
  }
  await waitForMessages((r) => r === ana || r === bo, 2);

  // The CRM page, on another origin, with the widget beside the contact.
  contacts = [
    { email: ana, name: 'Ana Widget', company: 'Acme' },
    { email: bo, name: 'Bo Widget', company: 'Acme' },
    { email: recipient('nina.new'), name: 'Nina Prospect', company: 'Fresh Lead Ltd' },
  ];
  const crm = await context.newPage();
  await crm.goto(`http://127.0.0.1:${ALLOWED}/?endpoint=${encodeURIComponent(baseURL!)}`);
  const frame = await widget(crm);
  await expect(frame.getByRole('heading', { level: 1 })).toHaveText('Ana Widget');
  await expect(frame.locator('.embed-emails li')).toHaveCount(1);
  await expect(frame.locator('.embed-emails')).toContainText('Pricing for Ana');
  await expect(frame.locator('.embed-emails')).toContainText('Delivered');
  await expect(frame.locator('.embed-tasks li')).toHaveText([/Call Ana about pricing/]);
  await crm.screenshot({ path: screenshotPath('widget-in-crm'), fullPage: true });

  // A task made in the app's tab shows in the widget within the live feed's 2 s.
  await page.goto(`/tasks?new=1&person=${anaId}`);
  await page.getByLabel('Title').fill('Send Ana the case study');
  await page.getByRole('button', { name: 'Save task' }).click();
  await expect(frame.locator('.embed-tasks')).toContainText('Send Ana the case study', { timeout: 2_000 });

  // It tells the host its height: the frame is as tall as its content, with no scrollbar inside.
  await expect.poll(async () => {
    const inner = await frame.evaluate(() => document.documentElement.scrollHeight);
    const outer = await crm.evaluate(() => document.querySelector('command-center-contact')!.getBoundingClientRect().height);
    return Math.abs(inner - outer) <= 2;
  }).toBe(true);

  // The host cannot reach the session: the element's inside is closed, the frame's document is another
  // origin's, the token is in no address and in none of the host's storage.
  const reach = await crm.evaluate(async () => {
    const element = document.querySelector('command-center-contact')!;
    let frameDocument = 'readable';
    try {
      void (window.frames[0] as Window).document.body;
    } catch {
      frameDocument = 'refused';
    }
    const databases = (await indexedDB.databases()).map((d) => d.name);
    return { shadow: element.shadowRoot === null, frameDocument, databases, local: JSON.stringify({ ...localStorage }), urls: performance.getEntriesByType('resource').map((e) => e.name).join(' ') };
  });
  expect(reach.shadow).toBe(true);
  expect(reach.frameDocument).toBe('refused');
  expect(reach.databases).not.toContain('command-center');
  expect(reach.local).not.toContain(rep.token);
  expect(reach.urls + frame.url()).not.toContain(rep.token);

  // The host's rules change nothing inside.
  const look = () => frame.getByRole('heading', { level: 1 }).evaluate((h) => { const s = getComputedStyle(h); return [s.color, s.fontSize, s.fontFamily].join(' | '); });
  const before = await look();
  await crm.addStyleTag({ content: '* { color: red !important; font: 30px serif !important; }' });
  expect(await look()).toBe(before);

  // A task done in the widget moves on the app's board.
  await frame.getByRole('button', { name: 'Mark “Call Ana about pricing” as done' }).click();
  await expect(frame.locator('.embed-tasks li')).toHaveCount(1);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
  await expect(page.getByRole('region', { name: /^Completed/ })).toContainText('Call Ana about pricing');

  // The host switches to Bo without reloading: the widget follows.
  await crm.getByRole('button', { name: 'Bo Widget' }).click();
  await expect(frame.getByRole('heading', { level: 1 })).toHaveText('Bo Widget');
  await expect(frame.locator('.embed-emails')).toContainText('Agenda for Bo');
  await expect(frame.locator('.embed-emails')).not.toContainText('Pricing for Ana');

  // An email written in the widget goes out once, and the app's tab has it.
  await frame.getByLabel('Subject').fill('Sent from the CRM');
  await frame.getByLabel('Message').fill('Hello Bo, as promised.');
  await frame.getByRole('button', { name: 'Send', exact: true }).click();
  const sent = await waitForMessages((r) => r === bo, 2);
  expect(sent.filter((m) => m.raw.includes('Sent from the CRM'))).toHaveLength(1);
  await expect(frame.locator('.embed-emails')).toContainText('Sent from the CRM');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Emails' }).click();
  await expect(page.getByRole('link', { name: 'Sent from the CRM' })).toBeVisible();

  // A contact the rep does not have: offered to be created, with what the host knows.
  await crm.getByRole('button', { name: 'Nina Prospect' }).click();
  await expect(frame.getByText('Not in your people yet.')).toBeVisible();
  await expect(frame.getByLabel('First name')).toHaveValue('Nina');
  await expect(frame.getByLabel('Company')).toHaveValue('Fresh Lead Ltd');
  await frame.getByRole('button', { name: 'Add to my people' }).click();
  await expect(frame.getByRole('heading', { level: 1 })).toHaveText('Nina Prospect');
  // A moment later, every send has still gone out once.
  await crm.waitForTimeout(1000);
  expect((await waitForMessages((r) => r === bo, 2)).filter((m) => m.raw.includes('Sent from the CRM'))).toHaveLength(1);

  // Offline (a train), the widget still shows the contact from the app's cache, and a task done there
  // reaches the endpoint, and the app's board, once the line is back.
  await context.setOffline(true);
  await crm.getByRole('button', { name: 'Ana Widget' }).click();
  await expect(frame.getByRole('heading', { level: 1 })).toHaveText('Ana Widget');
  await expect(frame.locator('.embed-emails')).toContainText('Pricing for Ana');
  await frame.getByRole('button', { name: 'Mark “Send Ana the case study” as done' }).click();
  await expect(frame.locator('.embed-tasks li')).toHaveCount(0);
  await context.setOffline(false);
  const doneAtEndpoint = async () => {
    const feed = await (await request.get('/api/v1/changes?since=0&limit=1000', { headers: { authorization: `Bearer ${rep.token}` } })).json();
    const records = feed.changes.map((c: { record: { type: string; task?: { title: string; completed_at?: string } } }) => c.record);
    return records.some((r: { type: string; task?: { title: string; completed_at?: string } }) => r.type === 'task' && r.task?.title === 'Send Ana the case study' && !!r.task.completed_at);
  };
  await expect.poll(doneAtEndpoint, { timeout: 20_000 }).toBe(true);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
  await expect(page.getByRole('region', { name: /^Completed/ })).toContainText('Send Ana the case study');
  // The name on a task's card opens the person's page.
  await page.getByRole('region', { name: /^Completed/ }).locator('.card', { hasText: 'Send Ana the case study' }).getByRole('link', { name: 'Ana Widget' }).click();
  await expect(page).toHaveURL(new RegExp(`/people/${anaId}$`));
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ana Widget');
});

test('a page of an origin the endpoint does not allow gets no widget and no data', async ({ page, context, baseURL }) => {
  const rep = newRep('stranger');
  await signIn(page, rep.token);
  contacts = [{ email: recipient('anyone'), name: 'Anyone', company: 'Acme' }];
  const stranger = await context.newPage();
  await stranger.goto(`http://127.0.0.1:${NOT_ALLOWED}/?endpoint=${encodeURIComponent(baseURL!)}`);
  await expect.poll(() => stranger.frames().length).toBeGreaterThan(1);
  await stranger.waitForTimeout(1500);
  // The frame was refused (frame-ancestors): nothing of the app is in it.
  for (const frame of stranger.frames().slice(1)) {
    const text = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
    expect(text).not.toContain('Anyone');
    expect(await frame.locator('.embed-card, main.embed').count().catch(() => 0)).toBe(0);
  }
  // And the API answers it nothing (CORS), even with a token it somehow had.
  const answer = await stranger.evaluate(async ({ base, token }) => {
    try {
      const r = await fetch(`${base}/api/v1/changes?since=0`, { headers: { authorization: `Bearer ${token}` } });
      return `status ${r.status}`;
    } catch (e) {
      return `refused: ${(e as Error).name}`;
    }
  }, { base: baseURL!, token: rep.token });
  expect(answer).toBe('refused: TypeError');
});
