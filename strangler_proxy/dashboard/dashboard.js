// strangler proxy dashboard: polls the proxy's data endpoints and draws tables and SVG charts.
// No framework, no build step, no external resources. Every value from the server is put in
// the page as text (textContent), never as HTML.
"use strict";

(() => {
  const TOKEN_KEY = "strangler.adminToken";
  const ACTOR_KEY = "strangler.actor";
  const OVERVIEW_EVERY_MS = 2000;
  const HISTORY_EVERY_MS = 5000;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const MONOLITH = "monolith";
  const MONOLITH_COLOR = "#6b7280";
  const PALETTE = ["#0f766e", "#c2410c", "#6d28d9", "#1d4ed8", "#be185d", "#4d7c0f"];
  const MODE_EFFECT = {
    monolith: (r) => `All traffic of ${r.id} goes to the monolith.`,
    shadow: (r) => `The monolith answers ${r.id}; its requests are also mirrored to ${r.backend} and compared.`,
    canary: (r, p) => `${p || "?"}% of users of ${r.id} go to ${r.backend}; the others to the monolith.`,
    extracted: (r) => `All traffic of ${r.id} goes to ${r.backend}; the monolith answers if it fails.`,
    retired: (r) => `${r.id} answers 410 Gone; no backend sees its requests.`,
  };

  const $ = (id) => document.getElementById(id);
  const state = {
    token: null,
    actor: "",
    overview: null,
    series: null,
    colors: new Map(),
    timers: [],
    flipRoute: null,
    compare: null, // the shadow results (admin API /compare); {available: false} where the proxy has none
  };

  // --- small DOM helpers --------------------------------------------------------------------

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(key, String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function show(node, visible) { node.hidden = !visible; }

  const intFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const fmtInt = (n) => (n === null || n === undefined ? "–" : intFormat.format(n));
  function fmtPct(rate) {
    if (rate === null || rate === undefined) return "–";
    const pct = rate * 100;
    return (pct === 0 ? "0" : pct < 0.1 ? "<0.1" : pct.toFixed(pct < 10 ? 1 : 0)) + "%";
  }
  function fmtMs(ms) {
    if (ms === null || ms === undefined) return "–";
    return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : intFormat.format(Math.round(ms));
  }
  function fmtTime(date, withSeconds) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${pad(date.getHours())}:${pad(date.getMinutes())}` + (withSeconds ? `:${pad(date.getSeconds())}` : "");
  }
  function fmtWhen(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    return `${date.toLocaleDateString()} ${fmtTime(date, true)}`;
  }

  // "5.00" -> "5", "12.50" -> "12.5": the store keeps hundredths of a percent.
  const fmtPercent = (percent) => {
    const text = String(percent);
    return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  };

  function modeBadge(mode, percent) {
    const text = mode === "canary" && percent ? `canary ${fmtPercent(percent)}%` : mode;
    return el("span", { class: `badge mode-${mode}`, text });
  }

  function colorOf(backend) {
    if (backend === MONOLITH) return MONOLITH_COLOR;
    if (!state.colors.has(backend)) state.colors.set(backend, PALETTE[(state.colors.size) % PALETTE.length]);
    return state.colors.get(backend);
  }

  // --- the API ------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  async function api(path, { method = "GET", body, token = state.token } = {}) {
    const headers = { Accept: "application/json" };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {
        method, headers, cache: "no-store", credentials: "omit",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(0, "network", "The proxy cannot be reached.");
    }
    let data = null;
    try { data = await response.json(); } catch (error) { data = null; }
    if (!response.ok) {
      const problem = (data && data.error) || {};
      throw new ApiError(response.status, problem.code || `http_${response.status}`,
        problem.message || `The proxy answered ${response.status}.`);
    }
    return data;
  }

  // --- signing in ---------------------------------------------------------------------------

  async function signIn(token, actor, { remember }) {
    const error = $("signin-error");
    show(error, false);
    $("signin-submit").disabled = true;
    try {
      const overview = await api("dashboard/api/overview", { token });
      state.token = token;
      state.actor = actor;
      if (remember) {
        sessionStorage.setItem(TOKEN_KEY, token);
        sessionStorage.setItem(ACTOR_KEY, actor);
      }
      $("token").value = "";
      enterBoard(overview);
    } catch (failure) {
      sessionStorage.removeItem(TOKEN_KEY);
      error.textContent = failure.status === 401
        ? "The proxy refused this admin token (401 unauthorized). Check STRANGLER_ADMIN_TOKEN."
        : `Cannot load the dashboard: ${failure.message}`;
      show(error, true);
      show($("signin"), true);
    } finally {
      $("signin-submit").disabled = false;
    }
  }

  function signOut(message) {
    for (const timer of state.timers) clearTimeout(timer);
    state.timers = [];
    state.token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    show($("board"), false);
    show($("strip"), false);
    show($("session"), false);
    show($("signin"), true);
    const error = $("signin-error");
    error.textContent = message || "";
    show(error, Boolean(message));
  }

  function enterBoard(overview) {
    show($("signin"), false);
    show($("board"), true);
    show($("strip"), true);
    show($("session"), true);
    $("session-actor").textContent = `Signed in as ${state.actor || "dashboard"}`;
    renderOverview(overview);
    poll(refreshOverview, OVERVIEW_EVERY_MS);
    poll(refreshHistory, HISTORY_EVERY_MS);
    poll(refreshCompare, HISTORY_EVERY_MS);
    poll(refreshSeries, () => 1000 * Math.min(15, Math.max(2, (state.overview && state.overview.sample_seconds) || 5)));
  }

  function poll(task, every) {
    const run = async () => {
      if (!state.token) return;
      await task();
      if (state.token) state.timers.push(setTimeout(run, typeof every === "function" ? every() : every));
    };
    run();
  }

  function handleFailure(failure) {
    if (failure.status === 401) {
      signOut("The proxy no longer accepts this admin token. Enter the current one.");
      return;
    }
    const banner = $("banner");
    banner.textContent = `Live data is not updating: ${failure.message}`;
    show(banner, true);
  }

  function clearBanner() { show($("banner"), false); }

  async function refreshOverview() {
    try {
      renderOverview(await api("dashboard/api/overview"));
      clearBanner();
    } catch (failure) { handleFailure(failure); }
  }

  async function refreshHistory() {
    try {
      renderHistory(await api("api/history?limit=25"));
    } catch (failure) { handleFailure(failure); }
  }

  async function refreshCompare() {
    try {
      const data = await api("api/compare");
      state.compare = { available: true, routes: new Map(data.routes.map((r) => [r.route, r])) };
    } catch (failure) {
      if (failure.status === 404) state.compare = { available: false, routes: new Map() };
      else { handleFailure(failure); return; }
    }
    if (state.overview) renderShadow(state.overview);
  }

  // The report needs the token, which a link cannot carry: fetch it, then show it from a blob: URL.
  async function openReport(routeId) {
    const win = window.open("", "_blank");
    const query = routeId ? `?route=${encodeURIComponent(routeId)}` : "";
    try {
      const response = await fetch(`api/compare/report.html${query}`, {
        headers: { Authorization: `Bearer ${state.token}` }, cache: "no-store", credentials: "omit" });
      if (!response.ok) throw new ApiError(response.status, "report", `The proxy answered ${response.status}.`);
      const url = URL.createObjectURL(new Blob([await response.text()], { type: "text/html" }));
      if (win) win.location.href = url;
      else window.location.href = url;
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (failure) {
      if (win) win.close();
      handleFailure(failure);
    }
  }

  async function refreshSeries() {
    try {
      state.series = await api(`dashboard/api/series?minutes=${encodeURIComponent($("window").value)}`);
      renderCharts();
      renderSplits();
    } catch (failure) { handleFailure(failure); }
  }

  // --- overview: status strip, routes, backends, shadow ---------------------------------------

  function renderOverview(overview) {
    state.overview = overview;
    for (const backend of overview.backends) colorOf(backend.name);
    $("st-version").textContent = String(overview.version);
    const kill = $("st-kill");
    kill.textContent = overview.kill_switch ? "ON: everything to the monolith" : "off";
    kill.className = overview.kill_switch ? "kill-on" : "kill-off";
    $("st-store").textContent = overview.store_problem ? `${overview.store} (unavailable)` : overview.store;
    $("st-updated").textContent = fmtTime(new Date(), true);
    if (overview.store_problem) {
      const banner = $("banner");
      banner.textContent = `The route store is unavailable: ${overview.store_problem}. Showing the modes this worker serves.`;
      show(banner, true);
    }
    renderRoutes(overview);
    renderBackends(overview);
    renderShadow(overview);
  }

  function keyedRows(tbody, items, keyOf, build, update) {
    const existing = new Map([...tbody.rows].map((row) => [row.dataset.key, row]));
    const wanted = [];
    for (const item of items) {
      const key = keyOf(item);
      let row = existing.get(key);
      if (!row) {
        row = build(item);
        row.dataset.key = key;
      }
      existing.delete(key);
      update(row, item);
      wanted.push(row);
    }
    for (const row of existing.values()) row.remove();
    wanted.forEach((row, index) => {
      if (tbody.rows[index] !== row) tbody.insertBefore(row, tbody.rows[index] || null);
    });
  }

  function cell(row, field) { return row.querySelector(`[data-field="${field}"]`); }
  function setCell(row, field, ...content) { cell(row, field).replaceChildren(...content.map((c) => (c instanceof Node ? c : document.createTextNode(String(c))))); }

  function renderRoutes(overview) {
    const tbody = $("routes").tBodies[0];
    keyedRows(tbody, overview.routes, (route) => route.id, (route) => {
      const row = el("tr", { dataset: { route: route.id } });
      for (const [field, numeric] of [["route", false], ["backend", false], ["mode", false], ["percent", true],
        ["split", false], ["requests", true], ["errors", true], ["latency", true], ["fallbacks", true]]) {
        row.append(el("td", { class: numeric ? "num" : field === "split" ? "split" : null, dataset: { field } }));
      }
      const button = el("button", { type: "button", class: "small", dataset: { action: "flip" },
        "aria-label": `Flip route ${route.id}`, text: "Flip…" });
      button.addEventListener("click", () => openFlip(row.dataset.route));
      row.append(el("td", { dataset: { field: "actions" } }, button));
      return row;
    }, (row, route) => {
      const live = route.live || {};
      const methods = route.methods.join(" ");
      setCell(row, "route", el("span", { class: "route-id", text: route.id }),
        el("span", { class: "sub", text: `${route.context} · ${methods} · ${route.paths.join(", ")}` }));
      setCell(row, "backend", route.backend || el("span", { class: "dim", text: "none yet" }));
      setCell(row, "mode", modeBadge(route.mode, route.percent));
      setCell(row, "percent", route.mode === "canary" ? `${fmtPercent(route.percent)}%` : "–");
      setCell(row, "requests", fmtInt(live.requests || 0));
      const errors = cell(row, "errors");
      errors.textContent = fmtPct(live.error_rate);
      errors.className = "num" + (live.error_rate > 0.01 ? " bad" : "");
      setCell(row, "latency", `${fmtMs(live.p50_ms)} / ${fmtMs(live.p99_ms)}`);
      setCell(row, "fallbacks", fmtInt(live.fallbacks || 0));
      row.querySelector('[data-action="flip"]').disabled = !state.token;
    });
    renderSplits();
    const others = overview.other_routes.filter((r) => r.live && r.live.requests);
    const note = $("other-routes");
    note.textContent = others.length
      ? "Also served: " + others.map((r) => `${r.id === "default" ? "requests no route names (to the monolith)" : r.id}: ${fmtInt(r.live.requests)}`).join("; ")
      : "";
    show(note, others.length > 0);
  }

  function renderSplits() {
    if (!state.overview) return;
    const recent = state.series && state.series.sampling ? state.series.recent.routes : null;
    for (const route of state.overview.routes) {
      const row = $("routes").querySelector(`tr[data-route="${CSS.escape(route.id)}"]`);
      if (!row) continue;
      const byBackend = (recent && recent[route.id] && recent[route.id].by_backend) || null;
      const total = byBackend ? Object.values(byBackend).reduce((a, b) => a + b, 0) : 0;
      if (!total) {
        setCell(row, "split", el("span", { class: "dim", text: state.series && !state.series.sampling ? "sampling off" : "no recent traffic" }));
        continue;
      }
      const bar = el("div", { class: "split-bar", role: "img" });
      const parts = [];
      for (const [backend, count] of Object.entries(byBackend).sort((a, b) => b[1] - a[1])) {
        const share = count / total;
        const piece = el("span", { title: `${backend}: ${fmtInt(count)} requests` });
        piece.style.width = `${(share * 100).toFixed(2)}%`;
        piece.style.background = colorOf(backend);
        bar.append(piece);
        parts.push(`${backend} ${fmtPct(share)}`);
      }
      bar.setAttribute("aria-label", parts.join(", "));
      setCell(row, "split", bar, el("span", { class: "split-text", text: parts.join(" · ") }));
    }
  }

  function renderBackends(overview) {
    const tbody = $("backends").tBodies[0];
    keyedRows(tbody, overview.backends, (b) => b.name, (backend) => {
      const row = el("tr", { dataset: { backend: backend.name } });
      for (const [field, numeric] of [["name", false], ["instances", false], ["requests", true], ["errors", true],
        ["latency", true], ["fallbacks", true]]) {
        row.append(el("td", { class: numeric ? "num" : null, dataset: { field } }));
      }
      return row;
    }, (row, backend) => {
      const live = backend.live || {};
      const swatch = el("i", { class: "swatch" });
      const name = el("span", { class: "legend" }, el("span", {}, swatch, backend.name));
      swatch.style.background = colorOf(backend.name);
      setCell(row, "name", name);
      const instances = backend.instances.length ? backend.instances : backend.urls.map((url) => ({ url, circuit: "unknown", healthy: null }));
      setCell(row, "instances", ...instances.map((instance) => {
        const circuit = instance.circuit.replace("_", "-");
        return el("span", { class: "instance" },
          el("span", { class: "url", text: instance.url }),
          el("span", { class: `badge state-${instance.circuit}`, text: `circuit ${circuit}` }), " ",
          instance.healthy === false ? el("span", { class: "badge state-down", text: "failing health checks" }) : null);
      }));
      setCell(row, "requests", fmtInt(live.requests || 0));
      const errors = cell(row, "errors");
      errors.textContent = fmtPct(live.error_rate);
      errors.className = "num" + (live.error_rate > 0.01 ? " bad" : "");
      setCell(row, "latency", `${fmtMs(live.p50_ms)} / ${fmtMs(live.p95_ms)} / ${fmtMs(live.p99_ms)}`);
      setCell(row, "fallbacks", backend.name === MONOLITH ? "–" : fmtInt(live.fallbacks || 0));
    });
  }

  function renderShadow(overview) {
    const compare = state.compare;
    const results = compare ? compare.routes : new Map();
    const rows = [];
    for (const route of overview.routes) {
      const mirror = (route.live && route.live.mirror) || {};
      const mirrored = Object.values(mirror).reduce((a, b) => a + b, 0);
      const result = results.get(route.id) || null;
      if (route.mode !== "shadow" && !mirrored && !(result && result.compared)) continue;
      rows.push({ route, mirror, result });
    }
    const tbody = $("shadow").tBodies[0];
    keyedRows(tbody, rows, (r) => r.route.id, (r) => {
      const row = el("tr", { dataset: { route: r.route.id } });
      for (const [field, numeric] of [["route", false], ["mirrored", true], ["compared", true], ["mismatch", true],
        ["gate", false], ["report", false]]) {
        row.append(el("td", { class: numeric ? "num" : null, dataset: { field } }));
      }
      return row;
    }, (row, r) => {
      setCell(row, "route", el("span", { class: "route-id", text: r.route.id }), " ", modeBadge(r.route.mode, r.route.percent));
      const lost = (r.mirror.failed || 0) + (r.mirror.dropped || 0) + (r.mirror.error || 0);
      setCell(row, "mirrored", fmtInt(r.mirror.sent || 0) + (lost ? ` (${fmtInt(lost)} lost)` : ""));
      const mismatch = cell(row, "mismatch");
      if (r.result) {
        setCell(row, "compared", fmtInt(r.result.compared));
        mismatch.textContent = r.result.compared ? fmtPct(r.result.mismatch_rate) : "–";
        mismatch.className = "num" + (r.result.mismatch_rate > 0.001 ? " bad" : "");
        const gate = r.result.gate;
        setCell(row, "gate", gate
          ? el("span", { class: `badge ${gate.allowed ? "state-closed" : "state-half_open"}`, title: gate.explanation,
            text: gate.allowed ? "evidence enough" : `${fmtInt(gate.compared)} of ${fmtInt(gate.min_compared)} compared` })
          : "–");
        if (!cell(row, "report").querySelector('[data-action="report"]')) {
          const button = el("button", { type: "button", class: "small secondary", dataset: { action: "report" },
            "aria-label": `Diff report of ${r.route.id}`, text: "Diff report" });
          button.addEventListener("click", () => openReport(row.dataset.route));
          setCell(row, "report", button);
        }
      } else {
        setCell(row, "compared", "–");
        mismatch.textContent = "–";
        mismatch.className = "num";
        setCell(row, "gate", "–");
        setCell(row, "report", el("span", { class: "dim", text: "no comparison results" }));
      }
    });
    const empty = $("shadow-empty");
    if (!rows.length) empty.textContent = "No shadow data yet: no route is in shadow mode and nothing was compared.";
    else if (compare && !compare.available) empty.textContent = "No shadow comparison results: this proxy mirrors shadowed requests but does not compare them.";
    else empty.textContent = "";
    show(empty, Boolean(empty.textContent));
    show($("shadow").parentElement, rows.length > 0);
    show($("shadow-hint"), Boolean(compare && compare.available && rows.length));
    show($("shadow-report"), Boolean(compare && compare.available && [...results.values()].some((r) => r.compared)));
  }

  // --- audit history ------------------------------------------------------------------------

  function describeState(value) {
    if (!value || typeof value !== "object") return String(value);
    if ("on" in value) return value.on ? "on" : "off";
    return value.mode === "canary" ? `canary ${fmtPercent(value.percent)}%` : String(value.mode);
  }

  function renderHistory(data) {
    const tbody = $("history").tBodies[0];
    keyedRows(tbody, data.entries, (e) => String(e.version), (entry) => {
      const row = el("tr", { dataset: { version: String(entry.version) } });
      row.append(
        el("td", { class: "num", text: String(entry.version) }),
        el("td", { text: fmtWhen(entry.at) }),
        el("td", { text: entry.actor }),
        el("td", {}, el("span", { class: "route-id", text: entry.subject })),
        el("td", { text: `${describeState(entry.before)} → ${describeState(entry.after)}` }),
        el("td", { text: entry.reason }),
      );
      return row;
    }, () => {});
    show($("history-empty"), data.entries.length === 0);
  }

  // --- flips and the kill switch ------------------------------------------------------------

  function openFlip(routeId) {
    const route = state.overview && state.overview.routes.find((r) => r.id === routeId);
    if (!route || !state.token) return;
    state.flipRoute = route;
    $("flip-title").textContent = `Flip route ${route.id}`;
    $("flip-current").replaceChildren(modeBadge(route.mode, route.percent));
    const select = $("flip-mode");
    for (const option of select.options) {
      option.disabled = !route.backend && ["shadow", "canary", "extracted"].includes(option.value);
    }
    const next = route.backend ? { monolith: "shadow", shadow: "canary", canary: "extracted" }[route.mode] : null;
    select.value = next || route.mode;
    $("flip-percent").value = route.mode === "canary" && route.percent ? fmtPercent(route.percent) : "5";
    $("flip-reason").value = "";
    $("flip-force").checked = false;
    show($("flip-error"), false);
    updateFlipEffect();
    $("flip-dialog").showModal();
    $("flip-reason").focus();
  }

  function updateFlipEffect() {
    const route = state.flipRoute;
    if (!route) return;
    const mode = $("flip-mode").value;
    show($("flip-percent-row"), mode === "canary");
    show($("flip-force-row"), mode === "extracted" && Boolean(state.compare && state.compare.available));
    $("flip-effect").textContent = MODE_EFFECT[mode](route, $("flip-percent").value);
  }

  async function submitFlip(event) {
    event.preventDefault();
    const route = state.flipRoute;
    const mode = $("flip-mode").value;
    const reason = $("flip-reason").value.trim();
    const error = $("flip-error");
    if (!reason) {
      error.textContent = "A reason is required: it goes into the audit log.";
      show(error, true);
      return;
    }
    const body = { mode, reason, actor: state.actor || "dashboard" };
    if (mode === "canary") body.percent = $("flip-percent").value;
    if (mode === "extracted" && $("flip-force").checked) body.force = true;
    $("flip-submit").disabled = true;
    try {
      const result = await api(`api/routes/${encodeURIComponent(route.id)}/flip`, { method: "POST", body });
      $("flip-dialog").close();
      toast(`Route ${route.id} is now ${mode === "canary" ? `canary ${body.percent}%` : mode} (store version ${result.version}).`);
      await Promise.all([refreshOverview(), refreshHistory()]);
    } catch (failure) {
      if (failure.status === 401) {
        $("flip-dialog").close();
        signOut("The proxy refused the admin token; the route was not flipped.");
        return;
      }
      error.textContent = `Not flipped: ${failure.message}`;
      show(error, true);
    } finally {
      $("flip-submit").disabled = false;
    }
  }

  function openKill() {
    if (!state.overview || !state.token) return;
    const on = state.overview.kill_switch;
    $("kill-title").textContent = on ? "Turn the kill switch off" : "Turn the kill switch on";
    $("kill-effect").textContent = on
      ? "Routes go back to their own modes."
      : "Every route goes to the monolith at once, whatever its mode, until the switch is turned off.";
    $("kill-submit").textContent = on ? "Turn it off" : "Turn it on";
    $("kill-reason").value = "";
    show($("kill-error"), false);
    $("kill-dialog").showModal();
    $("kill-reason").focus();
  }

  async function submitKill(event) {
    event.preventDefault();
    const on = !state.overview.kill_switch;
    const reason = $("kill-reason").value.trim();
    const error = $("kill-error");
    if (!reason) {
      error.textContent = "A reason is required: it goes into the audit log.";
      show(error, true);
      return;
    }
    try {
      await api("api/kill-switch", { method: "POST", body: { on, reason, actor: state.actor || "dashboard" } });
      $("kill-dialog").close();
      toast(`Kill switch ${on ? "on: everything goes to the monolith" : "off"}.`);
      await Promise.all([refreshOverview(), refreshHistory()]);
    } catch (failure) {
      if (failure.status === 401) {
        $("kill-dialog").close();
        signOut("The proxy refused the admin token; the kill switch was not changed.");
        return;
      }
      error.textContent = `Not changed: ${failure.message}`;
      show(error, true);
    }
  }

  let toastTimer = null;
  function toast(message) {
    const node = $("toast");
    node.textContent = message;
    show(node, true);
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => show(node, false), 8000);
  }

  // --- charts -------------------------------------------------------------------------------

  const CHART = { width: 640, height: 230, left: 54, right: 14, top: 12, bottom: 30 };

  // Round tick steps (1, 2, 2.5 or 5 times a power of ten), at most four of them above zero.
  function niceScale(value) {
    if (!(value > 0)) return { step: 0.25, ticks: 4 };
    const rough = value / 4;
    const power = 10 ** Math.floor(Math.log10(rough));
    const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= rough);
    return { step, ticks: Math.max(1, Math.ceil(value / step - 1e-9)) };
  }

  function fmtAxis(value) {
    if (value === 0) return "0";
    if (Math.abs(value) >= 1000) return `${intFormat.format(value / 1000)}k`;
    if (Math.abs(value) >= 10) return intFormat.format(value);
    return String(Number(value.toPrecision(2)));
  }

  // series: [{label, color, values (numbers or null), dashed}]; stacked sums the values upwards.
  function drawChart(figure, buckets, step, series, { stacked = false, unit = "", empty = "No data in this window." } = {}) {
    const { width, height, left, right, top, bottom } = CHART;
    const plotWidth = width - left - right;
    const plotHeight = height - top - bottom;
    const count = buckets.length;
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
    const stackedValues = [];
    let max = 0;
    let any = false;
    const base = new Array(count).fill(0);
    for (const s of series) {
      const values = s.values.map((v, i) => {
        if (v === null || v === undefined) return null;
        // A rate of 0% is data (a flat line); stacked traffic of 0 everywhere is not.
        any = any || (stacked ? v > 0 : true);
        return stacked ? base[i] + v : v;
      });
      if (stacked) values.forEach((v, i) => { if (v !== null) base[i] = v; });
      stackedValues.push(values);
      for (const v of values) if (v !== null && v > max) max = v;
    }
    const scale = niceScale(max);
    const yMax = scale.step * scale.ticks;
    const x = (i) => left + (count <= 1 ? plotWidth / 2 : (i * plotWidth) / (count - 1));
    const y = (v) => top + plotHeight - (v / yMax) * plotHeight;

    for (let t = 0; t <= scale.ticks; t++) {
      const value = scale.step * t;
      root.append(svg("line", { class: t === 0 ? "base" : "grid", x1: left, x2: width - right, y1: y(value), y2: y(value) }));
      root.append(svg("text", { class: "axis", x: left - 6, y: y(value) + 4, "text-anchor": "end" }, fmtAxis(value)));
    }
    const labels = Math.min(6, count);
    for (let n = 0; n < labels; n++) {
      const i = labels === 1 ? 0 : Math.round((n * (count - 1)) / (labels - 1));
      const date = new Date(buckets[i] * 1000);
      root.append(svg("text", { class: "axis", x: x(i), y: height - 10, "text-anchor": n === 0 ? "start" : n === labels - 1 ? "end" : "middle" },
        fmtTime(date, step < 60)));
    }
    if (!any || count === 0) {
      root.append(svg("text", { class: "none", x: left + plotWidth / 2, y: top + plotHeight / 2, "text-anchor": "middle" }, empty));
    } else {
      // Draw stacked areas from the top series down, so each lower one paints over the one above.
      for (let k = series.length - 1; k >= 0; k--) {
        const s = series[k];
        const values = stackedValues[k];
        if (stacked) {
          const below = k === 0 ? new Array(count).fill(0) : stackedValues[k - 1].map((v) => v || 0);
          const upper = values.map((v, i) => `${x(i).toFixed(1)},${y(v === null ? below[i] : v).toFixed(1)}`);
          const lower = below.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).reverse();
          root.append(svg("polygon", { points: [...upper, ...lower].join(" "), fill: s.color, "fill-opacity": 0.8, stroke: s.color, "stroke-width": 1 }));
        } else {
          let d = "";
          let pen = false;
          values.forEach((v, i) => {
            if (v === null) { pen = false; return; }
            d += `${pen ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
            pen = true;
          });
          if (d) root.append(svg("path", { d, fill: "none", stroke: s.color, "stroke-width": 2, "stroke-dasharray": s.dashed ? "5 4" : null, "stroke-linejoin": "round" }));
          values.forEach((v, i) => {
            const isolated = v !== null && (i === 0 || values[i - 1] === null) && (i === count - 1 || values[i + 1] === null);
            if (isolated) root.append(svg("circle", { cx: x(i), cy: y(v), r: 2.5, fill: s.color }));
          });
        }
      }
    }
    // One transparent column per step, whose tooltip reads out the values.
    const column = count > 1 ? plotWidth / (count - 1) : plotWidth;
    for (let i = 0; i < count; i++) {
      const readout = series.map((s) => `${s.label}: ${s.values[i] === null || s.values[i] === undefined ? "–" : fmtAxis(s.values[i])}${unit}`);
      root.append(svg("rect", { x: x(i) - column / 2, y: top, width: column, height: plotHeight, fill: "transparent" },
        svg("title", {}, `${fmtTime(new Date(buckets[i] * 1000), true)}\n${readout.join("\n")}`)));
    }
    const legend = el("div", { class: "legend" });
    const seen = new Set();
    for (const s of series) {
      const label = s.legend || s.label;
      if (seen.has(label)) continue;
      seen.add(label);
      const swatch = el("i");
      swatch.style.background = s.color;
      legend.append(el("span", {}, swatch, label));
    }
    const caption = figure.querySelector("figcaption");
    figure.replaceChildren(caption, root, legend);
  }

  function renderCharts() {
    const data = state.series;
    const hint = $("charts-hint");
    if (!data) return;
    if (!data.sampling) {
      hint.textContent = "Sampling is off (STRANGLER_DASHBOARD_SAMPLE_SECONDS=0): no charts.";
      return;
    }
    hint.textContent = `One point per ${data.step_seconds} s, from samples every ${data.sample_seconds} s written by every worker (${data.samples} store). The interval in progress appears when it ends.`;
    const step = data.step_seconds;
    const names = Object.keys(data.backends).sort((a, b) => (a === MONOLITH ? -1 : b === MONOLITH ? 1 : a.localeCompare(b)));
    const perSecond = (values) => values.map((v) => (v === null ? null : v / step));
    drawChart($("chart-traffic"), data.buckets, step,
      names.map((name) => ({ label: name, color: colorOf(name), values: perSecond(data.backends[name].requests || []) })),
      { stacked: true, unit: " req/s", empty: "No traffic in this window yet." });
    drawChart($("chart-errors"), data.buckets, step,
      names.map((name) => {
        const series = data.backends[name];
        const values = (series.requests || []).map((n, i) => (n ? (100 * ((series.errors || [])[i] || 0)) / n : null));
        return { label: name, color: colorOf(name), values };
      }),
      { unit: "%", empty: "No traffic in this window yet." });
    const latency = [];
    for (const name of names) {
      latency.push({ label: `${name} p95`, legend: name, color: colorOf(name), values: data.backends[name].p95_ms || [] });
      latency.push({ label: `${name} p50`, legend: name, color: colorOf(name), values: data.backends[name].p50_ms || [], dashed: true });
    }
    drawChart($("chart-latency"), data.buckets, step, latency, { unit: " ms", empty: "No traffic in this window yet." });
    const shadow = data.shadow || null;
    if (shadow && shadow.mismatch_rate) {
      drawChart($("chart-mismatch"), data.buckets, step,
        [{ label: "mismatch", color: "#b91c1c", values: shadow.mismatch_rate.map((v) => (v === null ? null : v * 100)) }],
        { unit: "%", empty: "No compared requests in this window." });
    } else {
      drawChart($("chart-mismatch"), data.buckets, step, [], { empty: "No shadow comparison data." });
    }
  }

  // --- start --------------------------------------------------------------------------------

  function start() {
    $("signin-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token").value.trim();
      if (!token) return;
      signIn(token, $("actor").value.trim(), { remember: true });
    });
    $("signout").addEventListener("click", () => signOut());
    $("flip-form").addEventListener("submit", submitFlip);
    $("flip-cancel").addEventListener("click", () => $("flip-dialog").close());
    $("flip-mode").addEventListener("change", updateFlipEffect);
    $("flip-percent").addEventListener("input", updateFlipEffect);
    $("kill-open").addEventListener("click", openKill);
    $("kill-form").addEventListener("submit", submitKill);
    $("kill-cancel").addEventListener("click", () => $("kill-dialog").close());
    $("window").addEventListener("change", refreshSeries);
    $("shadow-report").addEventListener("click", () => openReport(null));
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) {
      $("actor").value = sessionStorage.getItem(ACTOR_KEY) || "";
      signIn(saved, $("actor").value, { remember: true });
    }
  }

  start();
})();
