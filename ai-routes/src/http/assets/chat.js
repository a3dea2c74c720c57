// The ai-routes chat page: plain JavaScript, no build step. Talks to the HTTP API of the same
// origin: lists conversations, streams turns (Server-Sent Events over fetch), renders model
// output as escaped text with a small markdown subset (never as HTML).
"use strict";

const $ = (id) => document.getElementById(id);
const state = { route: null, conversation: null, busy: false, image: null };

function guestId() {
  let id = localStorage.getItem("ai-routes-guest");
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem("ai-routes-guest", id);
  }
  return id;
}

function headers(json) {
  const h = { "x-guest-id": guestId() };
  const token = $("token").value.trim() || sessionStorage.getItem("ai-routes-token") || "";
  if (token) h["authorization"] = "Bearer " + token;
  if (json) h["content-type"] = "application/json";
  return h;
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: headers(options.body !== undefined) });
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try { message = (await response.json()).error.message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return response.status === 204 ? null : response;
}

function status(text) { $("status").textContent = text || ""; }

// --- safe rendering -------------------------------------------------------------------
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// Markdown subset applied to already-escaped text: fenced code, inline code, bold, italic,
// http(s) links, bullet lists, paragraphs. Nothing the model writes becomes markup by itself.
function renderMarkdown(source) {
  const blocks = escapeHtml(source).split(/```/);
  return blocks.map((block, i) => {
    if (i % 2 === 1) return "<pre><code>" + block.replace(/^[a-z0-9_-]*\n/i, "") + "</code></pre>";
    return block.split(/\n{2,}/).map((para) => {
      let html = para
        .replace(/`([^`\n]+)`/g, "<code>$1</code>")
        .replace(/\*\*([^*\n]+)\*\*/g, "<strong>$1</strong>")
        .replace(/(^|[^*])\*([^*\n]+)\*/g, "$1<em>$2</em>")
        .replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)"]+)\)/g, '<a href="$2" target="_blank" rel="noopener noreferrer">$1</a>');
      if (/^\s*[-*] /m.test(html)) {
        html = "<ul>" + html.split("\n").filter((l) => l.trim()).map((l) => "<li>" + l.replace(/^\s*[-*] /, "") + "</li>").join("") + "</ul>";
      } else {
        html = html.replace(/\n/g, "<br>");
      }
      return html.trim() ? "<p>" + html + "</p>" : "";
    }).join("");
  }).join("");
}

// --- messages -------------------------------------------------------------------------
function messageElement(role) {
  const el = document.createElement("div");
  el.className = "message " + role;
  el.dataset.testid = role === "user" ? "user-message" : "assistant-message";
  $("messages").appendChild(el);
  return el;
}

function toolElement(parent, kind, name, body, error) {
  const el = document.createElement("div");
  el.className = "tool" + (error ? " error" : "");
  el.dataset.testid = kind;
  const title = document.createElement("div");
  title.textContent = (kind === "tool-call" ? "🔧 " + name : (error ? "⚠️ " : "✅ ") + name + " result");
  const pre = document.createElement("pre");
  pre.textContent = typeof body === "string" ? body : JSON.stringify(body, null, 2);
  el.append(title, pre);
  parent.appendChild(el);
}

// The model's reasoning, folded under the answer (open it to read it).
function reasoningElement(parent) {
  const el = document.createElement("details");
  el.className = "reasoning";
  el.dataset.testid = "reasoning";
  const summary = document.createElement("summary");
  summary.textContent = "Reasoning";
  const pre = document.createElement("pre");
  el.append(summary, pre);
  parent.appendChild(el);
  return el;
}

function setReasoning(el, text, redacted) {
  el.querySelector("pre").textContent = text || (redacted ? "(redacted by the model provider)" : "");
}

function usageElement(parent, usage, steps) {
  const el = document.createElement("div");
  el.className = "usage";
  el.dataset.testid = "usage";
  const cost = (usage.cost_usd || 0).toFixed(6);
  el.textContent = `${usage.input_tokens} in · ${usage.output_tokens} out tokens · $${cost}` + (steps ? ` · ${steps} model call(s)` : "");
  parent.appendChild(el);
}

