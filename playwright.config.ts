import { defineConfig } from '@playwright/test';

// End-to-end tests run against the release build (dist/) served by the real endpoint binary, with a fresh
// SQLite data folder per run, in Debian's Chromium (never a downloaded browser).
const port = Number(process.env.E2E_PORT ?? 18080);
const dataDir = `artifacts/e2e-data-${port}`;

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'artifacts/test-results',
  reporter: [['list']],
  timeout: 30_000,
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
    command: `rm -rf ${dataDir} && target/server/endpoint serve --listen 127.0.0.1:${port} --data-dir ${dataDir} --app-dir dist`,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
