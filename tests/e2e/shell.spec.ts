import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { newRep, screenshotPath, signIn, underServiceWorker } from './support/app';

test('signing in needs a token the endpoint accepts, and says so when it does not', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Token').fill('cc_not-a-real-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('did not accept this token');
  await page.screenshot({ path: screenshotPath('sign-in'), fullPage: true });
  const rep = newRep('shell');
  await page.getByLabel('Token').fill(rep.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/emails\/sent\/delivered$/);
  // The session is kept: a reload opens the command center again.
  await page.reload();
  await expect(page.getByRole('tablist', { name: 'Email status' })).toBeVisible();
});

test('the app shell has its navigation and the three email tabs with counts', async ({ page }) => {
  await signIn(page, newRep('shell').token);
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
  await expect(page.getByRole('tab', { name: /^Delivered 0$/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('tabpanel')).toContainText('No emails in Delivered.');
  await expect(page.getByTestId('sync-status')).toHaveText('Synced');
  await page.screenshot({ path: screenshotPath('shell-sent-delivered'), fullPage: true });
});

test('a tab click moves to its folder, arrow keys move between tabs, and the deep link survives a reload', async ({ page }) => {
  await signIn(page, newRep('shell').token);
  await page.getByRole('tab', { name: /^Pending\b/ }).click();
  await expect(page).toHaveURL(/\/emails\/pending\/scheduled$/);
  await page.getByRole('tab', { name: /^Scheduled\b/ }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: /^Draft\b/ })).toBeFocused();
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
  await page.goto('/emails/sent/nowhere');
  await expect(page.getByRole('heading', { name: 'No such folder' })).toBeVisible();
});

test('the language follows the settings and stays after a reload', async ({ page }) => {
  await signIn(page, newRep('lang').token);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Language').focus();
  await page.getByLabel('Language').selectOption('pt-BR');
  await expect(page.getByRole('heading', { name: 'Configurações' })).toBeVisible();
  // Every word on screen changes at once, the header's and the live feed's too, and the picker keeps the focus.
  await expect(page.getByRole('navigation').getByRole('link', { name: 'Tarefas' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Feed ao vivo' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Settings' })).toHaveCount(0);
  await expect(page.getByLabel('Idioma')).toBeFocused();
  await page.getByRole('navigation').getByRole('link').first().click();
  await expect(page.getByRole('tab', { name: /^Enviado\b/ })).toBeVisible();
  await page.reload();
  await expect(page.getByRole('tab', { name: /^Enviado\b/ })).toBeVisible();
  await page.screenshot({ path: screenshotPath('shell-pt-BR'), fullPage: true });
  await page.goto('/settings');
  await page.getByLabel('Idioma').selectOption('it');
  await expect(page.getByRole('heading', { name: 'Impostazioni' })).toBeVisible();
  await page.getByLabel('Lingua').selectOption('en');
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
});

test('the service worker caches what the page loads, drops an earlier build and refreshes unhashed files', async ({ page, context }) => {
  await signIn(page, newRep('worker').token);
  await underServiceWorker(page);
  // An earlier build's module, and a stale copy of the sanitiser, as an earlier visit would have left them.
  const oldModule = '/command-center-0123456789abcdef_bg.wasm';
  await page.evaluate(async (oldModule) => {
    const assets = await caches.open('cc-assets-v1');
    await assets.put(oldModule, new Response('an earlier build'));
    await assets.put('/purify.min.js', new Response('a stale copy'));
  }, oldModule);

  await page.reload();
  await expect(page.getByRole('tablist', { name: 'Email status' })).toBeVisible();
  const cached = () =>
    page.evaluate(async () => (await (await caches.open('cc-assets-v1')).keys()).map((r) => new URL(r.url).pathname));
  await expect.poll(cached).not.toContain(oldModule);
  // Every file the page loads is kept, this build's module included.
  const module = await page.evaluate(
    () => new URL((document.querySelector('link[href$="_bg.wasm"]') as HTMLLinkElement).href).pathname,
  );
  await expect.poll(cached).toContain(module);
  // The sanitiser comes from the network while it answers, so an update reaches the rep ...
  const sanitiser = () => page.evaluate(async () => (await fetch('/purify.min.js')).text());
  expect(await sanitiser()).toContain('DOMPurify');
  // ... and from the cache without it.
  await context.setOffline(true);
  expect(await sanitiser()).toContain('DOMPurify');
  await context.setOffline(false);
});

