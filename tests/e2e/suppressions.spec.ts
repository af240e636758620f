// The suppression list, end to end: a hard bounce from the real SMTP server suppresses the address; Settings
// lists it with why, since when and from which email; compose refuses it with that reason before anything is
// queued, online and offline (from the copy in the cache); once lifted, the rep can write to it again.
import { expect, test } from '@playwright/test';
import { compose, newRep, recipient, screenshotPath, signIn, underServiceWorker } from './support/app';

test('a hard bounce suppresses the address: listed in Settings with why, refused at compose online and offline, sent again once lifted', async ({ page, context }) => {
  test.setTimeout(90_000);
  await signIn(page, newRep('suppress').token);
  await underServiceWorker(page);
  const to = recipient('reject-sam');
  await compose(page, to, 'First try', 'Hello Sam.');
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(page.getByRole('tab', { name: /^Undelivered 1$/ })).toBeVisible({ timeout: 20_000 });

  // Settings lists it: why, since when, from which email.
  await page.getByRole('link', { name: 'Settings' }).click();
  const section = page.getByRole('region', { name: 'Addresses you no longer send to' });
  const row = section.getByRole('listitem').filter({ hasText: to });
  await expect(row).toContainText('hard bounce: the address does not exist (5.1.1)');
  await expect(row).toContainText('since ');
  await expect(row.getByRole('link', { name: 'the email' })).toHaveAttribute('href', /^\/email\/[0-9a-f-]{36}$/);
  await page.screenshot({ path: screenshotPath('suppressions'), fullPage: true });

  // Compose refuses it beside To, with the reason; nothing is queued and what was written stays.
  const refused = async () => {
    await compose(page, to, 'Second try', 'Hello again, Sam.');
    await page.getByRole('button', { name: 'Send now' }).click();
    const field = page.getByLabel('To', { exact: true });
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAccessibleDescription(
      new RegExp(`^${to.replace(/[.+]/g, '\\$&')} is suppressed \\(hard bounce: the address does not exist \\(5\\.1\\.1\\), since .+\\): this email is not sent\\.`),
    );
    await expect(page.getByRole('textbox', { name: 'Message' })).toContainText('Hello again, Sam.');
    await expect(page.getByRole('heading', { name: 'New email' })).toBeVisible();
  };
  await refused();
  await page.goto('/emails/pending/scheduled');
  await expect(page.getByRole('tab', { name: /^Pending 0$/ })).toBeVisible();
  await expect(page.getByRole('tab', { name: /^Undelivered 1$/ })).toBeVisible();

  // Offline, after a reload: the list kept in the cache refuses it the same.
  await context.setOffline(true);
  await page.reload();
  await refused();
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(section.getByRole('listitem').filter({ hasText: to })).toBeVisible();
  await section.getByRole('listitem').filter({ hasText: to }).getByRole('button', { name: 'Lift' }).click();
  await expect(section.getByRole('alert')).toHaveText('Lifting needs a connection to the endpoint.');
  await expect(section.getByRole('listitem').filter({ hasText: to })).toBeVisible();

  // Lifted online: gone from the list, and compose sends to it again.
  await context.setOffline(false);
  await section.getByRole('listitem').filter({ hasText: to }).getByRole('button', { name: 'Lift' }).click();
  await expect(page.getByText(`${to} can be written to again.`)).toBeVisible();
  await expect(section.getByRole('listitem').filter({ hasText: to })).toHaveCount(0);
  await compose(page, to, 'Third try', 'Hello once more.');
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(page.getByRole('tab', { name: /^Undelivered 2$/ })).toBeVisible({ timeout: 20_000 });
});
