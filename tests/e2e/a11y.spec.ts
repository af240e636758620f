// Accessibility of every screen, with data on it: axe-core (the version pinned in package.json) run on
// the sign-in screen, every email folder, an email's page, compose, Select and Send, the task board, the
// task queue, search with results, the people list, a person's page, the widget's page, settings and the
// sync details, each expected to have no violation.
// The email's body is the prospect's HTML in a sandboxed frame where nothing runs: axe checks the frame
// element, not the letter inside it.
import { expect, test, type Page } from '@playwright/test';
import { compose, findUrl, newRep, recipient, signIn, typeLink, waitForMessages } from './support/app';

// axe-core is put in the page as an inline script, which the app's Content-Security-Policy refuses (it
// runs only its own scripts): the test's browser lets the tool in, the app's policy is unchanged.
test.use({ bypassCSP: true });

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

/** Runs axe-core on the page as it is and expects no violation (each one listed with its elements). */
async function noViolations(page: Page, screen: string) {
  if (!(await page.evaluate(() => 'axe' in window))) {
    await page.addScriptTag({ path: require.resolve('axe-core') });
  }
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: any }).axe;
    const result = await axe.run(document, { iframes: false, resultTypes: ['violations'] });
    return result.violations.map((v: any) =>
      [`${v.id} (${v.impact}): ${v.help}`, ...v.nodes.map((n: any) => `  ${n.target.join(' ')}: ${n.failureSummary}`)].join('\n'));
  });
  expect.soft(violations, `axe-core on ${screen}`).toEqual([]);
}

/** Opens a folder by its tabs, as a rep does, and checks it. */
async function folder(page: Page, tab: string, sub: string, path: string) {
  await page.getByRole('tab', { name: new RegExp(`^${tab}\\b`) }).click();
  await page.getByRole('tab', { name: new RegExp(`^${sub}\\b`) }).click();
  await expect(page).toHaveURL(new RegExp(`/emails/${path}$`));
  await noViolations(page, `${tab} › ${sub}`);
}

