// The seed's scenario, end to end against the real endpoint and aiosmtpd: 100 people imported and sent a
// campaign; through the tracking URLs in the received messages 40 of them view, 25 of those click and 10
// of those reply (replies posted to the inbound endpoint as raw messages). The search "campaign + viewed +
// clicked + not replied" finds exactly 15 people; saved, it grows to 16 by itself when one more person
// views and clicks; selecting them and sending makes 16 new messages.
import { expect, test, type APIRequestContext } from '@playwright/test';
import { findUrl, header, newRep, postInbound, recipient, replyTo, screenshotPath, signIn, typeLink, waitForMessages, type Received } from './support/app';

const BROWSER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

async function view(request: APIRequestContext, base: string, m: Received) {
  const pixel = findUrl(m.raw, `${base}/t/o/`);
  expect(pixel).toBeTruthy();
  expect((await request.get(pixel!, { headers: { 'User-Agent': BROWSER_UA } })).status()).toBe(200);
}

async function click(request: APIRequestContext, base: string, m: Received) {
  const link = findUrl(m.raw, `${base}/t/c/`);
  expect(link).toBeTruthy();
  expect((await request.get(link!, { headers: { 'User-Agent': BROWSER_UA }, maxRedirects: 0 })).status()).toBe(303);
}

async function reply(request: APIRequestContext, base: string, m: Received, rep: string) {
  await postInbound(request, base, replyTo(m, rep, 'Sounds interesting, let us talk next week.'));
}

test('campaign + viewed + clicked + not replied: 15 people, a saved search that grows to 16 live, and a send to them', async ({ page, request }) => {
  test.setTimeout(180_000);
  const rep = newRep('seed');
  await signIn(page, rep.token);
  const base = new URL(page.url()).origin;

  // 100 people imported and sent the campaign.
  await page.getByRole('link', { name: 'Select and Send' }).click();
  const people = Array.from({ length: 100 }, (_, i) => ({ first: `Lead${i + 1}`, email: recipient(`lead${i + 1}`) }));
  const csv = ['name,email,company'].concat(people.map((p, i) => `${p.first} Prospect,${p.email},Company ${i % 7}`)).join('\n');
  await page.getByLabel('Import people from a CSV file').setInputFiles({ name: 'leads.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByText('100 people imported and selected.')).toBeVisible();
  await page.getByLabel('Campaign').selectOption('new');
  await page.getByLabel('Name of the new campaign').fill('Spring launch');
  await page.getByLabel('Subject').fill('Spring news for {{company}}');
  await typeLink(page, 'Hi {{first_name}}, see what is new.', 'https://acme.example.com/spring');
  await page.getByRole('button', { name: 'Send now to 100 people' }).click();
  const sent = await waitForMessages((r) => people.some((p) => p.email === r), 100, 60_000);
  expect(sent.length).toBe(100);
  const byPerson = people.map((p) => sent.find((m) => m.rcptTos.includes(p.email))!);

  // 40 view; 25 of those click; 10 of those reply.
  for (const m of byPerson.slice(0, 40)) await view(request, base, m);
  for (const m of byPerson.slice(0, 25)) await click(request, base, m);
  for (const m of byPerson.slice(0, 10)) await reply(request, base, m, rep.email);

  // The search, typed as text, shown as people.
  await page.goto('/search');
  await page.getByLabel('Search', { exact: true }).fill('campaign:"Spring launch" viewed clicked -replied');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('radio', { name: /people/ }).click();
  await expect(page.getByRole('radio', { name: '15 people' })).toBeVisible({ timeout: 20_000 });
  await expect(page.locator('table.people-list tbody tr')).toHaveCount(15);
  // The builder shows the same search, row by row.
  await expect(page.locator('.condition')).toHaveCount(4);
  await page.screenshot({ path: screenshotPath('search'), fullPage: true });

  // Saved: a live list in the sidebar.
  await page.getByRole('button', { name: 'Save as…' }).click();
  await page.getByLabel('Name of the saved search').fill('Hot leads');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const sidebar = page.getByRole('navigation', { name: 'Saved searches' });
  await expect(sidebar.getByRole('link', { name: /Hot leads 15/ })).toBeVisible();

  // One more person views and clicks: 16, with no reload, and marked as new.
  await view(request, base, byPerson[40]);
  await click(request, base, byPerson[40]);
  await expect(sidebar.getByRole('link', { name: /Hot leads 16/ })).toBeVisible({ timeout: 10_000 });
  await expect(page.locator('table.people-list tbody tr')).toHaveCount(16);
  await expect(page.locator('table.people-list tbody tr.new')).toHaveCount(1);
  await expect(page.locator('table.people-list tbody tr.new')).toContainText(people[40].email);
  await page.screenshot({ path: screenshotPath('saved-search-live'), fullPage: true });

  // Retargeting: all 16 selected, then a bulk send to them.
  await page.getByRole('checkbox', { name: 'Select everyone found (at most 200)' }).check();
  await expect(page.getByText('16 people selected')).toBeVisible();
  await page.getByRole('button', { name: 'Select and Send to them' }).click();
  await expect(page.getByRole('heading', { name: 'Recipients: 16 of 200' })).toBeVisible();
  await page.getByLabel('Subject').fill('A closer look, {{first_name}}');
  const body = page.getByRole('textbox', { name: 'Message' });
  await body.click();
  await body.pressSequentially('Thanks for looking.');
  const before = sent.length;
  await page.getByRole('button', { name: 'Send now to 16 people' }).click();
  const chosen = new Set([...byPerson.slice(10, 25), byPerson[40]].map((m) => m.rcptTos[0]));
  const all = await waitForMessages((r) => chosen.has(r), 32, 40_000);
  const fresh = all.filter((m) => header(m.raw, 'Subject')?.startsWith('A closer look'));
  expect(fresh.length).toBe(16);
  expect(new Set(fresh.map((m) => m.rcptTos[0]))).toEqual(chosen);
  expect(before).toBe(100);
});
