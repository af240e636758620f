import { expect, test } from '@playwright/test';

test('the app shell opens from the endpoint with its navigation and the three email tabs', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/emails\/sent\/delivered$/);
  await expect(page).toHaveTitle('Command Center');

  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of ['Emails', 'Tasks', 'Search']) {
    await expect(nav.getByRole('link', { name })).toBeVisible();
  }

  const tabs = page.getByRole('tablist', { name: 'Email status' });
  for (const name of ['Sent', 'Pending', 'Undelivered']) {
    await expect(tabs.getByRole('tab', { name: new RegExp(`^${name}\\b`) })).toBeVisible();
  }
  await expect(tabs.getByRole('tab', { name: /^Sent\b/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tab', { name: /^Delivered\b/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel')).toContainText('No emails in Delivered.');
  await page.screenshot({ path: 'artifacts/screenshots/shell-sent-delivered.png', fullPage: true });
});

test('a tab click moves to its folder and the deep link survives a reload', async ({ page }) => {
  await page.goto('/emails');
  await page.getByRole('tab', { name: /^Pending\b/ }).click();
  await expect(page).toHaveURL(/\/emails\/pending\/scheduled$/);
  await page.getByRole('tab', { name: /^In progress\b/ }).click();
  await expect(page).toHaveURL(/\/emails\/pending\/in-progress$/);
  await page.reload();
  await expect(page.getByRole('tab', { name: /^In progress\b/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel')).toContainText('No emails in In progress.');

  await page.goto('/emails/undelivered/bounced');
  await expect(page.getByRole('tab', { name: /^Undelivered\b/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tab', { name: /^Bounced\b/ })).toHaveAttribute('aria-selected', 'true');
  await page.goBack();
  await expect(page).toHaveURL(/\/emails\/pending\/in-progress$/);
});

test('a link that names no folder says so', async ({ page }) => {
  await page.goto('/emails/sent/nowhere');
  await expect(page.getByRole('heading', { name: 'No such folder' })).toBeVisible();
});