test('every screen, with data on it, has no accessibility violation (axe-core)', async ({ page, request }) => {
  test.setTimeout(240_000);
  // Sign-in, as a new rep first sees it, and with the error a wrong token gets.
  await page.goto('/');
  await expect(page.getByLabel('Token')).toBeVisible();
  await noViolations(page, 'sign-in');
  await page.getByLabel('Token').fill('cc_not-a-real-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await noViolations(page, 'sign-in with an error');

  const rep = newRep('a11y');
  await signIn(page, rep.token);
  const base = new URL(page.url()).origin;

  // Emails in most folders: delivered (viewed and clicked), archived, bounced, scheduled and a draft.
  const ana = recipient('ana');
  await compose(page, ana, 'Pricing for Acme', 'Hi Ana, ');
  await typeLink(page, 'the pricing page', 'https://acme.example.com/pricing');
  await noViolations(page, 'compose, written');
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(page).toHaveURL(/\/emails\/sent\/delivered$/);
  await compose(page, recipient('bo'), 'Archived note', 'Hi Bo.');
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(page).toHaveURL(/\/emails\/sent\/delivered$/);
  await compose(page, recipient('reject-dan'), 'Quick question', 'Are you the right person?');
  await page.getByRole('button', { name: 'Send now' }).click();
  await expect(page).toHaveURL(/\/emails\/sent\/delivered$/);
  await compose(page, recipient('eve'), 'Next week', 'Talk soon.');
  await page.getByRole('button', { name: 'Schedule…' }).click();
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Date').fill(tomorrow);
  await page.getByLabel('Time', { exact: true }).fill('10:00');
  await noViolations(page, 'compose, scheduling');
  await page.getByRole('button', { name: 'Schedule', exact: true }).click();
  await expect(page).toHaveURL(/\/emails\/pending\/scheduled$/);
  await compose(page, recipient('fay'), 'Still a draft', 'To finish later.');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.getByRole('tab', { name: /^Draft 1$/ })).toBeVisible();

  const [message] = await waitForMessages((r) => r === ana, 1);
  await request.get(findUrl(message.raw, `${base}/t/o/`)!, { headers: { 'User-Agent': BROWSER_UA } });
  await request.get(findUrl(message.raw, `${base}/t/c/`)!, { headers: { 'User-Agent': BROWSER_UA }, maxRedirects: 0 });
  await page.goto('/emails/sent/delivered');
  await expect(page.getByRole('row', { name: /Pricing for Acme/ })).toContainText('1 click', { timeout: 20_000 });
  await expect(page.getByRole('row', { name: /Archived note/ })).toBeVisible();
  await page.getByRole('row', { name: /Archived note/ }).getByRole('button', { name: 'Archive' }).click();
  await expect(page.getByRole('tab', { name: /^Archived 1$/ })).toBeVisible();
  await expect(page.getByRole('tab', { name: /^Undelivered 1$/ })).toBeVisible({ timeout: 20_000 });
  // A selection shows the selection bar.
  await page.getByRole('row', { name: /Pricing for Acme/ }).getByRole('checkbox').check();
  await noViolations(page, 'Sent › Delivered, a row selected, the live feed filled');
  await page.getByRole('button', { name: 'Clear selection' }).click();
  await folder(page, 'Sent', 'Archived', 'sent/archived');
  await folder(page, 'Pending', 'Scheduled', 'pending/scheduled');
  await folder(page, 'Pending', 'Draft', 'pending/draft');
  await folder(page, 'Pending', 'In progress', 'pending/in-progress');
  await folder(page, 'Undelivered', 'Failed', 'undelivered/failed');
  await folder(page, 'Undelivered', 'Bounced', 'undelivered/bounced');
  await folder(page, 'Undelivered', 'Spam', 'undelivered/spam');

  // An email's page: headers, actions, body frame and timeline.
  await page.goto('/emails/sent/delivered');
  await page.getByRole('tabpanel').getByRole('link', { name: 'Pricing for Acme', exact: true }).click();
  await expect(page.getByRole('region', { name: /Timeline for/ })).toContainText('Clicked');
  await noViolations(page, 'an email’s page');

  // The sync details, open.
  await page.getByTestId('sync-status').click();
  await noViolations(page, 'the sync details');
  await page.getByTestId('sync-status').click();

  // Select and Send with imported people, a template and its preview.
  await page.getByRole('link', { name: 'Select and Send' }).click();
  const csv = ['name,email,company', `Ana Souza,${ana},Acme`, ...[1, 2].map((i) => `Lead${i} Prospect,${recipient(`lead${i}`)},Company ${i}`)].join('\n');
  await page.getByLabel('Import people from a CSV file').setInputFiles({ name: 'leads.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await expect(page.getByText('3 people imported and selected.')).toBeVisible();
  await page.getByLabel('Subject').fill('Hello {{first_name}}');
  const body = page.getByRole('textbox', { name: 'Message' });
  await body.click();
  await body.pressSequentially('A note for {{company}}.');
  await expect(page.getByRole('cell', { name: 'Hello Lead2' })).toBeVisible();
  await noViolations(page, 'Select and Send');

  // The task board with tasks, the new-task form, and the queue.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tasks' }).click();
  for (const title of ['Call Ana about pricing', 'Email Bo the case study']) {
    await page.getByRole('button', { name: 'New task' }).click();
    await page.getByLabel('Title').fill(title);
    await page.getByRole('button', { name: 'Save task' }).click();
    await expect(page.getByRole('button', { name: title })).toBeVisible();
  }
  await noViolations(page, 'the task board');
  await page.getByRole('button', { name: 'New task' }).click();
  await noViolations(page, 'the new task form');
  await page.getByRole('button', { name: /^Start tasks/ }).click();
  await expect(page.getByText('Task 1 of 2')).toBeVisible();
  await noViolations(page, 'the task queue');

  // Search with results, as emails and as people, with a row still being filled in.
  await page.goto('/search?q=viewed');
  await expect(page.getByRole('radio', { name: '1 email' })).toBeVisible({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Add a filter' }).click();
  await page.getByRole('group', { name: 'Filters' }).locator('.condition').last().getByLabel('Filter on').selectOption({ label: 'Company' });
  await noViolations(page, 'search, results as emails');
  await page.getByRole('radio', { name: '1 person' }).click();
  await expect(page.locator('table.people-list tbody tr')).toHaveCount(1);
  await noViolations(page, 'search, results as people');

  // The people list and a person's page, with their emails and timeline.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
  await expect(page.locator('table.people-list tbody tr')).toHaveCount(3);
  await noViolations(page, 'the people list');
  await page.locator('table.people-list').getByRole('link', { name: 'Ana Souza' }).click();
  await expect(page.getByRole('region', { name: 'Engagement' }).locator('li').first()).toBeVisible();
  await noViolations(page, 'a person’s page');

  // The widget's page as a CRM frames it: a contact the rep has, and one they do not.
  await page.goto(`/embed/contact?email=${encodeURIComponent(ana)}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Ana Souza');
  await noViolations(page, 'the widget');
  await page.goto(`/embed/contact?email=${encodeURIComponent(recipient('nobody.yet'))}&name=Nina%20Prospect`);
  await expect(page.getByText('Not in your people yet.')).toBeVisible();
  await noViolations(page, 'the widget, a contact to create');
  await page.goto('/emails');

  // Settings.
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  await noViolations(page, 'settings');
});
