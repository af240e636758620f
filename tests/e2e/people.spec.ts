// People: the list over 20,000 people (search by name, address or company; sort; pages) and one person's
// page with their emails and folder statuses, one engagement timeline, their tasks and saved searches,
// reached from a name anywhere in the app.
import { expect, test, type APIRequestContext } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { compose, newRep, recipient, screenshotPath, signIn, waitForMessages, findUrl } from './support/app';

const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbra', 'Hooli'];

/** Puts `count` people for the rep through the sync route, 2,000 per push. */
async function seedPeople(request: APIRequestContext, token: string, count: number): Promise<void> {
  const now = new Date().toISOString();
  for (let start = 0; start < count; start += 2000) {
    const mutations = [];
    for (let i = start; i < Math.min(count, start + 2000); i++) {
      const person = {
        id: randomUUID(),
        email: `p${i}@${COMPANIES[i % 5].toLowerCase()}.example.com`,
        first_name: `Person${String(i).padStart(5, '0')}`,
        last_name: 'Seeded',
        company: COMPANIES[i % 5],
        time_zone: 'Europe/Rome',
      };
      mutations.push({ key: randomUUID(), made_at: now, op: { op: 'put_person', person } });
    }
    const answer = await request.post('/api/v1/sync', {
      headers: { authorization: `Bearer ${token}` },
      data: { version: 1, mutations },
    });
    expect(answer.ok()).toBeTruthy();
  }
}

test('the people list finds one of 20,000 by name, address or company, sorts and pages', async ({ page, request }) => {
  test.setTimeout(180_000);
  const rep = newRep('people');
  await seedPeople(request, rep.token, 20_000);
  await signIn(page, rep.token);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
  await expect(page).toHaveURL(/\/people/);
  const rows = page.locator('.people-list tbody tr');
  await expect(page.getByRole('status').filter({ hasText: 'of 20,000' })).toHaveText('1–50 of 20,000', { timeout: 60_000 });
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toContainText('Person00000 Seeded');

  // By name, by address, by company (every word must match).
  const search = page.getByLabel('Search people');
  await search.fill('person12345');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('p12345@acme.example.com');
  await search.fill('p777@');
  await expect(rows).toHaveCount(1);
  await search.fill('globex person0000');
  await expect(rows).toHaveCount(2); // Person00001 and Person00006
  await expect(page.getByText('1–2 of 2')).toBeVisible();
  await search.fill('nobody-at-all');
  await expect(page.getByText('No one matches this search.')).toBeVisible();

  // Sorted by company, then reversed; the search and order survive a reload.
  await search.fill('');
  await page.getByRole('button', { name: 'Company' }).click();
  await expect(rows.first()).toContainText('Acme');
  await page.getByRole('button', { name: 'Company' }).click();
  await expect(rows.first()).toContainText('Umbra');
  await expect(page.getByRole('columnheader', { name: 'Company' })).toHaveAttribute('aria-sort', 'descending');
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByText('51–100 of 20,000')).toBeVisible();
  await page.reload();
  await expect(page.getByText('51–100 of 20,000')).toBeVisible({ timeout: 60_000 });
  await expect(rows.first()).toContainText('Umbra');
  await page.screenshot({ path: screenshotPath('people-list'), fullPage: true });
});

test('a person’s page has their emails with statuses, one timeline with human and machine marks, tasks and saved searches', async ({ page }) => {
  test.setTimeout(120_000);
  const rep = newRep('person');
  await signIn(page, rep.token);
  const to = recipient('ana.page');
  // Ana is a person (imported), gets two emails; one is opened.
  await page.getByRole('link', { name: 'Select and Send' }).click();
  await page.getByLabel('Import people from a CSV file').setInputFiles({
    name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(`name,email,company\nAna Page,${to},Acme\n`),
  });
  await expect(page.getByText('1 person imported and selected.')).toBeVisible();
  for (const subject of ['First note to Ana', 'Second note to Ana']) {
    await compose(page, to, subject, 'Hello Ana');
    await page.getByRole('button', { name: 'Send now' }).click();
    await expect(page).toHaveURL(/\/emails\/sent\/delivered$/);
  }
  const messages = await waitForMessages((r) => r === to, 2);
  const first = messages.find((m) => m.raw.includes('First note to Ana'))!;
  const pixel = findUrl(first.raw, `${new URL(page.url()).origin}/t/o/`);
  expect(pixel).toBeTruthy();
  await page.request.get(pixel!, { headers: { 'user-agent': 'Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Safari/605.1.15' } });
  await page.request.get(pixel!, { headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)' } });

  // From the name in a folder's row to the person's page.
  await page.goto('/emails/sent/delivered');
  await page.getByRole('link', { name: 'Ana Page' }).first().click();
  await expect(page).toHaveURL(/\/people\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ana Page');
  await expect(page.locator('.headers')).toContainText('Acme');
  const emails = page.locator('.person-emails tbody tr');
  await expect(emails).toHaveCount(2);
  await expect(emails.filter({ hasText: 'First note to Ana' })).toContainText('Delivered');
  const timeline = page.getByRole('region', { name: 'Engagement' });
  await expect(timeline.locator('li')).toHaveCount(2);
  await expect(timeline.locator('li.machine')).toHaveCount(1);
  await expect(timeline.locator('li:not(.machine)')).toContainText('First note to Ana');

  // A task made from the page is for Ana, and is listed on her page.
  await page.getByRole('link', { name: 'New task' }).click();
  await expect(page.getByLabel('Title')).toHaveValue('Follow up with Ana Page');
  await page.getByRole('button', { name: 'Save task' }).click();
  await page.goBack();
  await expect(page.getByRole('region', { name: 'Tasks' })).toContainText('Follow up with Ana Page');

  // Write to them: compose opens addressed to Ana.
  await page.getByRole('link', { name: 'Write to them' }).click();
  await expect(page.getByLabel('To', { exact: true })).toHaveValue(to);
  await page.goBack();
  await page.screenshot({ path: screenshotPath('person-page'), fullPage: true });
});
