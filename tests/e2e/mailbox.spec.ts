// The rep's own mailbox, end to end: the rep links it in Settings (a real Dovecot on loopback), sends an
// email the prospect views, and the prospect's reply is delivered into the mailbox. Without a reload, the
// person leaves the search "viewed -replied" and its saved list, and the reply's own words show on the
// email's page.
import { chownSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { E2E_DIR, compose, findUrl, newRep, recipient, replyTo, signIn, waitForMessages } from './support/app';

const MAILBOX = 'inbox@seller.example.com';
const IMAP_PORT = Number(process.env.E2E_IMAP_PORT ?? 18143);
const BROWSER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

/** Puts a message into the test mailbox as a delivery agent does (written in tmp/, moved to new/). */
function deliver(raw: string) {
  const maildir = join(readFileSync(join(E2E_DIR, 'imap-dir'), 'utf8').trim(), 'home', MAILBOX, 'Maildir');
  const name = `${Date.now()}.M${Math.floor(Math.random() * 1e9)}.e2e`;
  const tmp = join(maildir, 'tmp', name);
  writeFileSync(tmp, raw);
  if (process.getuid?.() === 0) chownSync(tmp, 65534, 65534);
  renameSync(tmp, join(maildir, 'new', name));
}

test('a reply that lands in the linked mailbox shows on the email and drops the person from "viewed -replied", live', async ({ page, request }) => {
  test.setTimeout(120_000);
  const rep = newRep('mailbox');
  await signIn(page, rep.token);
  const base = new URL(page.url()).origin;

  await page.goto('/settings');
  await page.getByLabel('IMAP address').fill(`imap://${encodeURIComponent(MAILBOX)}@127.0.0.1:${IMAP_PORT}`);
  await page.getByLabel('Password').fill('e2e-imap-password');
  await page.getByRole('button', { name: 'Link mailbox' }).click();
  await expect(page.getByText('Watching for new mail')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByLabel('Password')).toHaveValue('');

  // Ana is one of the rep's people (the search's people are the rep's people).
  const to = recipient('ana');
  const id = randomUUID();
  const person = await request.put(`${base}/api/v1/people/${id}`, {
    headers: { Authorization: `Bearer ${rep.token}` },
    data: { id, email: to, first_name: 'Ana', last_name: 'Lima', company: 'Acme', time_zone: 'Europe/Rome' },
  });
  expect(person.status(), await person.text()).toBe(200);
  await compose(page, to, 'Thursday?', 'Hi Ana, shall we talk on Thursday?');
  await page.getByRole('button', { name: 'Send now' }).click();
  const [sent] = await waitForMessages((r) => r === to, 1);
  const pixel = findUrl(sent.raw, `${base}/t/o/`)!;
  expect((await request.get(pixel, { headers: { 'User-Agent': BROWSER_UA } })).status()).toBe(200);

  await page.goto('/search');
  await page.getByLabel('Search', { exact: true }).fill('viewed -replied');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('radio', { name: /people/ }).click();
  await expect(page.locator('table.people-list tbody tr', { hasText: to })).toHaveCount(1, { timeout: 20_000 });
  await page.getByRole('button', { name: 'Save as…' }).click();
  await page.getByLabel('Name of the saved search').fill('Viewed, no answer');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const sidebar = page.getByRole('navigation', { name: 'Saved searches' });
  await expect(sidebar.getByRole('link', { name: /Viewed, no answer 1/ })).toBeVisible();

  deliver(replyTo(sent, rep.email, 'Thursday at 3 pm works for me.', {
    from: `Ana <${to}>`,
    quoted: [`On Mon, Dec 7, 2026 at 9:00 AM <${rep.email}> wrote:`, '> Hi Ana, shall we talk on Thursday?', ''],
  }));
  await expect(page.locator('table.people-list tbody tr', { hasText: to })).toHaveCount(0, { timeout: 10_000 });
  await expect(sidebar.getByRole('link', { name: /Viewed, no answer 0/ })).toBeVisible();

  await page.goto('/emails/sent/delivered');
  await page.getByRole('tabpanel').getByRole('link', { name: 'Thursday?', exact: true }).click();
  const timeline = page.getByRole('region', { name: /Timeline for/ });
  const words = timeline.getByLabel('What they wrote');
  await expect(words).toHaveText('Thursday at 3 pm works for me.');
  // Beside it: Reply, and a follow-up task in one click.
  const item = timeline.locator('li', { has: page.getByLabel('What they wrote') });
  await expect(item.getByRole('link', { name: 'Reply', exact: true })).toHaveAttribute('href', /\/compose\?followup=/);
  await expect(item.getByRole('button', { name: /Follow up/ })).toBeVisible();

  // And on Ana's page, in her timeline.
  await page.goto(`/people/${id}`);
  await expect(page.getByRole('region', { name: 'Engagement' }).getByLabel('What they wrote')).toHaveText('Thursday at 3 pm works for me.');
});
