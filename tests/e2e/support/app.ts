// What the end-to-end tests share: a fresh rep (a user of the real endpoint) per test, signing in through
// the app, and the messages the real SMTP server received.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type APIRequestContext, type Page } from '@playwright/test';

export const E2E_DIR = process.env.E2E_DIR ?? 'artifacts/e2e';
export const DATA_DIR = join(E2E_DIR, 'data');
export const SMTP_DIR = join(E2E_DIR, 'smtp');
export const INBOUND_SECRET = 'e2e-inbound-secret';
/** The endpoint binary serve.sh runs (E2E_ENDPOINT: another build's). */
const ENDPOINT = process.env.E2E_ENDPOINT ?? 'target/server/endpoint';

/** A rep of their own (so tests never see each other's records): their address and bearer token. */
export function newRep(name: string): { email: string; token: string } {
  const email = `${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@seller.example.com`;
  const out = execFileSync(ENDPOINT, ['user', 'add', email, '--data-dir', DATA_DIR], {
    encoding: 'utf8',
  });
  const token = out.trim().split('\n').pop()!.trim();
  return { email, token };
}

/** Gives a rep a new token, as the operator would (`endpoint user token`): the old one stops working. */
export function renewToken(email: string): string {
  const out = execFileSync(ENDPOINT, ['user', 'token', email, '--data-dir', DATA_DIR], {
    encoding: 'utf8',
  });
  return out.trim().split('\n').pop()!.trim();
}

/** Waits until the copy of what is typed that compose keeps in IndexedDB (under `key`) contains `text`:
 *  what a full page load right after typing can count on. */
export async function waitForKept(page: Page, key: string, text: string): Promise<void> {
  await expect.poll(() => page.evaluate((key) => new Promise<string>((resolve) => {
    const open = indexedDB.open('command-center');
    open.onsuccess = () => {
      const get = open.result.transaction('meta').objectStore('meta').get(key);
      get.onsuccess = () => { resolve(get.result?.j ?? ''); open.result.close(); };
      get.onerror = () => resolve('');
    };
    open.onerror = () => resolve('');
  }), key)).toContain(text);
}

/** A unique recipient address at a domain the SMTP server accepts (prefix "reject" to be refused). */
export function recipient(local: string): string {
  return `${local}.${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}@acme.example.com`;
}

/** Signs in through the app's own form and waits for the command center. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Command Center' })).toBeVisible();
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('tablist', { name: 'Email status' })).toBeVisible();
}

/** Reloads the page until the service worker controls it (a page is controlled once loaded under it). */
export async function underServiceWorker(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload();
  await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
}

export type Received = { raw: string; rcptTos: string[]; mailFrom: string };

/** Every message the SMTP server has accepted so far. */
export function received(): Received[] {
  if (!existsSync(SMTP_DIR)) return [];
  return readdirSync(SMTP_DIR)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => {
      const envelope = JSON.parse(readFileSync(join(SMTP_DIR, f.replace(/\.eml$/, '.json')), 'utf8'));
      return { raw: readFileSync(join(SMTP_DIR, f), 'utf8'), rcptTos: envelope.rcpt_tos, mailFrom: envelope.mail_from };
    });
}

/** The messages received for addresses that `match`, once there are at least `count` (or after 20 s). */
export async function waitForMessages(match: (to: string) => boolean, count: number, timeout = 20_000): Promise<Received[]> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const mine = received().filter((m) => m.rcptTos.some(match));
    if (mine.length >= count || Date.now() > deadline) return mine;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The first URL in a raw message that starts with `prefix` (quoted-printable undone). */
export function findUrl(raw: string, prefix: string): string | undefined {
  const unfolded = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const start = unfolded.indexOf(prefix);
  if (start < 0) return undefined;
  const rest = unfolded.slice(start);
  const end = rest.search(/["'>\s]/);
  return end < 0 ? rest : rest.slice(0, end);
}

/** A header of a raw message. */
export function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'));
  return line?.slice(name.length + 1).trim();
}

/** Where the screenshots of the main screens are kept. */
export function screenshotPath(name: string): string {
  const dir = 'artifacts/screenshots';
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}

/** Writes an email in the compose screen (the body typed into the editor). */
export async function compose(page: Page, to: string, subject: string, body: string): Promise<void> {
  await page.getByRole('link', { name: 'Compose' }).click();
  await expect(page.getByRole('heading', { name: 'New email' })).toBeVisible();
  await page.getByLabel('To', { exact: true }).fill(to);
  await page.getByLabel('Subject').fill(subject);
  const editor = page.getByRole('textbox', { name: 'Message' });
  await editor.click();
  await editor.pressSequentially(body);
}

/** Types `text` into the message editor and makes all of it a link to `url` (through the Link button). */
export async function typeLink(page: Page, text: string, url: string): Promise<void> {
  const editor = page.getByRole('textbox', { name: 'Message' });
  await editor.click();
  await editor.pressSequentially(text);
  await editor.press('Control+A');
  page.once('dialog', (dialog) => dialog.accept(url));
  await page.getByRole('button', { name: 'Link' }).click();
}

/** A prospect's reply to a message the SMTP server received, as their mail client writes it (the quoted
 *  history after the new words when given). */
export function replyTo(m: Received, rep: string, text: string, options: { from?: string; quoted?: string[] } = {}): string {
  const messageId = header(m.raw, 'Message-ID')!;
  return [
    `From: ${options.from ?? m.rcptTos[0]}`,
    `To: ${rep}`,
    `Subject: Re: ${header(m.raw, 'Subject')}`,
    `Message-ID: <reply-${Math.random().toString(36).slice(2)}@acme.example.com>`,
    `In-Reply-To: ${messageId}`,
    `References: ${messageId}`,
    'Date: Mon, 07 Dec 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    '',
    ...(options.quoted ?? []),
  ].join('\r\n');
}

/** Posts a raw message to the endpoint's inbound hook, as the mail server does. */
export async function postInbound(request: APIRequestContext, base: string, raw: string): Promise<void> {
  const answer = await request.post(`${base}/api/v1/inbound`, {
    headers: { 'Content-Type': 'message/rfc822', Authorization: `Bearer ${INBOUND_SECRET}` },
    data: raw,
  });
  expect(answer.status(), await answer.text()).toBe(200);
}
