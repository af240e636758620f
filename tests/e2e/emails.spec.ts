// The flows a rep does with emails, against the release build served by the real endpoint, with aiosmtpd as
// the SMTP server: compose and send, schedule, a bounce, opens and clicks (human and scanner), offline
// compose, and a bulk send to imported people.
import { expect, test } from '@playwright/test';
import { compose, findUrl, header, newRep, renewToken, recipient, screenshotPath, signIn, underServiceWorker, waitForKept, waitForMessages } from './support/app';

const BROWSER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

test('compose and send: the SMTP server receives it and it appears under Sent › Delivered', async ({ page }) => {
  await signIn(page, newRep('send').token);
  const to = recipient('ana');
  await compose(page, to, 'Pricing for Acme', 'Hi Ana, here is our pricing.');
  await page.keyboard.press('Enter');
  await page.keyboard.type('Best, Rep');
  await page.screenshot({ path: screenshotPath('compose'), fullPage: true });
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(page).toHaveURL(/\/emails\/sent\/delivered$/);

  const [message] = await waitForMessages((r) => r === to, 1);
  expect(message, 'the SMTP server received the email').toBeTruthy();
  expect(header(message.raw, 'Subject')).toBe('Pricing for Acme');
  expect(message.raw).toContain('Hi Ana, here is our pricing.');
  // The plain-text part keeps the rep's lines apart.
  expect(message.raw).toMatch(/here is our pricing\.\r?\n(\r?\n)?Best, Rep/);

  const row = page.getByRole('row', { name: new RegExp(to.replace(/[.+]/g, '\\$&')) });
  await expect(row).toBeVisible();
  await expect(row).toContainText('Pricing for Acme');
  await expect(page.getByRole('tab', { name: /^Delivered 1$/ })).toBeVisible();
  await expect(page.getByTestId('sync-status')).toHaveText('Synced');
  await page.screenshot({ path: screenshotPath('sent-delivered'), fullPage: true });

  // After a reload the rows come from the page index.html read from the cache while the app loaded.
  await page.reload();
  await expect(row).toContainText('Pricing for Acme');
  expect(await page.evaluate(() => performance.getEntriesByName('cc-first-page-early').length)).toBe(1);
});

/** Notes, from the page's first moment, what the screen kept from the last visit showed (its text, whether it
 * was inert) if it was shown at all. */
