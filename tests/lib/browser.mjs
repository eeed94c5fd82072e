// Headless Debian Chromium driven by playwright-core, for browser tests.
//   const b = await launchBrowser(); const page = await b.newPage(); ... await b.close();
//   await settle(page)   the page's requests are done (not its live event stream)
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

export function chromiumPath() {
  for (const p of [process.env.CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (p && existsSync(p)) return p;
  }
  throw new Error('Chromium not found: install the Debian package chromium (make test does)');
}

const inflight = new WeakMap();

// Waits until the page has had no request in flight (its event stream aside) for quietMs:
// data loaded, charts drawn. What Playwright's waitForLoadState('networkidle') did before
// pages held an event stream open.
export async function settle(page, quietMs = 500, timeoutMs = 30000) {
  await page.waitForLoadState('load');
  const end = Date.now() + timeoutMs;
  let quietSince = null;
  for (;;) {
    const busy = (inflight.get(page) || 0) > 0;
    const now = Date.now();
    if (busy) quietSince = null;
    else if (quietSince === null) quietSince = now;
    else if (now - quietSince >= quietMs) return;
    if (now > end) throw new Error(`settle: requests still in flight after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function launchBrowser() {
  const userDir = mkdtempSync(join(tmpdir(), 'gz-chromium-'));
  const context = await chromium.launchPersistentContext(userDir, {
    executablePath: chromiumPath(),
    headless: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  // Requests in flight per page, for settle(). The live event stream
  // (/api/v1/events/stream) never ends, so Playwright's 'networkidle' never comes once a
  // page has opened it: it is left out here.
  const track = (req, d) => {
    if (req.url().includes('/api/v1/events/stream')) return;
    let page;
    try { page = req.frame().page(); } catch { return; }
    inflight.set(page, (inflight.get(page) || 0) + d);
  };
  context.on('request', (r) => track(r, 1));
  context.on('requestfinished', (r) => track(r, -1));
  context.on('requestfailed', (r) => track(r, -1));
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}

// axe-core on the page as it is: fails on any critical or serious violation, listing each
// with (up to three of) the elements it found. The inbox's toasts (.notify-toast) and
// Element Plus's messages (.el-message) come and go over any page; caught while fading,
// their text fails contrast by opacity alone (seen under load), so pages are checked
// without them.
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
export async function axeCheck(page, what) {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(() => window.axe.run({ exclude: [['.notify-toast'], ['.el-message']] }));
  const bad = r.violations.filter((v) => v.impact === 'critical' || v.impact === 'serious');
  const report = bad.map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
  console.log(`axe ${what}: ${r.passes.length} rules pass, ${r.violations.length} violations (${bad.length} critical or serious)`);
  assert.deepEqual(report, [], `${what}: axe-core violations`);
}

// The page (and the app's main pane) is no wider than the screen: nothing scrolls sideways.
export async function noOverflow(page, what) {
  const o = await page.evaluate(() => {
    const d = document.documentElement;
    const m = document.querySelector('.app-main');
    return { page: d.scrollWidth - d.clientWidth, main: m ? m.scrollWidth - m.clientWidth : 0 };
  });
  assert.ok(o.page <= 0 && o.main <= 0, `${what}: wider than the screen (${JSON.stringify(o)})`);
}