// The passages a cited answer rests on, as numbered sources under it.
function citationsElement(parent, citations) {
  let el = parent.querySelector(".citations");
  if (!el) {
    el = document.createElement("ol");
    el.className = "citations";
    el.dataset.testid = "citations";
    parent.appendChild(el);
  }
  for (const c of citations) {
    const item = document.createElement("li");
    const where = c.location && c.location.kind === "web" ? c.location.url : (c.title || "source");
    item.textContent = `${where}: “${(c.source_text || []).join(" … ")}”`;
    el.appendChild(item);
  }
}

function renderStored(message, names) {
  const results = message.content.filter((p) => p.type === "tool_result");
  if (message.role === "user" && results.length && !message.content.some((p) => p.type === "text")) {
    // Tool results belong to the previous assistant bubble.
    const bubbles = document.querySelectorAll(".message.assistant");
    const target = bubbles[bubbles.length - 1] || messageElement("assistant");
    for (const r of results) toolElement(target, "tool-result", names[r.tool_use_id] || "tool", r.content, r.status === "error");
    return;
  }
  const el = messageElement(message.role);
  if (message.incomplete) el.classList.add("incomplete");
  let text = "";
  let reasoning = "";
  let redacted = false;
  const citations = [];
  for (const part of message.content) {
    if (part.type === "text") text += part.text;
    if (part.type === "cited_text") {
      text += part.text;
      citations.push(...part.citations);
    }
    if (part.type === "reasoning") {
      reasoning += part.text || "";
      redacted = redacted || Boolean(part.redacted);
    }
    if (part.type === "image") {
      const img = document.createElement("img");
      img.src = "data:image/" + part.format + ";base64," + part.data;
      img.alt = "attached image";
      el.appendChild(img);
    }
    if (part.type === "tool_use") {
      names[part.id] = part.name;
      toolElement(el, "tool-call", part.name, part.input, false);
    }
  }
  if (text) {
    const body = document.createElement("div");
    body.className = "text";
    body.innerHTML = message.role === "assistant" ? renderMarkdown(text) : escapeHtml(text).replace(/\n/g, "<br>");
    el.appendChild(body);
  }
  if (reasoning || redacted) setReasoning(reasoningElement(el), reasoning, redacted);
  if (citations.length) citationsElement(el, citations);
  if (message.role === "assistant" && message.usage) usageElement(el, message.usage);
}

async function loadMessages() {
  $("messages").innerHTML = "";
  if (!state.conversation) return;
  // Pages of at most 100 (the API's default page size cap), oldest first.
  const base = `/conversations/${state.route}/${state.conversation}/messages?order=oldest&limit=100`;
  const names = {};
  let cursor = null;
  do {
    const path = cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base;
    const page = await (await api(path)).json();
    for (const message of page.items) renderStored(message, names);
    cursor = page.next;
  } while (cursor);
  $("messages").scrollTop = $("messages").scrollHeight;
}

async function loadConversations() {
  const page = await (await api(`/conversations/${state.route}?limit=50`)).json();
  const list = $("conversations");
  list.innerHTML = "";
  for (const c of page.items) {
    const li = document.createElement("li");
    li.textContent = c.name || "Untitled";
    li.dataset.id = c.id;
    li.dataset.testid = "conversation";
    if (c.id === state.conversation) li.classList.add("active");
    li.onclick = () => select(c.id);
    list.appendChild(li);
  }
  return page.items;
}

async function select(id) {
  state.conversation = id;
  localStorage.setItem("ai-routes-conversation", id);
  await loadConversations();
  await loadMessages();
}

async function newChat(name) {
  const response = await api(`/conversations/${state.route}`, { method: "POST", body: JSON.stringify({ name: name || "New chat" }) });
  const record = await response.json();
  await select(record.id);
  return record.id;
}

// --- sending and streaming ------------------------------------------------------------
async function* serverSentEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const raw = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message", data = "";
      for (const line of raw.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data += line.slice(5).trim();
      }
      if (data) yield { event, data: JSON.parse(data) };
    }
  }
}

