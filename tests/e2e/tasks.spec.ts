// The task flow, end to end: a click makes a follow-up task in one click; a task from an email row; the
// queue walks three tasks from the keyboard and done tasks land in Completed; an edit made offline syncs once.
import { expect, test, type Page } from '@playwright/test';
import { findUrl, newRep, recipient, screenshotPath, signIn, typeLink, underServiceWorker, waitForMessages } from './support/app';

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

async function sendWithLink(page: Page, to: string, subject: string) {
  await page.getByRole('link', { name: 'Compose' }).click();
  await page.getByLabel('To', { exact: true }).fill(to);
  await page.getByLabel('Subject').fill(subject);
  await typeLink(page, 'Our pricing page', 'https://acme.example.com/pricing');
  await page.getByRole('button', { name: 'Send now' }).click();
}

async function newTask(page: Page, type: string, title: string) {
  await page.getByRole('button', { name: 'New task' }).click();
  await page.getByLabel('Type').selectOption({ label: type });
  await page.getByLabel('Title').fill(title);
  await page.getByRole('button', { name: 'Save task' }).click();
  await expect(page.getByRole('button', { name: title })).toBeVisible();
}

test('a click in the live feed becomes a follow-up task in one click', async ({ page, request }) => {
  await signIn(page, newRep('followup').token);
  const to = recipient('ana');
  await sendWithLink(page, to, 'Pricing for you');
  const [message] = await waitForMessages((r) => r === to, 1);
  const base = new URL(page.url()).origin;
  await request.get(findUrl(message.raw, `${base}/t/c/`)!, { headers: { 'User-Agent': BROWSER_UA }, maxRedirects: 0 });
  const feed = page.getByRole('complementary', { name: 'Live feed' });
  const item = feed.locator('li', { hasText: 'clicked https://acme.example.com/pricing' });
  await expect(item).toBeVisible({ timeout: 10_000 });
  await item.getByRole('button', { name: /^Follow up: create the task “Call .*: clicked acme\.example\.com\/pricing”$/ }).click();
  await expect(page.getByText(/Task created: Call .*: clicked acme\.example\.com\/pricing/)).toBeVisible();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
  const today = page.locator('[data-column=today]');
  await expect(today.getByRole('button', { name: /^Call .*: clicked acme\.example\.com\/pricing$/ })).toBeVisible();
  await expect(today.locator('.priority')).toHaveText('High');
  await expect(today.getByRole('link', { name: 'Linked email' })).toBeVisible();
});

test('Create task on an email row links the task to the email and its person', async ({ page }) => {
  await signIn(page, newRep('rowtask').token);
  const to = recipient('bo');
  await sendWithLink(page, to, 'Contract draft');
  const row = page.getByRole('row', { name: /Contract draft/ });
  await expect(row).toBeVisible();
  await row.getByRole('button', { name: 'Create task' }).click();
  await expect(page).toHaveURL(/\/tasks\?new=1&email=/);
  await expect(page.getByLabel('Title')).toHaveValue(/Follow up with .*: Contract draft/);
  await page.getByRole('button', { name: 'Save task' }).click();
  const card = page.locator('.card', { hasText: 'Contract draft' });
  await expect(card).toBeVisible();
  await card.getByRole('link', { name: 'Linked email' }).click();
  await expect(page.getByRole('heading', { name: 'Contract draft' })).toBeVisible();
});

test('the queue walks three tasks by keyboard, and done tasks land in Completed', async ({ page }) => {
  await signIn(page, newRep('queue').token);
  await page.goto('/tasks');
  await newTask(page, 'Call', 'Call Carla about the renewal');
  await newTask(page, 'Email', 'Email Dan the case study');
  await newTask(page, 'LinkedIn', 'Connect with Eve');
  await expect(page.locator('[data-column=today] .card')).toHaveCount(3);
  // Three saves in a row say so once, not in a stack of three.
  await expect(page.locator('.notice', { hasText: 'Task saved.' })).toHaveCount(1);
  await page.screenshot({ path: screenshotPath('task-board'), fullPage: true });
  await page.getByRole('button', { name: 'Start tasks (3 due)' }).click();
  await expect(page).toHaveURL(/\/tasks\/queue$/);
  await expect(page.getByText('Task 1 of 3')).toBeVisible();
  await expect(page.getByText('Keys: D done')).toBeVisible();
  await page.screenshot({ path: screenshotPath('task-queue'), fullPage: true });
  const first = await page.locator('#queue-task-title').innerText();
  await page.keyboard.press('d');
  await expect(page.getByText('Task 2 of 3')).toBeVisible();
  const second = await page.locator('#queue-task-title').innerText();
  expect(second).not.toBe(first);
  await page.keyboard.press('s');
  await expect(page.getByText('Task 3 of 3')).toBeVisible();
  await page.keyboard.press('d');
  await expect(page.getByText('2 done, 1 skipped, 0 snoozed')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page).toHaveURL(/\/tasks$/);
  await expect(page.locator('[data-column=completed] .card')).toHaveCount(3);
  await expect(page.locator('[data-column=today] .card')).toHaveCount(0);
});

test('a task edited offline syncs once when the network comes back', async ({ page, context, request }) => {
  const rep = newRep('offtask');
  await signIn(page, rep.token);
  await page.goto('/tasks');
  await newTask(page, 'Call', 'Call Fay from the train');
  await expect(page.getByTestId('sync-status')).toHaveText('Synced', { timeout: 10_000 });
  const base = new URL(page.url()).origin;
  const feed = async (since: number) =>
    (await (await request.get(`${base}/api/v1/changes?since=${since}&limit=1000`, { headers: { Authorization: `Bearer ${rep.token}` } })).json()) as {
      changes: { seq: number; record: { type: string; task?: { title: string; status: string } } }[];
      next: number;
    };
  const cursor = (await feed(0)).next;

  await underServiceWorker(page);
  await context.setOffline(true);
  await page.locator('.card', { hasText: 'Call Fay from the train' }).getByRole('button', { name: 'Done' }).click();
  await expect(page.locator('[data-column=completed] .card', { hasText: 'Call Fay' })).toBeVisible();
  await page.reload();
  await expect(page.locator('[data-column=completed] .card', { hasText: 'Call Fay' })).toBeVisible();
  await expect(page.getByTestId('sync-status')).toContainText('1 change waiting');
  await context.setOffline(false);
  await expect(page.getByTestId('sync-status')).toHaveText('Synced', { timeout: 20_000 });
  const after = (await feed(cursor)).changes.filter((c) => c.record.type === 'task' && c.record.task?.title === 'Call Fay from the train');
  expect(after.length, 'the offline edit reached the endpoint once').toBe(1);
  expect(after[0].record.task!.status).toBe('done');
});