const KEPT_SCREEN_WATCH = `(() => {
  const observer = new MutationObserver(() => {
    const kept = document.getElementById('cc-last-screen');
    if (kept && !window.__kept) {
      window.__kept = {
        text: kept.textContent,
        inert: kept.inert,
        hidden: kept.getAttribute('aria-hidden'),
        selected: kept.querySelectorAll('.selected').length,
      };
      observer.disconnect();
    }
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;

test('a reload starts on the screen of the last visit until the app’s own replaces it, never on a stale one', async ({ page, context }) => {
  const rep = newRep('kept');
  await signIn(page, rep.token);
  await context.addInitScript(KEPT_SCREEN_WATCH);
  const to = recipient('kim');
  await compose(page, to, 'Kept for the next visit', 'Hi Kim.');
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(page.getByRole('tab', { name: /^Delivered 1$/ })).toBeVisible();
  await expect(page.getByTestId('sync-status')).toHaveText('Synced');

  // The reload shows the kept screen at once: the same row, inert, then the app's own, which answers clicks.
  // A selection is not kept: the reload starts with nothing selected.
  const row = page.getByRole('row', { name: /Kept for the next visit/ });
  await row.getByRole('checkbox').check();
  await expect(row).toHaveClass(/selected/);
  await page.reload();
  await expect(row).toBeVisible();
  await expect(page.locator('#cc-last-screen')).toHaveCount(0);
  const kept = await page.evaluate(() => (window as any).__kept);
  expect(kept, 'the kept screen was shown').toBeTruthy();
  expect(kept.text).toContain('Kept for the next visit');
  expect(kept.inert).toBe(true);
  expect(kept.hidden).toBe('true');
  expect(kept.selected).toBe(0);
  await expect(row).not.toHaveClass(/selected/);
  await row.getByRole('link', { name: 'Kept for the next visit' }).click();
  await expect(page).toHaveURL(/\/email\/[^/]+$/);
  await page.goBack();
  await expect(row).toBeVisible();

  // A change made in another tab while this one is away: the kept screen would be stale, so it is not shown,
  // and the app's screen has the change.
  await page.goto('/tasks');
  const other = await context.newPage();
  await other.goto('/emails/pending/draft');
  await compose(other, recipient('lea'), 'Written in another tab', 'Hi Lea.');
  await other.getByRole('button', { name: 'Save draft' }).click();
  await expect(other.getByRole('tab', { name: /^Draft 1$/ })).toBeVisible();
  await other.close();
  await page.goto('/emails/sent/delivered');
  await expect(page.getByRole('tab', { name: /^Pending 1$/ })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__kept), 'no kept screen from before the change').toBeFalsy();

  // Signing out removes it with the rest of this device's data.
  await page.goto('/emails/sent/delivered');
  await expect(row).toBeVisible();
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Sign out and clear this device' }).click();
  await expect(page.getByLabel('Token')).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem('cc-last-screen'))).toBeNull();
  await page.goto('/emails/sent/delivered');
  await expect(page.getByLabel('Token')).toBeVisible();
  expect(await page.evaluate(() => (window as any).__kept)).toBeFalsy();
});

test('what is typed is kept for its own email: one person’s text never fills another’s, and an edit survives a reload', async ({ page }) => {
  await signIn(page, newRep('drafts').token);
  const ana = recipient('ana');
  const bo = recipient('bo');
  const editor = page.getByRole('textbox', { name: 'Message' });
  await page.goto(`/compose?to=${encodeURIComponent(ana)}`);
  await expect(page.getByLabel('To', { exact: true })).toHaveValue(ana);
  await page.getByLabel('Subject').fill('Only for Ana');
  await editor.click();
  await editor.pressSequentially('Ana, about your renewal.');
  await waitForKept(page, `compose:to:${ana}`, 'Ana, about your renewal.');
  // An email to Bo starts empty, addressed to Bo.
  await page.goto(`/compose?to=${encodeURIComponent(bo)}`);
  await expect(page.getByLabel('To', { exact: true })).toHaveValue(bo);
  await expect(page.getByLabel('Subject')).toHaveValue('');
  await expect(editor).not.toContainText('renewal');
  // Back to Ana: her text is as it was left.
  await page.goto(`/compose?to=${encodeURIComponent(ana)}`);
  await expect(page.getByLabel('Subject')).toHaveValue('Only for Ana');
  await expect(editor).toContainText('Ana, about your renewal.');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByRole('tab', { name: /^Draft 1$/ })).toBeVisible();

  // Editing the saved draft: a reload in the middle keeps the change.
  await page.getByRole('row', { name: /Only for Ana/ }).getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByLabel('Subject')).toHaveValue('Only for Ana');
  await page.getByLabel('Subject').fill('Only for Ana, revised');
  await waitForKept(page, `compose:${new URL(page.url()).pathname.split('/').pop()}`, 'Only for Ana, revised');
  await page.reload();
  await expect(page.getByLabel('Subject')).toHaveValue('Only for Ana, revised');
  // Cancel drops the unsaved change; the draft is as it was saved.
  await page.getByRole('link', { name: 'Cancel' }).click();
  await page.goto('/emails/pending/draft');
  await expect(page.getByRole('row', { name: /Only for Ana/ })).toBeVisible();
  await page.getByRole('row', { name: /Only for Ana/ }).getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByLabel('Subject')).toHaveValue('Only for Ana');
});

test('a token the endpoint stops taking is replaced in Settings, and the email written meanwhile goes out once', async ({ page }) => {
  const rep = newRep('renew');
  await signIn(page, rep.token);
  const fresh = renewToken(rep.email);
  const to = recipient('noa');
  await compose(page, to, 'Written with an old token', 'Hi Noa.');
  await page.getByRole('button', { name: 'Send now' }).click();
  // Where it lands depends on whether sync has already met the refused token (then it waits in Pending).
  await expect(page.getByRole('heading', { name: 'New email' })).toHaveCount(0);
  await page.goto('/settings');
  await expect(page.getByText('no longer accepts this device’s token')).toBeVisible();
  // Another rep's token is refused: it would mix two people's work.
  await page.getByLabel('New token').fill(newRep('someone-else').token);
  await page.getByRole('button', { name: 'Use this token' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'This token is for' })).toContainText(rep.email);
  await page.getByLabel('New token').fill(fresh);
  await page.getByRole('button', { name: 'Use this token' }).click();
  await expect(page.getByText('no longer accepts this device’s token')).toHaveCount(0);
  await expect(page.getByTestId('sync-status')).toHaveText('Synced');
  expect(await waitForMessages((r) => r === to, 1)).toHaveLength(1);
  await page.goto('/emails/sent/delivered');
  await expect(page.getByRole('row', { name: /Written with an old token/ })).toBeVisible();
  // Still signed in after a reload, with the new token.
  await page.reload();
  await expect(page.getByTestId('sync-status')).toHaveText('Synced');
});

test('an unreadable record in the cache is skipped and said so, and the rest still shows', async ({ page }) => {
  await signIn(page, newRep('corrupt').token);
  const to = recipient('uma');
  await compose(page, to, 'Still readable', 'Hi Uma.');
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(page.getByRole('row', { name: /Still readable/ })).toBeVisible();
  await expect(page.getByTestId('sync-status')).toHaveText('Synced');
  // A copy of the email, filed in the same folder, whose JSON is cut short (as a crash mid-write or a
  // bad extension could leave it), and a person and a task as broken: each is said once, however many
  // screens come across it.
  await page.evaluate(() => new Promise<void>((resolve, reject) => {
    const open = indexedDB.open('command-center');
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(['emails', 'people', 'tasks'], 'readwrite');
      const emails = tx.objectStore('emails');
      const first = emails.openCursor();
      first.onsuccess = () => {
        if (first.result) emails.put({ ...first.result.value, j: '{"id": "cut sho' }, 'unreadable-record');
      };
      tx.objectStore('people').put({ j: '{"id": "cut' }, 'unreadable-person');
      tx.objectStore('tasks').put({ j: '[]' }, 'unreadable-task');
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
  }));
  await page.reload();
  await expect(page.getByRole('row', { name: /Still readable/ })).toBeVisible();
  await expect(page.getByTestId('sync-status')).toHaveText('Synced');
  await page.getByTestId('sync-status').click();
  const said = page.getByText('3 records in the local cache could not be read and were skipped.');
  await expect(said).toBeVisible();
  // Still said after a sync round reports its own figures.
  const pulled = page.waitForResponse((r) => r.url().includes('/api/v1/changes?'));
  await page.getByRole('button', { name: 'Retry now' }).click();
  await pulled;
  await expect(page.getByTestId('sync-status')).toHaveText('Synced');
  await expect(said).toBeVisible();
});

test('a bad address is refused with a clear message and nothing is lost', async ({ page }) => {
  await signIn(page, newRep('invalid').token);
  await compose(page, 'ana@acme', 'Hello', 'Keep this text.');
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(page.getByText('has no domain with a dot')).toBeVisible();
  await expect(page.getByLabel('To', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Cc').fill('bo@acme.example.com, not an address');
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(page.getByText('“not” is not an email address')).toBeVisible();
  // Too many cc: said beside Cc, not elsewhere.
  const many = Array.from({ length: 51 }, (_, i) => `cc${i}@acme.example.com`).join(', ');
  await page.getByLabel('To', { exact: true }).fill('ana@acme.example.com');
  await page.getByLabel('Cc').fill(many);
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(page.getByLabel('Cc')).toHaveAccessibleDescription('An email can have at most 50 cc addresses.');
  await expect(page.getByLabel('Subject')).not.toHaveAttribute('aria-invalid', 'true');
  await page.getByLabel('Cc').fill('');
  await expect(page.getByRole('textbox', { name: 'Message' })).toContainText('Keep this text.');
  // What was typed survives a reload.
  await page.reload();
  await expect(page.getByLabel('Subject')).toHaveValue('Hello');
  await expect(page.getByRole('textbox', { name: 'Message' })).toContainText('Keep this text.');
});

test('schedule: the email waits in Pending › Scheduled, then is delivered after its time', async ({ page }) => {
  test.setTimeout(180_000);
  await signIn(page, newRep('schedule').token);
  const to = recipient('carla');
  await compose(page, to, 'Next week', 'Talk soon.');
  // A whole minute 30 to 90 seconds ahead (the minute of now + 90 s), picked in São Paulo's time zone: far
  // enough that nothing can go out while the test looks, whatever the second it starts at.
  const at = new Date(Date.now() + 90_000);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: 'America/Sao_Paulo', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  await page.getByRole('button', { name: 'Schedule…' }).click();
  await page.getByLabel('Date').fill(`${parts.year}-${parts.month}-${parts.day}`);
  await page.getByLabel('Time', { exact: true }).fill(`${parts.hour}:${parts.minute}`);
  await page.getByLabel('Time zone').selectOption('America/Sao_Paulo');
  await page.getByRole('button', { name: 'Schedule', exact: true }).click();
  await expect(page).toHaveURL(/\/emails\/pending\/scheduled$/);
  const row = page.getByRole('row', { name: /Next week/ });
  await expect(row).toBeVisible();
  await expect(page.getByRole('tab', { name: /^Scheduled 1$/ })).toBeVisible();
  await page.screenshot({ path: screenshotPath('pending-scheduled'), fullPage: true });
  expect((await waitForMessages((r) => r === to, 1, 1000)).length, 'nothing goes out before its time').toBe(0);

  const [message] = await waitForMessages((r) => r === to, 1, 150_000);
  expect(message).toBeTruthy();
  await expect(page.getByRole('tab', { name: /^Scheduled 0$/ })).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: /^Sent\b/ }).click();
  await expect(page.getByRole('row', { name: /Next week/ })).toBeVisible();
});

test('an address the SMTP server rejects lands in Undelivered › Bounced with the server’s reason', async ({ page }) => {
  await signIn(page, newRep('bounce').token);
  const to = recipient('reject-dan');
  await compose(page, to, 'Quick question', 'Are you the right person?');
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(page.getByRole('tab', { name: /^Undelivered 1$/ })).toBeVisible({ timeout: 20_000 });
  await page.getByRole('tab', { name: /^Undelivered\b/ }).click();
  await page.getByRole('tab', { name: /^Bounced\b/ }).click();
  await expect(page).toHaveURL(/\/emails\/undelivered\/bounced$/);
  await page.getByRole('tabpanel').getByRole('link', { name: 'Quick question', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Quick question' })).toBeVisible();
  await expect(page.getByText('User unknown').first()).toBeVisible();
  // Why, in words, beside the server's own diagnostic.
  const timeline = page.getByRole('region', { name: /Timeline for/ });
  await expect(timeline.getByText('Bounced (the address does not exist)', { exact: true })).toBeVisible();
  await expect(timeline).toContainText('hard bounce · 550 5.1.1');
  await expect(page.getByRole('button', { name: 'Retry send' })).toBeVisible();
  await page.screenshot({ path: screenshotPath('email-bounced'), fullPage: true });
});

test('opening the pixel and a link of the received message shows 1 view and 1 click, live; a scanner’s click is raw only', async ({ page, request }) => {
  await signIn(page, newRep('track').token);
  const to = recipient('eve');
  await compose(page, to, 'Our pricing', 'See the pricing page');
  const editor = page.getByRole('textbox', { name: 'Message' });
  await editor.press('Control+A');
  page.once('dialog', (dialog) => dialog.accept('https://acme.example.com/pricing'));
  await page.getByRole('button', { name: 'Link' }).click();
  await page.getByRole('button', { name: 'Send now' }).click();
  const [message] = await waitForMessages((r) => r === to, 1);
  expect(message).toBeTruthy();
  const base = new URL(page.url()).origin;
  const pixel = findUrl(message.raw, `${base}/t/o/`);
  const click = findUrl(message.raw, `${base}/t/c/`);
  expect(pixel && click, 'the message has the open pixel and a tracked link').toBeTruthy();

  await expect(page.getByRole('row', { name: /Our pricing/ })).toBeVisible();
  expect((await request.get(pixel!, { headers: { 'User-Agent': BROWSER_UA } })).status()).toBe(200);
  const followed = await request.get(click!, { headers: { 'User-Agent': BROWSER_UA }, maxRedirects: 0 });
  expect(followed.status()).toBe(303);
  expect(followed.headers()['location']).toBe('https://acme.example.com/pricing');
  // A mail security scanner follows the same link: recorded, but not as a person.
  await request.get(click!, { headers: { 'User-Agent': 'Barracuda Sentinel (EE)' }, maxRedirects: 0 });

  const row = page.getByRole('row', { name: /Our pricing/ });
  await expect(row).toContainText('1 view', { timeout: 5_000 });
  await expect(row).toContainText('1 click');
  // Every recorded view and click, in words: one view is "1 view", never "1 views".
  await expect(row.locator('td.engagement')).toHaveAttribute('title', /: 1 view \(1 human\), 2 clicks \(1 human\)$/);
  const feed = page.getByRole('complementary', { name: 'Live feed' });
  await expect(feed).toContainText('viewed');
  await expect(feed).toContainText('clicked https://acme.example.com/pricing');
  await expect(feed.locator('.mark', { hasText: 'machine' })).toHaveCount(1);
  await page.screenshot({ path: screenshotPath('live-feed'), fullPage: true });

  await page.getByRole('tabpanel').getByRole('link', { name: 'Our pricing', exact: true }).click();
  const timeline = page.getByRole('region', { name: /Timeline for/ });
  await expect(timeline).toContainText('security scanner');
  await expect(timeline.getByText('Clicked https://acme.example.com/pricing', { exact: true })).toHaveCount(2);
  await expect(timeline.getByText('Viewed', { exact: true })).toHaveCount(1);
  await expect(page.locator('.raw')).toHaveText('Every recorded view and click: 1 view (1 human), 2 clicks (1 human)');
  await page.screenshot({ path: screenshotPath('email-timeline'), fullPage: true });

  // A link in the body opens in a tab of its own, never inside the small frame (the page is answered
  // here: no request leaves the machine).
  await page.context().route('https://acme.example.com/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Pricing</title>' }));
  const popup = page.waitForEvent('popup');
  await page.frameLocator('iframe.body-frame').getByRole('link', { name: 'See the pricing page' }).click();
  expect((await popup).url()).toBe('https://acme.example.com/pricing');
  await expect(page.frameLocator('iframe.body-frame').getByRole('link', { name: 'See the pricing page' })).toBeVisible();
});

test('offline Send now: compose lands where the email waits, which says “Waiting to send — offline”, and it moves to Sent by itself once online', async ({ page, context }) => {
  await signIn(page, newRep('waiting').token);
  await underServiceWorker(page);
  await context.setOffline(true);
  const to = recipient('wes');
  await compose(page, to, 'Written on the train', 'Hi Wes.');
  await page.getByRole('button', { name: 'Send now' }).click();
  // Where the email is: Pending › Scheduled, said to be waiting to send, not scheduled for a time.
  await expect(page).toHaveURL(/\/emails\/pending\/scheduled$/);
  await expect(page.getByText('Waiting to send: it goes out when this device is back online.')).toBeVisible();
  const row = page.getByRole('row', { name: /Written on the train/ });
  await expect(row.locator('.status')).toHaveText('Waiting to send — offline');
  await expect(row).not.toContainText('Scheduled');
  await expect(row.locator('td.date')).toHaveText('');
  await expect(row.getByRole('button', { name: 'Send now' })).toHaveCount(0);
  await expect(row.getByRole('button', { name: 'Unschedule' })).toHaveCount(0);
  await expect(row.getByRole('button', { name: 'Stop sending' })).toBeVisible();
  // Its own page tells the same.
  await row.getByRole('link', { name: 'Written on the train' }).click();
  const headers = page.locator('dl.headers');
  await expect(headers).toContainText('Waiting to send — offline');
  await expect(headers).not.toContainText('Scheduled');
  await expect(page.getByRole('button', { name: 'Send now' })).toHaveCount(0);
  await page.goBack();
  await expect(row).toBeVisible();
  expect((await waitForMessages((r) => r === to, 1, 1000)).length, 'nothing goes out offline').toBe(0);

  // Online: it goes out once, and leaves Pending for Sent › Delivered with nothing clicked.
  await context.setOffline(false);
  expect(await waitForMessages((r) => r === to, 1)).toHaveLength(1);
  await expect(row).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByRole('tab', { name: /^Pending 0$/ })).toBeVisible();
  await expect(page.getByRole('tab', { name: /^Sent 1$/ })).toBeVisible();
  await page.getByRole('tab', { name: /^Sent\b/ }).click();
  await expect(page.getByRole('row', { name: /Written on the train/ }).locator('.status')).toHaveText('Delivered');
});

test('offline: 3 emails and a task made, the page reloaded, back online — the badge counts 4 changes and exactly 3 messages reach the SMTP server', async ({ page, context }) => {
  await signIn(page, newRep('offline').token);
  await underServiceWorker(page);
  await context.setOffline(true);
  const to = [recipient('off1'), recipient('off2'), recipient('off3')];
  for (const [i, address] of to.entries()) {
    await compose(page, address, `Offline ${i + 1}`, `Written on a train, ${i + 1}.`);
    await page.getByRole('button', { name: 'Send now' }).click();
    await expect(page.getByRole('heading', { name: 'New email' })).toHaveCount(0);
  }
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
  await page.getByRole('button', { name: 'New task' }).click();
  await page.getByLabel('Title').fill('Call Ana from the train');
  await page.getByRole('button', { name: 'Save task' }).click();
  await expect(page.getByRole('button', { name: 'Call Ana from the train' })).toBeVisible();
  // What the rep made, counted as they made it (each email is a put and a send in the outbox).
  const badge = page.getByTestId('sync-status');
  await expect(badge).toHaveText('Offline · 4 changes waiting');
  await page.reload();
  await expect(badge).toHaveText('Offline · 4 changes waiting');
  // The details, a click away.
  await badge.click();
  await expect(page.locator('#sync-details')).toContainText('Waiting to reach the endpoint: Emails: 3 · Tasks: 1');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Emails' }).click();
  await expect(page.getByRole('tab', { name: /^Pending 3$/ })).toBeVisible();
  await page.screenshot({ path: screenshotPath('offline-waiting'), fullPage: true });
  expect((await waitForMessages((r) => to.includes(r), 1, 1500)).length).toBe(0);

  await context.setOffline(false);
  const messages = await waitForMessages((r) => to.includes(r), 3);
  expect(messages.length).toBe(3);
  await expect(badge).toHaveText('Synced', { timeout: 20_000 });
  await expect(page.getByRole('tab', { name: /^Sent 3$/ })).toBeVisible({ timeout: 20_000 });
  // Nothing more arrives later: each was sent once.
  await page.waitForTimeout(2000);
  expect((await waitForMessages((r) => to.includes(r), 4, 500)).length).toBe(3);
});

test('Select and Send to 20 imported people: 20 messages, each with its own merge fields', async ({ page }) => {
  await signIn(page, newRep('bulk').token);
  await page.getByRole('link', { name: 'Select and Send' }).click();
  const people = Array.from({ length: 20 }, (_, i) => ({
    first: `Person${i + 1}`,
    company: `Company ${String.fromCharCode(65 + i)}`,
    email: recipient(`bulk${i + 1}`),
  }));
  const csv = ['name,email,company,time zone,tags']
    .concat(people.map((p) => `${p.first} Tester,${p.email},${p.company},Europe/Rome,lead`))
    .concat(['Broken Row,not-an-address,Nowhere,,'])
    .join('\n');
  await page.getByLabel('Import people from a CSV file').setInputFiles({
    name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv),
  });
  await expect(page.getByText('20 people imported and selected.')).toBeVisible();
  await expect(page.getByText('1 row was not imported:')).toBeVisible();
  await expect(page.getByText(/Line 22: .*not-an-address/)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Recipients: 20 of 200' })).toBeVisible();

  await page.getByLabel('Subject').fill('Hello {{first_name}} at {{company}}');
  const editor = page.getByRole('textbox', { name: 'Message' });
  await editor.click();
  await editor.pressSequentially('Dear {{first_name}}, a note for {{company}}.');
  await expect(page.getByRole('cell', { name: 'Hello Person7 at Company G' })).toBeVisible();
  await page.screenshot({ path: screenshotPath('bulk'), fullPage: true });
  await page.getByRole('button', { name: 'Send now to 20 people' }).click();
  await expect(page.getByText('20 emails queued.')).toBeVisible();
  await expect(page.locator('progress')).toBeVisible();

  const messages = await waitForMessages((r) => people.some((p) => p.email === r), 20, 40_000);
  expect(messages.length).toBe(20);
  for (const p of people) {
    const m = messages.find((x) => x.rcptTos.includes(p.email))!;
    expect(header(m.raw, 'Subject')).toBe(`Hello ${p.first} at ${p.company}`);
    expect(m.raw).toContain(`Dear ${p.first}, a note for ${p.company}.`);
  }
  await expect(page.getByText('20 of 20 sent')).toBeVisible({ timeout: 20_000 });
  await page.screenshot({ path: screenshotPath('bulk-progress'), fullPage: true });
});

test('Select and Send lists 200 people at a time, says how many the search leaves out, and finds the others', async ({ page }) => {
  await signIn(page, newRep('many').token);
  await page.getByRole('link', { name: 'Select and Send' }).click();
  const csv = ['name,email']
    .concat(Array.from({ length: 260 }, (_, i) => `Many${String(i).padStart(3, '0')} Person,${recipient(`many${i}`)}`))
    .join('\n');
  await page.getByLabel('Import people from a CSV file').setInputFiles({
    name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv),
  });
  await expect(page.getByText('260 people imported and selected.')).toBeVisible();
  await expect(page.locator('.people-pick li')).toHaveCount(200);
  await expect(page.getByText('200 of 260 shown: narrow the search to find the others.')).toBeVisible();
  await expect(page.locator('.people-pick li').first()).toContainText('Many000 Person');
  await page.getByLabel('Find people').fill('Many259');
  await expect(page.locator('.people-pick li')).toHaveCount(1);
  await expect(page.locator('.people-pick li')).toContainText('Many259 Person');
  await expect(page.getByText(/of 260 shown/)).toHaveCount(0);
});
