// The status page in a real headless Chromium (Debian's), driven by
// playwright-core from npm: the page lists the apps, and in "actions" mode
// a restart button restarts an app (a wrong token first, which must not).
// Usage: node status-page.cjs  with env URL, APPS (comma list), MODE
// (readonly|actions), TOKEN, SHOT (screenshot path), PLAYWRIGHT_DIR, PM2.
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { chromium } = require(path.join(process.env.PLAYWRIGHT_DIR, "node_modules", "playwright-core"));

const { URL, MODE, TOKEN, SHOT } = process.env;
const APPS = process.env.APPS.split(",");

function check(cond, what) {
  if (!cond) throw new Error("check failed: " + what);
}

async function restarts(page, name) {
  return Number(await page.locator(`tr[data-name="${name}"] td.restarts`).textContent());
}

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "pm2-chromium-"));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    timeout: 60000,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--disable-dev-shm-usage"],
  });
  const errors = [];
  try {
    const page = ctx.pages()[0] || (await ctx.newPage());
    page.setDefaultTimeout(20000);
    await page.setViewportSize({ width: 1100, height: 360 });
    // A CSP violation or a script error shows up here (an HTTP error
    // status, like the 401 we provoke, is logged too: not a fault).
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error" && !/^Failed to load resource/.test(m.text())) errors.push(m.text());
    });
    await page.goto(URL);
    for (const name of APPS) await page.waitForSelector(`tr[data-name="${name}"]`);
    const rows = await page.$$eval("#rows tr", (trs) =>
      trs.map((t) => ({ name: t.dataset.name, status: t.cells[5].textContent })));
    check(rows.length === APPS.length, "one row per app: " + JSON.stringify(rows));
    check(rows.every((r) => r.status === "online"), "every app online: " + JSON.stringify(rows));
    const result = { rows };

    const first = page.locator(`tr[data-name="${APPS[0]}"]`);
    const button = first.locator('button[data-action="restart"]');
    if (MODE === "readonly") {
      check(await button.isDisabled(), "buttons are disabled without a token");
      check(await page.locator("#tokbox").isHidden(), "no token field without a token");
      // Live: a change made with the CLI shows without reloading the page.
      execFileSync(process.env.PM2, ["stop", APPS[1], "-s"]);
      await page.waitForFunction(
        (name) => document.querySelector(`tr[data-name="${name}"]`).cells[5].textContent === "stopped",
        APPS[1]);
      result.live = true;
    } else {
      check(await button.isEnabled(), "buttons are enabled with a token");
      const before = await restarts(page, APPS[0]);
      await page.fill("#token", "not-the-token");
      await button.click();
      await page.waitForFunction(() => /valid token/.test(document.querySelector("#msg").textContent));
      check((await restarts(page, APPS[0])) === before, "a wrong token restarts nothing");
      await page.fill("#token", TOKEN);
      await first.locator('button[data-action="restart"]').click();
      await page.waitForFunction(
        ([name, n]) => Number(document.querySelector(`tr[data-name="${name}"] td.restarts`).textContent) > n,
        [APPS[0], before]);
      await page.waitForFunction(
        (name) => document.querySelector(`tr[data-name="${name}"]`).cells[5].textContent === "online",
        APPS[0]);
      result.restarts = { before, after: await restarts(page, APPS[0]) };
    }
    fs.mkdirSync(path.dirname(SHOT), { recursive: true });
    await page.screenshot({ path: SHOT, fullPage: true });
    check(errors.length === 0, "no script or CSP error: " + errors.join("; "));
    console.log(JSON.stringify(result));
  } finally {
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