test('a newer release opened in another tab is never kept waiting: this tab lets go of the cache and asks for a reload', async ({ page, context }) => {
  await signIn(page, newRep('upgrade').token);
  await expect(page.getByTestId('sync-status')).toHaveText('Synced');
  // The other tab opens the cache at the next schema version, as a newer release of the app would.
  const other = await context.newPage();
  await other.goto('/robots.txt');
  const upgraded = await other.evaluate(() => new Promise<string>((resolve) => {
    setTimeout(() => resolve('still waiting for the first tab'), 10_000);
    const probe = indexedDB.open('command-center');
    probe.onsuccess = () => {
      const version = probe.result.version;
      probe.result.close();
      const next = indexedDB.open('command-center', version + 1);
      next.onsuccess = () => { next.result.close(); resolve('upgraded'); };
      next.onerror = () => resolve(`error: ${next.error}`);
    };
  }));
  expect(upgraded).toBe('upgraded');
  const banner = page.getByRole('alert').filter({ hasText: 'Command Center was updated in another tab. Reload this one to go on' });
  await expect(banner).toBeVisible();
  // It stays until the rep acts on it (a notice would go by itself), and the button reloads the tab.
  await page.waitForTimeout(13_000);
  await expect(banner).toBeVisible();
  const reloaded = page.waitForEvent('load');
  await page.getByRole('button', { name: 'Reload now' }).click();
  await reloaded;
  await expect(banner).toHaveCount(0);
  // This build is older than the cache now (no newer release is served here): it says so, not that the
  // browser refused the cache.
  await expect(page.getByText('A newer version of Command Center, open in another tab, has updated the local cache.')).toBeVisible();
  await expect(page.getByText('Private windows')).toHaveCount(0);
});

test('Chromium finds the app installable: PNG icons of 192 and 512 (and a maskable one), and Compose and Tasks as shortcuts', async ({ playwright, baseURL }) => {
  // A browser profile on disk, as a rep's is: Chromium offers no installation in a private window.
  const profile = mkdtempSync(join(tmpdir(), 'cc-install-'));
  const context = await playwright.chromium.launchPersistentContext(profile, {
    ...test.info().project.use.launchOptions,
    baseURL,
    serviceWorkers: 'allow',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await signIn(page, newRep('install').token);
  const cdp = await page.context().newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  expect(installabilityErrors).toEqual([]);
  const manifest = await cdp.send('Page.getAppManifest');
  writeFileSync(
    screenshotPath('installability').replace(/\.png$/, '.json'),
    JSON.stringify({ installabilityErrors, manifestErrors: manifest.errors, manifest: JSON.parse(manifest.data ?? '{}') }, null, 2),
  );
  expect(manifest.errors).toEqual([]);
  const parsed = JSON.parse(manifest.data ?? '{}');
  expect(parsed.shortcuts.map((s: { name: string; url: string }) => [s.name, s.url])).toEqual([
    ['Compose', '/compose'],
    ['Tasks', '/tasks'],
  ]);
  // Each PNG is served as one, at the size the manifest says (read from the image itself).
  const pngs = parsed.icons.filter((i: { type: string }) => i.type === 'image/png');
  expect(pngs.map((i: { sizes: string; purpose: string }) => `${i.sizes} ${i.purpose}`)).toEqual([
    '192x192 any',
    '512x512 any',
    '512x512 maskable',
  ]);
  for (const icon of [...pngs, ...parsed.shortcuts.flatMap((s: { icons: object[] }) => s.icons)]) {
    const answer = await page.request.get(icon.src);
    expect(answer.headers()['content-type']).toBe('image/png');
    const bytes = await answer.body();
    const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
    expect(`${width}x${height}`).toBe(icon.sizes);
  }
  // Each shortcut opens its screen.
  await page.goto('/compose');
  await expect(page.getByRole('heading', { level: 1 })).toContainText(/compose|new email/i);
  await page.goto('/tasks');
  await expect(page.getByRole('heading', { level: 1 })).toContainText(/tasks/i);
  await context.close();
  rmSync(profile, { recursive: true, force: true });
});
