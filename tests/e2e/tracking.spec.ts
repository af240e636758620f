// A link the rep types in compose, sent through the real endpoint and aiosmtpd, then followed by Chromium
// from the received message: the click redirect must land exactly where the browser would have gone from
// the link as typed, every query parameter intact.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { findUrl, newRep, recipient, signIn, typeLink, waitForMessages } from './support/app';

/** A landing page on loopback that remembers the address of every request. */
async function landingPage(): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>Landing</title><h1>Landing</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

test('a tracked link with several query parameters lands where the typed link pointed', async ({ page }) => {
  const landing = await landingPage();
  try {
    const rep = newRep('links');
    await signIn(page, rep.token);
    const base = new URL(page.url()).origin;
    const typed = `http://127.0.0.1:${landing.port}/pricing?utm_source=email&utm_medium=sales&plan=pro%20plus`;
    const to = recipient('links');

    await page.getByRole('link', { name: 'Compose' }).click();
    await page.getByLabel('To', { exact: true }).fill(to);
    await page.getByLabel('Subject').fill('Our pricing');
    await typeLink(page, 'See our pricing', typed);
    await page.getByRole('button', { name: 'Send now' }).click();

    const [message] = await waitForMessages((t) => t === to, 1);
    expect(message, 'the message reached the SMTP server').toBeTruthy();
    const tracked = findUrl(message.raw, `${base}/t/c/`);
    expect(tracked, 'the link goes through the click redirect').toBeTruthy();

    // Where Chromium goes from the link as typed, and where it lands from the tracked one.
    const expected = await page.evaluate((href) => {
      const a = document.createElement('a');
      a.href = href;
      return a.href;
    }, typed);
    await page.goto(tracked!);
    await expect(page.getByRole('heading', { name: 'Landing' })).toBeVisible();
    expect(page.url()).toBe(expected);
    // The landing page was asked for once, with every parameter (the browser also asks for its icon).
    expect(landing.hits.filter((h) => h !== '/favicon.ico')).toEqual(['/pricing?utm_source=email&utm_medium=sales&plan=pro%20plus']);
  } finally {
    landing.server.close();
  }
});
