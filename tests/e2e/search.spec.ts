// Advanced search, end to end: the filter builder makes every kind of filter the text form has, alone and
// after another row, keeping a row that is still being filled in (marked, and not applied) instead of
// dropping it; the builder alone writes the same search as the text form, field by field; and the search
// box shows a short placeholder, not a query that looks typed.
import { expect, test, type Locator, type Page } from '@playwright/test';
import { newRep, signIn } from './support/app';

/** Types into a field of the builder and commits it, as Enter does. */
async function type(input: Locator, text: string) {
  await input.fill(text);
  await input.press('Enter');
}

type Field = {
  /** The field's name in the "Filter on" menu, and its key (`data-field`). */
  label: string;
  key: string;
  /** What the row writes as soon as it is chosen; none for a field that waits for typed text. */
  start?: string;
  /** Fills the row in, as a rep would, and the term it then writes. */
  fill: (row: Locator) => Promise<void>;
  term: string;
};

const FIELDS: Field[] = [
  { label: 'Campaign', key: 'campaign', fill: (row) => type(row.getByLabel('Campaign', { exact: true }), 'Spring launch'), term: 'campaign:"Spring launch"' },
  { label: 'Folder', key: 'folder', start: 'folder:sent/delivered', fill: async (row) => { await row.getByLabel('Folder', { exact: true }).selectOption('undelivered/bounced'); }, term: 'folder:undelivered/bounced' },
  { label: 'Tab', key: 'tab', start: 'folder:sent', fill: async (row) => { await row.getByLabel('Tab', { exact: true }).selectOption('pending'); }, term: 'folder:pending' },
  { label: 'Viewed', key: 'viewed', start: 'viewed', fill: async (row) => { await row.getByLabel('How often').selectOption('no'); }, term: 'viewed:no' },
  {
    label: 'Clicked', key: 'clicked', start: 'clicked',
    fill: async (row) => {
      await row.getByLabel('How often').selectOption('at_least');
      await type(row.getByLabel('times'), '3');
    },
    term: 'clicked>=3',
  },
  { label: 'Replied', key: 'replied', start: 'replied', fill: async (row) => { await row.getByLabel('How often').selectOption('no'); }, term: 'replied:no' },
  { label: 'Created', key: 'created', start: 'created:..', fill: (row) => row.getByLabel('from').fill('2026-11-01'), term: 'created:2026-11-01..' },
  {
    label: 'Sent', key: 'sent', start: 'sent:..',
    fill: async (row) => {
      await row.getByLabel('from').fill('2026-11-01');
      await row.getByLabel('before').fill('2026-12-01');
    },
    term: 'sent:2026-11-01..2026-12-01',
  },
  { label: 'Scheduled for', key: 'scheduled', start: 'scheduled:..', fill: (row) => row.getByLabel('before').fill('2027-01-01'), term: 'scheduled:..2027-01-01' },
  { label: 'Failed', key: 'failed', start: 'failed:..', fill: (row) => row.getByLabel('from').fill('2026-11-01'), term: 'failed:2026-11-01..' },
  { label: 'Person’s name', key: 'name', fill: (row) => type(row.getByLabel('Person’s name', { exact: true }), 'Ana Souza'), term: 'name:"Ana Souza"' },
  { label: 'Company', key: 'company', fill: (row) => type(row.getByLabel('Company', { exact: true }), 'Acme'), term: 'company:Acme' },
  { label: 'Email domain', key: 'domain', fill: (row) => type(row.getByLabel('Email domain', { exact: true }), 'acme.example.com'), term: 'domain:acme.example.com' },
  { label: 'Tag', key: 'tag', fill: (row) => type(row.getByLabel('Tag', { exact: true }), 'lead'), term: 'tag:lead' },
  { label: 'Subject', key: 'subject', fill: (row) => type(row.getByLabel('Subject', { exact: true }), 'pricing'), term: 'subject:pricing' },
];

const NOT_YET = 'Not applied yet: fill it in or remove it.';

function searchBox(page: Page): Locator {
  return page.getByLabel('Search', { exact: true });
}

function conditions(page: Page): Locator {
  return page.getByRole('group', { name: 'Filters' }).locator('.condition');
}

/** "Add a filter", then the field chosen in its menu: the new row. */
async function addFilter(page: Page, label: string): Promise<Locator> {
  const before = await conditions(page).count();
  await page.getByRole('button', { name: 'Add a filter' }).click();
  await expect(conditions(page)).toHaveCount(before + 1);
  const row = conditions(page).nth(before);
  await row.getByLabel('Filter on').selectOption({ label });
  return row;
}

/** Chooses the field, checks the row stays (marked while it waits for text, and not applied), fills it
 * in, and checks the search then has the row's term after `before`. */
async function makeRow(page: Page, field: Field, before: string) {
  const box = searchBox(page);
  const count = await conditions(page).count();
  const row = await addFilter(page, field.label);
  await expect(conditions(page)).toHaveCount(count + 1);
  await expect(row).toHaveAttribute('data-field', field.key);
  const join = (term: string) => [before, term].filter(Boolean).join(' ');
  if (field.start === undefined) {
    // Still being filled in: it stays, said so beside it and to assistive technology, and the search
    // does not have it yet.
    const input = row.getByLabel(field.label, { exact: true });
    await expect(row).toHaveClass(/incomplete/);
    await expect(row.getByText(NOT_YET)).toBeVisible();
    await expect(input).toHaveAttribute('aria-invalid', 'true');
    await expect(input).toHaveAccessibleDescription(NOT_YET);
    await expect(box).toHaveValue(before);
    await page.waitForTimeout(300);
    await expect(row).toHaveAttribute('data-field', field.key);
  } else {
    await expect(row).not.toHaveClass(/incomplete/);
    await expect(box).toHaveValue(join(field.start));
  }
  await field.fill(row);
  await expect(box).toHaveValue(join(field.term));
  await expect(row).not.toHaveClass(/incomplete/);
  await expect(row.getByText(NOT_YET)).toHaveCount(0);
  await expect(conditions(page)).toHaveCount(count + 1);
}

