// Desktop notifications: with the browser's permission and the switches on in Settings, a person's reply
// and a person's click raise one notification each (clicking it opens the email); a machine's open and a
// scanner's click raise none.
import { expect, test } from '@playwright/test';
import { compose, findUrl, header, INBOUND_SECRET, newRep, recipient, signIn, typeLink, waitForMessages } from './support/app';

const BROWSER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

test('a person’s reply and click raise a notification each, a machine’s open and a scanner’s click none', async ({ page, context, request }) => {
  await context.grantPermissions(['notifications']);
  // Every notification the page raises is noted (and still raised).
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
  const notes = () => page.evaluate(() => (window as unknown as { __notes: { title: string; body: string }[] }).__notes.map((n) => `${n.title} | ${n.body}`));

  // Machines: Gmail's image proxy opens it, a scanner follows the link. Both reach the app; no notification.
  await request.get(pixel, { headers: { 'User-Agent': 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)' } });
  await request.get(click, { headers: { 'User-Agent': 'Barracuda Sentinel (EE)' }, maxRedirects: 0 });
  await expect(page.locator('.feed-item.machine')).toHaveCount(2);
  expect(await notes()).toEqual([]);

  // A person clicks, then replies: one notification each.
  await request.get(click, { headers: { 'User-Agent': BROWSER_UA }, maxRedirects: 0 });
  await expect.poll(notes).toEqual([`${to} clicked a link | Pricing for Acme`]);
  const messageId = header(message.raw, 'Message-ID')!;
  const reply = [
    `From: ${to}`, `To: ${rep.email}`, 'Subject: Re: Pricing for Acme', `Message-ID: <reply-${Date.now()}@acme.example.com>`,
    `In-Reply-To: ${messageId}`, `References: ${messageId}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '',
    'Let us talk on Thursday.', '',
  ].join('\r\n');
  const answer = await request.post(`${base}/api/v1/inbound`, {
    headers: { 'Content-Type': 'message/rfc822', Authorization: `Bearer ${INBOUND_SECRET}` },
    data: reply,
  });
  expect(answer.status()).toBe(200);
  await expect.poll(notes).toEqual([`${to} clicked a link | Pricing for Acme`, `${to} replied | Pricing for Acme`]);

  // Clicking the reply's notification opens the email.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.evaluate(() => (window as unknown as { __notes: { n: Notification }[] }).__notes[1].n.onclick?.(new Event('click')));
  await expect(page).toHaveURL(/\/email\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pricing for Acme');
});
