// The conflicts page's script (conflicts.html): a file, not inline, so the CSP needs no 'unsafe-inline'.
// Untrusted text (names, addresses, values) only ever goes through textContent.
const TOKEN_KEY = "purifier.admin.token";
const $ = (id) => document.getElementById(id);
const show = (text) => { $("error").textContent = text || ""; };

async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch(path, { ...options, headers });
  const body = response.status === 204 ? null : await response.json();
  if (response.status === 401) { sessionStorage.removeItem(TOKEN_KEY); start(); }
  if (!response.ok) throw new Error((body && body.detail) || response.statusText);
  return body;
}

function cell(row, content) {
  const td = document.createElement("td");
  if (content instanceof Node) td.append(content); else td.textContent = content ?? "";
  row.append(td);
  return td;
}

function value(v) {
  const pre = document.createElement("pre");
  pre.textContent = v === null || v === undefined ? "—" : JSON.stringify(v, null, 1);
  return pre;
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", onClick);
  return b;
}

async function resolve(id, choice, merged) {
  show("");
  const body = { choice };
  if (choice === "merged") {
    try { body.value = JSON.parse(merged); } catch { body.value = merged; }
  }
  try {
    await api(`/api/sync/conflicts/${id}/resolve`, { method: "POST", body: JSON.stringify(body) });
    await load();
  } catch (e) { show(e.message); }
}

async function load() {
  const open = $("only-open").checked ? "&status=open" : "";
  const page = await api(`/api/sync/conflicts?page_size=200${open}`);
  const tbody = $("rows");
  tbody.replaceChildren();
  $("empty").hidden = page.items.length > 0;
  for (const c of page.items) {
    const tr = document.createElement("tr");
    tr.dataset.id = c.id;
    cell(tr, new Date(c.created_at).toLocaleString("zh-CN"));
    cell(tr, `${c.entity} ${c.entity_id}`);
    cell(tr, c.field);
    cell(tr, c.reason);
    cell(tr, value(c.base));
    cell(tr, value(c.server_value));
    cell(tr, value(c.client_value));
    cell(tr, c.status === "open" ? "未处理 open" : `已处理 ${c.resolution}`);
    const actions = cell(tr, "");
    if (c.status === "open") {
      const input = document.createElement("input");
      input.placeholder = "合并值 merged value";
      input.setAttribute("aria-label", "merged value");
      actions.append(
        button("保留服务器值 Keep server", () => resolve(c.id, "server")),
        button("采用设备值 Take device", () => resolve(c.id, "client")),
        input,
        button("保存合并值 Save merged", () => resolve(c.id, "merged", input.value)),
      );
    } else {
      actions.append(value(c.resolved_value));
    }
    tbody.append(tr);
  }
}

function start() {
  const signedIn = Boolean(sessionStorage.getItem(TOKEN_KEY));
  $("login").hidden = signedIn;
  $("main").hidden = !signedIn;
  if (signedIn) load().catch((e) => show(e.message));
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const body = await api("/api/auth/login", {
      method: "POST",
      body: JSON.stringify({
        username: form.get("username"), password: form.get("password"), device_name: "admin page",
      }),
    });
    sessionStorage.setItem(TOKEN_KEY, body.token);
    start();
  } catch (e) { show(e.message); }
});
$("reload").addEventListener("click", () => load().catch((e) => show(e.message)));
$("only-open").addEventListener("change", () => load().catch((e) => show(e.message)));
start();
