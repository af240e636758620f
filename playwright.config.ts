import { defineConfig } from '@playwright/test';

// End-to-end tests run against the release build (dist/) served by the real endpoint binary, with a fresh
// SQLite data folder per run and a real SMTP server (aiosmtpd), in Debian's Chromium (never a downloaded
// browser). tests/e2e/support/serve.sh starts both.
const port = Number(process.env.E2E_PORT ?? 18080);

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'artifacts/test-results',
  reporter: [['list']],
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  forbidOnly: !!process.env.CI,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    serviceWorkers: 'allow',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: 'bash tests/e2e/support/serve.sh',
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
