// Drives the chat page in headless Chromium: sends a message, sees the reply stream in token by
// token with a tool call and the reasoning folded under it, attaches an image, checks model output is never rendered as HTML,
// reloads and sees the history. Usage: node chat.mjs http://127.0.0.1:PORT/
import { chromium } from "playwright-core";

const url = process.argv[2];
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const fail = (message) => { console.error("FAIL: " + message); process.exit(1); };

const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // Anything the Content-Security-Policy blocks is a bug of the page (or of the policy).
  page.on("console", (m) => { if (m.text().includes("Content Security Policy")) errors.push(m.text()); });
  await page.addInitScript(() => document.addEventListener("securitypolicyviolation",
    (e) => { window.__cspViolations = (window.__cspViolations || 0) + 1; console.error("Content Security Policy: " + e.violatedDirective); }));
  const loaded = await page.goto(url);
  const csp = loaded.headers()["content-security-policy"] || "";
  if (!csp.includes("frame-ancestors 'none'")) fail("no Content-Security-Policy on the page: " + csp);
  await page.waitForSelector("[data-testid=route] option", { state: "attached" });

  // 1. A message whose answer streams in and calls a tool.
  await page.fill("[data-testid=input]", "Is it raining in Seattle? Use get_weather.");
  await page.click("[data-testid=send]");
  await page.waitForSelector("[data-testid=assistant-message] .text");
  const lengths = new Set();
  for (let i = 0; i < 200; i++) {
    const text = await page.locator("[data-testid=assistant-message] .text").last().textContent();
    lengths.add(text.length);
    if (await page.locator("[data-testid=usage]").count()) break;
    await page.waitForTimeout(10);
  }
  if (lengths.size < 3) fail("the answer did not stream in pieces: lengths " + [...lengths]);
  await page.waitForSelector("[data-testid=usage]");
  const toolCall = await page.locator("[data-testid=tool-call]").first().textContent();
  if (!toolCall.includes("get_weather") || !toolCall.includes("Seattle")) fail("no tool call shown: " + toolCall);
  const toolResult = await page.locator("[data-testid=tool-result]").first().textContent();
  if (!toolResult.includes("rain")) fail("no tool result shown: " + toolResult);
  const answer = await page.locator("[data-testid=assistant-message] .text").last().textContent();
  if (!answer.includes("rain")) fail("the answer does not cite the tool: " + answer);
  // The reasoning is folded (a closed <details>) under the answer, with the streamed text.
  const reasoning = page.locator("[data-testid=assistant-message] [data-testid=reasoning]").last();
  if (await reasoning.evaluate((el) => el.open)) fail("the reasoning is not folded");
  const thought = await reasoning.textContent();
  if (!thought.includes("Thinking it over first.")) fail("no reasoning shown: " + thought);
  const usage = await page.locator("[data-testid=usage]").last().textContent();
  if (!/\d+ in · \d+ out tokens · \$\d/.test(usage)) fail("no usage and cost: " + usage);

  // 2. Model output is text, never markup (the stand-in echoes the prompt back).
  const attack = "Say <img src=x onerror=\"window.__pwned=1\"> and <b>bold</b>";
  await page.fill("[data-testid=input]", attack);
  await page.click("[data-testid=send]");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=usage]").length >= 2);
  const injected = await page.evaluate(() => document.querySelectorAll("#messages .text img, #messages .text b").length);
  const pwned = await page.evaluate(() => window.__pwned === 1);
  if (injected || pwned) fail("model output was rendered as HTML");
  const shown = await page.locator("[data-testid=assistant-message] .text").last().textContent();
  if (!shown.includes("<img src=x")) fail("the markup is not shown as text: " + shown);

  // 3. An attached image is sent with the message.
  const png = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
  await page.setInputFiles("[data-testid=image]", { name: "dot.png", mimeType: "image/png", buffer: png });
  await page.waitForFunction(() => document.querySelector("[data-testid=attachment]").textContent === "dot.png");
  await page.fill("[data-testid=input]", "What is in this picture?");
  await page.click("[data-testid=send]");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=usage]").length >= 3);
  if (!(await page.locator("[data-testid=user-message] img").count())) fail("the attached image is not shown");

  // 4. After a reload the history is there.
  await page.reload();
  await page.waitForSelector("[data-testid=conversation]");
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=user-message]").length === 3);
  const history = await page.locator("#messages").textContent();
  for (const expected of ["Is it raining in Seattle?", "get_weather", "rain", "What is in this picture?"]) {
    if (!history.includes(expected)) fail("history after reload misses: " + expected);
  }
  if (await page.locator("[data-testid=user-message] img").count() !== 1) fail("the stored image is not shown after reload");
  if (await page.locator("[data-testid=reasoning]").count() < 3) fail("the stored reasoning is not shown after reload");
  // 5. A sign-in token stays in this tab's session storage, never in local storage.
  await page.click(".auth summary");
  await page.fill("#token", "header.payload.signature");
  await page.dispatchEvent("#token", "change");
  const stored = await page.evaluate(() => [localStorage.getItem("ai-routes-token"), sessionStorage.getItem("ai-routes-token")]);
  if (stored[0] !== null || stored[1] !== "header.payload.signature") fail("token storage (local, session): " + stored);
  if (await page.evaluate(() => window.__cspViolations || 0)) fail("the page broke its Content-Security-Policy");
  if (errors.length) fail("page errors: " + errors.join("; "));
  await page.screenshot({ path: process.env.SCREENSHOT || "/tmp/ai-routes-chat.png" });
  console.log("OK: streamed, reasoning folded, tool call shown, markup escaped, image attached, history after reload, CSP kept, token in session storage");
} finally {
  await browser.close();
}
