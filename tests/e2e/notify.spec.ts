// Desktop notifications: with the browser's permission and the switches on in Settings, a person's reply
// and a person's click raise one notification each (clicking it opens the email); a machine's open and a
// scanner's click raise none; a burst becomes one notification; a task coming due raises one.
import { randomUUID } from 'node:crypto';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { compose, findUrl, newRep, postInbound, recipient, replyTo, signIn, typeLink, waitForMessages } from './support/app';

const BROWSER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

/** Every notification the page raises is noted (and still raised); `notes` reads them as "title | body". */
async function noteNotifications(page: Page, context: BrowserContext) {
  await context.grantPermissions(['notifications']);
  await page.addInitScript(() => {
    const Real = window.Notification;
    const noted: { title: string; body: string; n: Notification }[] = [];
    (window as unknown as { __notes: typeof noted }).__notes = noted;
    class Noted extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        noted.push({ title, body: options?.body ?? '', n: this });
      }
    }
    Object.defineProperty(Noted, 'permission', { get: () => Real.permission });
    window.Notification = Noted as typeof Notification;
  });
}

const notesOf = (page: Page) => () => page.evaluate(() => (window as unknown as { __notes: { title: string; body: string }[] }).__notes.map((n) => `${n.title} | ${n.body}`));

test('a person’s reply and click raise a notification each, a machine’s open and a scanner’s click none', async ({ page, context, request }) => {
  await noteNotifications(page, context);
  const rep = newRep('notify');
  await signIn(page, rep.token);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('A person replies').check();
  await page.getByLabel('A person clicks a link').check();
  await expect(page.getByText('blocks notifications')).toHaveCount(0);

  const to = recipient('notified');
  await compose(page, to, 'Pricing for Acme', '');
  await typeLink(page, 'See the pricing page', 'https://acme.example.com/pricing');
  await page.getByRole('button', { name: 'Send now' }).click();
  const [message] = await waitForMessages((r) => r === to, 1);
  const base = new URL(page.url()).origin;
  const pixel = findUrl(message.raw, `${base}/t/o/`)!;
  const click = findUrl(message.raw, `${base}/t/c/`)!;
  const notes = notesOf(page);

  // Machines: Gmail's image proxy opens it, a scanner follows the link. Both reach the app; no notification.
  await request.get(pixel, { headers: { 'User-Agent': 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)' } });
  await request.get(click, { headers: { 'User-Agent': 'Barracuda Sentinel (EE)' }, maxRedirects: 0 });
  await expect(page.locator('.feed-item.machine')).toHaveCount(2);
  expect(await notes()).toEqual([]);

  // A person clicks, then replies: one notification each.
  await request.get(click, { headers: { 'User-Agent': BROWSER_UA }, maxRedirects: 0 });
  await expect.poll(notes).toEqual([`${to} clicked a link | Pricing for Acme`]);
  await postInbound(request, base, replyTo(message, rep.email, 'Let us talk on Thursday.', { from: to }));
  await expect.poll(notes).toEqual([`${to} clicked a link | Pricing for Acme`, `${to} replied | Pricing for Acme`]);

  // Clicking the reply's notification opens the email.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.evaluate(() => (window as unknown as { __notes: { n: Notification }[] }).__notes[1].n.onclick?.(new Event('click')));
  await expect(page).toHaveURL(/\/email\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pricing for Acme');
});

test.describe('in UTC', () => {
  test.use({ timezoneId: 'UTC' });

  test('five clicks that arrive together raise one notification naming them, and a task coming due raises one', async ({ page, context, request }) => {
    test.setTimeout(120_000);
    await noteNotifications(page, context);
    const rep = newRep('burst');
    await signIn(page, rep.token);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('A person clicks a link').check();
    await page.getByLabel('A task comes due').check();
    const base = new URL(page.url()).origin;
    const auth = { Authorization: `Bearer ${rep.token}` };

    // Five emails, sent and received.
    const now = new Date().toISOString();
    const people = Array.from({ length: 5 }, (_, i) => recipient(`burst${i}`));
    const mutations = people.flatMap((to) => {
      const id = randomUUID();
      const email = {
        id, owner: 0, sender: rep.email, recipient: to, subject: `Offer for ${to.split('@')[0]}`, kind: 'single', status: 'draft',
        html_body: '<p>See <a href="https://acme.example.com/pricing">the pricing</a>.</p>', text_body: '', created_at: now, updated_at: now,
      };
      return [{ key: randomUUID(), made_at: now, op: { op: 'put_email', email } }, { key: randomUUID(), made_at: now, op: { op: 'send_now', email: id } }];
    });
    expect((await request.post(`${base}/api/v1/sync`, { headers: auth, data: { version: 1, mutations } })).ok()).toBeTruthy();
    const received = await waitForMessages((r) => people.includes(r), 5);
    const notes = notesOf(page);

    // The five click while the rep's tab is offline: they arrive together when it is back.
    await context.setOffline(true);
    for (const m of received) {
      const link = findUrl(m.raw, `${base}/t/c/`)!;
      expect((await request.get(link, { headers: { 'User-Agent': BROWSER_UA }, maxRedirects: 0 })).status()).toBe(303);
    }
    await page.waitForTimeout(1000);
    expect(await notes()).toEqual([]);
    await context.setOffline(false);
    await expect.poll(notes, { timeout: 20_000 }).toHaveLength(1);
    const [grouped] = await notes();
    expect(grouped.startsWith('5 people engaged | ')).toBeTruthy();
    for (const to of people) expect(grouped).toContain(to);

    // A task due five minutes and twenty seconds from now: told of once, five minutes before it is due.
    const due = new Date(Date.now() + 5 * 60_000 + 20_000);
    const task = {
      id: randomUUID(), type: 'call', title: 'Call Ana before the board meeting',
      due: { date: due.toISOString().slice(0, 10), time: due.toISOString().slice(11, 19) }, created_at: now, updated_at: now,
    };
    const made = await request.post(`${base}/api/v1/sync`, {
      headers: auth, data: { version: 1, mutations: [{ key: randomUUID(), made_at: now, op: { op: 'put_task', task } }] },
    });
    expect(made.ok()).toBeTruthy();
    await expect.poll(notes, { timeout: 70_000 }).toEqual([grouped, 'Task coming due | Call Ana before the board meeting']);
  });
});
