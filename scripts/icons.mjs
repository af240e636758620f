// Renders the app's PNG icons from its SVGs with the same headless Chromium the tests use, so the icons an
// installed app shows are the SVG's, pixel for pixel. The PNGs are kept in public/; run this after
// changing an SVG: node scripts/icons.mjs
import { chromium } from '@playwright/test';
import { readFileSync } from 'node:fs';

const ICONS = [
  { svg: 'public/icon.svg', png: 'public/icon-192.png', size: 192 },
  { svg: 'public/icon.svg', png: 'public/icon-512.png', size: 512 },
  { svg: 'public/icon-maskable.svg', png: 'public/icon-maskable-512.png', size: 512 },
  { svg: 'public/icon.svg', png: 'public/icon-96.png', size: 96 },
];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
for (const { svg, png, size } of ICONS) {
  const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
  const data = Buffer.from(readFileSync(svg)).toString('base64');
  await page.setContent(
    `<body style="margin:0;background:transparent"><img src="data:image/svg+xml;base64,${data}" width="${size}" height="${size}" style="display:block"></body>`,
  );
  await page.locator('img').evaluate((img) => img.decode());
  await page.screenshot({ path: png, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
  await page.close();
  console.log(`${png}: ${size}×${size} from ${svg}`);
}
await browser.close();