async function send(text) {
  if (state.busy) return;
  if (!state.conversation) await newChat(text.slice(0, 40));
  state.busy = true;
  $("send").disabled = true;
  status("");
  const user = messageElement("user");
  if (state.image) {
    const img = document.createElement("img");
    img.src = "data:image/" + state.image.format + ";base64," + state.image.data;
    user.appendChild(img);
  }
  const userText = document.createElement("div");
  userText.textContent = text;
  user.appendChild(userText);
  const bubble = messageElement("assistant");
  const body = document.createElement("div");
  body.className = "text";
  bubble.appendChild(body);
  let answer = "";
  let thought = "";
  let thoughtRedacted = false;
  let reasoning = null;
  const payload = { text };
  if (state.image) payload.images = [state.image];
  state.image = null;
  $("attachment").textContent = "";
  try {
    const response = await api(`/conversations/${state.route}/${state.conversation}/messages`, { method: "POST", body: JSON.stringify(payload) });
    for await (const { event, data } of serverSentEvents(response)) {
      if (event === "text_delta") {
        answer += data.text;
        body.innerHTML = renderMarkdown(answer);
      } else if (event === "reasoning_delta") {
        reasoning = reasoning || reasoningElement(bubble);
        thought += data.text || "";
        thoughtRedacted = thoughtRedacted || Boolean(data.redacted);
        setReasoning(reasoning, thought, thoughtRedacted);
      } else if (event === "citations") {
        citationsElement(bubble, data.citations);
      } else if (event === "tool_use") {
        toolElement(bubble, "tool-call", data.name, data.input, false);
      } else if (event === "tool_result") {
        toolElement(bubble, "tool-result", data.name, data.content, data.status === "error");
      } else if (event === "turn_done") {
        usageElement(bubble, data.usage, data.steps);
      } else if (event === "error") {
        status(data.message);
        bubble.classList.add("incomplete");
      }
      bubble.appendChild(body);
      if (reasoning) bubble.appendChild(reasoning);
      // Sources stay under the text they support.
      const sources = bubble.querySelector(".citations");
      if (sources) bubble.appendChild(sources);
      $("messages").scrollTop = $("messages").scrollHeight;
    }
  } catch (error) {
    status(error.message);
  } finally {
    state.busy = false;
    $("send").disabled = false;
    loadConversations().catch(() => {});
  }
}

$("composer").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("input").value.trim();
  if (!text) return;
  $("input").value = "";
  send(text);
});
$("input").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("composer").requestSubmit(); }
});
$("new-chat").onclick = () => newChat().catch((e) => status(e.message));
// The token lives in this tab's session storage only: local storage would keep a credential on
// disk for any script of the origin to read long after the tab is closed.
localStorage.removeItem("ai-routes-token"); // written there by earlier versions of this page
$("token").addEventListener("change", () => { sessionStorage.setItem("ai-routes-token", $("token").value.trim()); init(); });
$("image").addEventListener("change", () => {
  const file = $("image").files[0];
  if (!file) return;
  const reader = new FileReader();
  reader.onload = () => {
    const [, format, data] = /^data:image\/([a-z]+);base64,(.*)$/.exec(reader.result) || [];
    if (!data) { status("unsupported image"); return; }
    state.image = { format: format === "jpg" ? "jpeg" : format, data };
    $("attachment").textContent = file.name;
  };
  reader.readAsDataURL(file);
});
$("route").addEventListener("change", () => { state.route = $("route").value; state.conversation = null; init(false); });

async function init(pickRoute = true) {
  try {
    if (pickRoute) {
      const routes = await (await api("/routes")).json();
      $("route").innerHTML = "";
      for (const r of routes.conversations) {
        const option = document.createElement("option");
        option.value = option.textContent = r.name;
        $("route").appendChild(option);
      }
      if (!routes.conversations.length) { status("this server has no conversation routes"); return; }
      state.route = $("route").value;
    }
    const items = await loadConversations();
    const remembered = localStorage.getItem("ai-routes-conversation");
    const pick = items.find((c) => c.id === remembered) || items[0];
    if (pick) await select(pick.id); else $("messages").innerHTML = "";
  } catch (error) {
    status(error.message);
  }
}
init();