// Each field alone, then each as a second row after one already there (`replied`).
for (const first of ['', 'replied']) {
  const where = first ? 'as a second row, after one already there' : 'each alone';
  test(`the builder makes a filter of every field, ${where}: a row waiting for its value stays, marked and not applied`, async ({ page }) => {
    test.setTimeout(180_000);
    await signIn(page, newRep('builder').token);
    for (const field of FIELDS) {
      await test.step(field.label, async () => {
        await page.goto(`/search?q=${first}`);
        await expect(conditions(page)).toHaveCount(first ? 1 : 0);
        await makeRow(page, field, first);
        if (first) await expect(conditions(page).first()).toHaveAttribute('data-field', first);
      });
    }
  });
}

test('a row still being filled in stays until it is removed, and an empty date range is not applied', async ({ page }) => {
  await signIn(page, newRep('builder3').token);
  await page.goto('/search?q=viewed');
  const box = searchBox(page);
  // The typed search is shown as its row before another is added.
  await expect(conditions(page)).toHaveCount(1);
  const company = await addFilter(page, 'Company');
  await expect(company).toHaveClass(/incomplete/);
  // A search typed meanwhile takes the place of the complete rows; the one being filled in is kept.
  await box.fill('clicked');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(conditions(page)).toHaveCount(2);
  await expect(conditions(page).nth(0)).toHaveAttribute('data-field', 'clicked');
  await expect(conditions(page).nth(1)).toHaveAttribute('data-field', 'company');
  await company.getByRole('button', { name: 'Remove this filter' }).click();
  await expect(conditions(page)).toHaveCount(1);
  await expect(box).toHaveValue('clicked');

  // The first day after the second: no day is in the range, so it waits, said why.
  const sent = await addFilter(page, 'Sent');
  await expect(box).toHaveValue('clicked sent:..');
  await expect(sent.getByText('any date')).toBeVisible();
  await sent.getByLabel('from').fill('2026-12-01');
  await sent.getByLabel('before').fill('2026-11-01');
  const why = 'Not applied: the first date must be before the second.';
  await expect(sent).toHaveClass(/incomplete/);
  await expect(sent.getByLabel('before')).toHaveAccessibleDescription(why);
  await expect(box).toHaveValue('clicked');
  await expect(page.getByText('This is not a search yet')).toHaveCount(0);
  await sent.getByLabel('before').fill('2027-01-01');
  await expect(box).toHaveValue('clicked sent:2026-12-01..2027-01-01');
  await expect(sent).not.toHaveClass(/incomplete/);
});

test('the builder alone writes the same search as the text form, with every field, and shows a typed one row by row', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, newRep('roundtrip').token);
  const terms = FIELDS.map((f) => (f.key === 'tag' ? `-${f.term}` : f.term));
  const text = terms.join(' ');

  // Typed as text: the builder shows one row per term, each with its value.
  await page.goto('/search');
  await searchBox(page).fill(text);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(conditions(page)).toHaveCount(FIELDS.length);
  for (const [i, field] of FIELDS.entries()) {
    const row = conditions(page).nth(i);
    await expect(row, field.label).toHaveAttribute('data-field', field.key);
    await expect(row.getByLabel('Filter on')).toHaveValue(field.key);
    await expect(row).not.toHaveClass(/incomplete/);
    await expect(row.getByLabel('not', { exact: true })).toBeChecked({ checked: field.key === 'tag' });
  }
  const row = (key: string) => page.getByRole('group', { name: 'Filters' }).locator(`.condition[data-field=${key}]`);
  await expect(row('campaign').getByLabel('Campaign', { exact: true })).toHaveValue('Spring launch');
  await expect(row('folder').getByLabel('Folder', { exact: true })).toHaveValue('undelivered/bounced');
  await expect(row('tab').getByLabel('Tab', { exact: true })).toHaveValue('pending');
  await expect(row('clicked').getByLabel('times')).toHaveValue('3');
  await expect(row('sent').getByLabel('before')).toHaveValue('2026-12-01');
  await expect(row('name').getByLabel('Person’s name', { exact: true })).toHaveValue('Ana Souza');

  // Made with the builder alone, row by row: the same text.
  await page.goto('/search');
  await expect(conditions(page)).toHaveCount(0);
  for (const field of FIELDS) {
    const made = await addFilter(page, field.label);
    await field.fill(made);
    if (field.key === 'tag') await made.getByLabel('not', { exact: true }).check();
  }
  await expect(searchBox(page)).toHaveValue(text);
  await expect(page.getByText('This search uses OR or parentheses')).toHaveCount(0);
});

test('the empty search box shows a short placeholder, with the example written under it', async ({ page }) => {
  await signIn(page, newRep('placeholder').token);
  await page.goto('/search');
  const box = searchBox(page);
  await expect(box).toHaveValue('');
  await expect(box).toHaveAttribute('placeholder', 'Type a search');
  await expect(page.locator('#search-query-help')).toContainText('campaign:"Q4 launch" viewed clicked -replied');
  await page.goto('/settings');
  await page.getByLabel('Language').selectOption('pt-BR');
  await page.goto('/search');
  await expect(page.getByLabel('Pesquisa', { exact: true })).toHaveAttribute('placeholder', 'Digite uma pesquisa');
});
