// The datafn demo: a todo list without a framework. Every read goes through
// client.table("todos").query (answered locally once the table is hydrated)
// and every write through mutate (applied locally first and pushed when
// online), so the app keeps working with the network gone.
import { createDatafnClient } from "./vendor/datafn/index.js";

const $ = (sel) => document.querySelector(sel);
const LOG_MAX = 30;

const ui = {
  online: $("#online"),
  pending: $("#pending"),
  hydration: $("#hydration"),
  error: $("#error"),
  form: $("#new-todo"),
  title: $("#new-title"),
  list: $("#list"),
  empty: $("#empty"),
  count: $("#count"),
  log: $("#log"),
  template: $("#todo-item"),
};

const state = { filter: "all", editing: null };

function showError(err) {
  if (!err) {
    ui.error.hidden = true;
    ui.error.textContent = "";
    return;
  }
  ui.error.hidden = false;
  ui.error.textContent = err.code ? `${err.code}: ${err.message}` : String(err.message || err);
}

/** One line of the sync log for an event. */
function describe(e) {
  const c = e.context || {};
  switch (e.type) {
    case "mutation_applied":
    case "mutation_rejected":
      return `${e.type} ${e.action} ${(e.ids || []).join(",")}${c.code ? ` ${c.code}` : ""}`;
    case "sync_started":
      return `sync_started ${c.phase}${c.pendingCount != null ? ` (${c.pendingCount} pending)` : ""}`;
    case "sync_applied":
      return `sync_applied ${c.phase}${c.appliedCount != null ? ` (${c.appliedCount} applied)` : ""}`;
    case "sync_failed":
      return `sync_failed ${c.phase} ${c.error ? c.error.code : ""}`;
    case "sync_retry":
      return `sync_retry attempt ${c.attempt}, next in ${c.delayMs} ms`;
    case "connectivity_changed":
      return `connectivity_changed ${c.isOnline ? "online" : "offline"}`;
    case "hydration_changed":
      return `hydration_changed ${e.resource} ${c.from} → ${c.to}`;
    default:
      return e.type;
  }
}

function logEvent(e) {
  const li = document.createElement("li");
  li.dataset.type = e.type;
  li.textContent = `${new Date(e.timestampMs).toLocaleTimeString()} ${describe(e)}`;
  ui.log.prepend(li);
  while (ui.log.children.length > LOG_MAX) ui.log.lastElementChild.remove();
}

function renderStatus(status) {
  ui.online.dataset.state = status.isOnline ? "online" : "offline";
  ui.online.textContent = status.isOnline ? "online" : "offline";
  ui.pending.textContent = String(status.pending);
  ui.hydration.textContent = Object.entries(status.hydration)
    .map(([table, s]) => `${table}: ${s}`)
    .join(", ");
  ui.hydration.dataset.state = status.hydration.todos || "";
}

function renderItem(todo) {
  const li = ui.template.content.firstElementChild.cloneNode(true);
  li.dataset.id = todo.id;
  li.dataset.status = todo.status;
  li.querySelector(".toggle").checked = todo.status === "done";
  li.querySelector(".title").textContent = todo.title;
  const created = li.querySelector(".created");
  if (todo.createdAt instanceof Date) {
    created.dateTime = todo.createdAt.toISOString();
    created.textContent = todo.createdAt.toLocaleTimeString();
  }
  return li;
}

function renderList(rows) {
  if (state.editing) return; // do not yank the input away while typing
  ui.list.replaceChildren(...rows.map(renderItem));
  ui.empty.hidden = rows.length > 0;
  ui.count.textContent = `${rows.length} ${rows.length === 1 ? "item" : "items"}`;
}

function createApp(client) {
  const todos = client.table("todos");
  let queued = false;

  async function refresh() {
    queued = false;
    try {
      renderStatus(await client.sync.status());
      const filters = state.filter === "all" ? {} : { status: state.filter };
      const { data } = await todos.query({ filters, sort: ["createdAt:desc"] });
      renderList(data);
    } catch (err) {
      showError(err);
    }
  }

  /** Coalesces bursts of events into one refresh. */
  function schedule() {
    if (queued) return;
    queued = true;
    setTimeout(refresh, 0);
  }

  async function mutate(m) {
    const res = await todos.mutate(m).catch((err) => ({ ok: false, errors: [err] }));
    showError(res.ok ? null : res.errors[0]);
    schedule();
    return res;
  }

  return { todos, refresh, schedule, mutate };
}

function startEdit(li) {
  state.editing = li.dataset.id;
  const input = li.querySelector(".edit");
  input.value = li.querySelector(".title").textContent;
  li.querySelector(".title").hidden = true;
  input.hidden = false;
  input.focus();
  input.select();
}

async function finishEdit(app, li, save) {
  if (state.editing !== li.dataset.id) return;
  state.editing = null;
  const title = li.querySelector(".edit").value.trim();
  if (save && title && title !== li.querySelector(".title").textContent) {
    await app.mutate({ operation: "merge", id: li.dataset.id, record: { title } });
  }
  app.schedule();
}

function wire(app) {
  ui.form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const title = ui.title.value.trim();
    if (!title) return;
    const res = await app.mutate({ operation: "insert", record: { title, status: "active" } });
    if (res.ok) ui.title.value = "";
  });

  document.querySelectorAll("[data-filter]").forEach((btn) => {
    btn.addEventListener("click", () => {
      state.filter = btn.dataset.filter;
      document.querySelectorAll("[data-filter]").forEach((b) => b.setAttribute("aria-pressed", String(b === btn)));
      app.schedule();
    });
  });

  ui.list.addEventListener("change", (ev) => {
    const li = ev.target.closest(".todo");
    if (!li || !ev.target.classList.contains("toggle")) return;
    app.mutate({ operation: "merge", id: li.dataset.id, record: { status: ev.target.checked ? "done" : "active" } });
  });

  ui.list.addEventListener("click", (ev) => {
    const li = ev.target.closest(".todo");
    if (!li) return;
    if (ev.target.classList.contains("delete")) app.mutate({ operation: "delete", id: li.dataset.id });
    if (ev.target.classList.contains("rename")) startEdit(li);
  });
  ui.list.addEventListener("dblclick", (ev) => {
    const li = ev.target.closest(".todo");
    if (li && ev.target.classList.contains("title")) startEdit(li);
  });
  ui.list.addEventListener("keydown", (ev) => {
    const li = ev.target.closest(".todo");
    if (!li || !ev.target.classList.contains("edit")) return;
    if (ev.key === "Enter") finishEdit(app, li, true);
    if (ev.key === "Escape") finishEdit(app, li, false);
  });
  ui.list.addEventListener("focusout", (ev) => {
    const li = ev.target.closest(".todo");
    if (li && ev.target.classList.contains("edit")) finishEdit(app, li, true);
  });
}

async function main() {
  const schema = await (await fetch("schema.json")).json();
  const client = await createDatafnClient({
    schema,
    storage: { dbName: "datafn-demo" },
    sync: {
      remote: new URL("datafn", location.href).href,
      offlinability: true,
      hydration: { bootResources: ["todos"] },
    },
  });
  const app = createApp(client);
  globalThis.demo = { client, app };
  client.events.on("*", (e) => {
    logEvent(e);
    app.schedule();
  });
  wire(app);
  ui.title.disabled = false;
  ui.form.querySelector("button").disabled = false;
  await app.refresh();
  await client.sync.start();
  await app.refresh();
  document.body.dataset.ready = "true";
}

main().catch((err) => {
  showError(err);
  document.body.dataset.ready = "error";
});
