/*
 * The passport page: reads the learner's passport, their gap to a chosen ESCO occupation and the
 * recommended next credentials from the /v1 API, with the bearer token the learner typed in.
 *
 * Everything the API returns is put on the page as text (textContent), never as markup, because
 * credential titles and learning outcomes come from issuers the page does not control.
 */
"use strict";

(() => {
  // sessionStorage, not localStorage: the token must not outlive the tab, and never goes in the URL.
  const TOKEN_KEY = "skillmatch.token";
  const SVG = "http://www.w3.org/2000/svg";
  const OCCUPATION_RESULTS = 10;

  const $ = (id) => document.getElementById(id);

  /** An error the API reported, carrying its problem document's title and detail. */
  class ApiError extends Error {
    constructor(status, title, detail) {
      super(detail || title || `HTTP ${status}`);
      this.status = status;
      this.title = title;
    }
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  async function api(path) {
    let response;
    try {
      response = await fetch(path, {
        headers: { Authorization: `Bearer ${token()}`, Accept: "application/json" },
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer",
      });
    } catch (error) {
      throw new ApiError(0, "The service cannot be reached", "Check your connection and try again.");
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const problem = body && typeof body === "object" ? body : {};
      throw new ApiError(response.status, problem.title || response.statusText,
        typeof problem.detail === "string" ? problem.detail : "");
    }
    return body;
  }

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function svg(tag, attributes = {}, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showMessage(error, context) {
    const box = $("message");
    box.replaceChildren();
    const heading = context ? `${context}: ${error.title || "error"}` : error.title || "Something went wrong";
    box.append(el("strong", {}, heading));
    if (error.message && error.message !== error.title) box.append(el("span", {}, error.message));
    box.hidden = false;
  }

  function clearMessage() {
    $("message").hidden = true;
    $("message").replaceChildren();
  }

  function busy(text) {
    $("loading").textContent = text || "";
  }

  const percent = (value) => `${Math.round((value || 0) * 100)}%`;
  const decimal = (value) => (value === null || value === undefined ? "–" : Number(value).toFixed(2));
  const day = (iso) => (iso ? String(iso).slice(0, 10) : "–");
  const orDash = (value) => (value === null || value === undefined || value === "" ? "–" : value);

  const ORIGIN = { issuer: "asserted by the issuer", inferred: "found by the matcher" };
  const STATE = {
    issuer: "issuer-asserted", confirmed: "confirmed by the institution", linked: "linked by the matcher",
    suggested: "suggested only", claimed: "claimed: the credential is not verified",
  };
  const REVIEW = { confirmed: "confirmed", rejected: "rejected" };

  /* ---- passport ---- */

  function renderSummary(passport) {
    const summary = $("summary");
    summary.replaceChildren();
    const items = [
      ["Credentials", passport.credentials.length],
      ["Proven skills", passport.skills.length],
      ["Total ECTS", Number(passport.total_ects || 0).toLocaleString("en", { maximumFractionDigits: 1 })],
      ["Study hours", Math.round(passport.total_hours || 0).toLocaleString("en")],
    ];
    for (const [term, value] of items) summary.append(el("div", {}, el("dt", {}, term), el("dd", {}, value)));
  }

  function renderCredentials(credentials) {
    const body = $("credentials").tBodies[0];
    body.replaceChildren();
    if (!credentials.length) {
      body.append(el("tr", {}, el("td", { colspan: "6" }, "No credentials yet.")));
      return;
    }
    for (const c of credentials) {
      const verification = c.verification || {};
      const status = verification.status || "unverifiable";
      const method = verification.method ? ` (${verification.method})` : "";
      body.append(el("tr", {},
        el("th", { scope: "row" }, c.title, outcomeProofs(c.outcomes || [])),
        el("td", {}, orDash(c.issuer)),
        el("td", { class: "num" }, orDash(c.eqf_level)),
        el("td", { class: "num" }, orDash(c.ects)),
        el("td", {}, el("time", { datetime: c.issued_on }, day(c.issued_on))),
        el("td", {},
          el("span", { class: `badge ${status}` }, status + method),
          verification.reason ? el("span", { class: "reason" }, verification.reason) : null)));
    }
  }

  /* What each learning outcome of a credential proves (+), claims from an unverified credential (~)
   * and only suggests (?), marked in text so the list reads without colour. */
  function outcomeProofs(outcomes) {
    const stated = outcomes.filter((o) => o.outcome !== null).length;
    if (!outcomes.length) return null;
    const MARK = { proven: "+", claimed: "~", suggested: "?" };
    const skillItem = (s, kind) => el("li", { class: kind },
      `${MARK[kind]} ${s.label}`,
      el("span", { class: "reason" }, [
        kind === "suggested" ? "suggested, for the institution's review" : STATE[s.state] || s.state,
        s.confidence === null ? null : `confidence ${decimal(s.confidence)}`,
        s.reading ? `read as “${s.reading}”` : null,
        s.alternatives.length ? `or ${s.alternatives.map((a) => a.label).join(", ")}` : null,
      ].filter(Boolean).join(" · ")));
    return el("details", { class: "outcomes" },
      el("summary", {}, `What its ${stated} learning outcome${stated === 1 ? "" : "s"} prove`),
      el("ul", {}, ...outcomes.map((o) => el("li", {},
        el("span", { class: "outcome" }, o.outcome === null ? "The credential as a whole" : o.outcome),
        el("ul", {},
          ...o.proves.map((s) => skillItem(s, "proven")),
          ...(o.claims || []).map((s) => skillItem(s, "claimed")),
          ...o.suggests.map((s) => skillItem(s, "suggested")),
          o.proves.length || (o.claims || []).length || o.suggests.length
            ? null : el("li", {}, "No ESCO skill found."))))));
  }

  function renderRejected(rejected) {
    const list = $("rejected");
    list.replaceChildren(...(rejected || []).map((r) => el("li", {}, el("strong", {}, r.title), `: ${r.problem}`)));
    $("rejected-box").hidden = !list.children.length;
  }

  function evidenceTable(evidence) {
    const rows = evidence.map((e) => el("tr", {},
      el("td", {}, e.credential, e.issuer ? el("span", { class: "reason" }, e.issuer) : null),
      el("td", {}, orDash(e.outcome)),
      el("td", {}, orDash(e.matched)),
      el("td", { class: "num" }, decimal(e.confidence)),
      el("td", {}, ORIGIN[e.origin] || e.origin, el("span", { class: "reason" }, STATE[e.state] || e.state)),
      el("td", {}, REVIEW[e.reviewed] || "not reviewed"),
      el("td", {}, e.verified ? "verified" : "not verified")));
    return el("div", { class: "scroll" }, el("table", { class: "evidence" },
      el("thead", {}, el("tr", {}, ...["Credential", "Learning outcome", "Matched label", "Confidence", "Origin",
        "Reviewed", "Credential signature"].map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows)));
  }

  function skillItem(skill) {
    const sources = skill.evidence.length === 1 ? "1 credential" : `${skill.evidence.length} credentials`;
    return el("li", { "data-uri": skill.uri },
      el("details", {},
        el("summary", {},
          el("span", { class: "skill-label" }, skill.label),
          el("span", { class: "skill-meta" },
            `confidence ${decimal(skill.confidence)} · ${sources}${skill.group ? ` · ${skill.group}` : ""}`)),
        evidenceTable(skill.evidence)));
  }

  function renderSkills(passport) {
    const pillars = $("pillars");
    pillars.replaceChildren();
    const byUri = new Map(passport.skills.map((s) => [s.uri, s]));
    const groups = Object.entries(passport.by_pillar || {});
    if (!groups.length) pillars.append(el("p", {}, "No proven skills yet."));
    groups.sort(([a], [b]) => a.localeCompare(b));
    for (const [pillar, uris] of groups) {
      const id = `pillar-${pillar.replace(/[^a-z0-9]+/gi, "-")}`;
      const skills = uris.map((uri) => byUri.get(uri)).filter(Boolean);
      pillars.append(el("section", { class: "pillar", "aria-labelledby": id, "data-pillar": pillar },
        el("h4", { id }, `${pillar} (${skills.length})`),
        el("ul", { class: "skills" }, ...skills.map(skillItem))));
    }
    const claimed = $("claimed");
    claimed.replaceChildren(...(passport.claimed || []).map(skillItem));
    if (!claimed.children.length) claimed.append(el("li", {}, "None."));
    const suggested = $("suggested");
    suggested.replaceChildren(...passport.suggested.map(skillItem));
    if (!passport.suggested.length) suggested.append(el("li", {}, "None."));
  }

  async function loadPassport() {
    clearMessage();
    busy("Loading your passport…");
    try {
      const passport = await api("/v1/passports/me");
      renderSummary(passport);
      renderCredentials(passport.credentials);
      renderRejected(passport.rejected);
      renderSkills(passport);
      $("passport").hidden = false;
      $("target").hidden = false;
    } catch (error) {
      $("passport").hidden = true;
      $("target").hidden = true;
      if (error.status === 401 || error.status === 403) sessionStorage.removeItem(TOKEN_KEY);
      showMessage(error, "Your passport could not be loaded");
    } finally {
      busy("");
    }
  }

  /* ---- occupation, gap and plan ---- */

  async function searchOccupations(event) {
    event.preventDefault();
    clearMessage();
    const query = $("occupation-query").value.trim();
    const list = $("occupation-results");
    list.replaceChildren();
    if (query.length < 2) return;
    busy("Searching occupations…");
    try {
      const params = new URLSearchParams({ q: query, kind: "occupation", limit: String(OCCUPATION_RESULTS) });
      const found = await api(`/v1/taxonomy/search?${params}`);
      const hits = found.data || [];
      if (!hits.length) list.append(el("li", {}, `No ESCO occupation matches “${query}”.`));
      for (const hit of hits) {
        const button = el("button", { type: "button", "aria-pressed": "false", "data-uri": hit.uri }, hit.label);
        button.addEventListener("click", () => {
          for (const other of list.querySelectorAll("button")) other.setAttribute("aria-pressed", "false");
          button.setAttribute("aria-pressed", "true");
          loadTarget(hit.uri);
        });
        list.append(el("li", {}, button));
      }
    } catch (error) {
      showMessage(error, "The occupation search failed");
    } finally {
      busy("");
    }
  }

  // The occupation the gap and plan on the page are for, so a new budget can recompute them.
  let currentOccupation = null;

  async function loadTarget(uri) {
    currentOccupation = uri;
    clearMessage();
    busy("Comparing your skills with the occupation…");
    const params = new URLSearchParams({ occupation: uri });
    const budget = $("max-ects").value.trim();
    const planParams = new URLSearchParams(params);
    if (budget) planParams.set("max_ects", budget);
    const [gap, plan] = await Promise.allSettled([
      api(`/v1/passports/me/gap?${params}`),
      api(`/v1/passports/me/recommendations?${planParams}`),
    ]);
    busy("");
    if (gap.status === "rejected") {
      $("gap").hidden = true;
      showMessage(gap.reason, "The gap could not be computed");
      return;
    }
    renderGap(gap.value, plan.status === "fulfilled" ? plan.value : null);
    if (plan.status === "rejected") {
      renderPlanError(plan.reason);
      showMessage(plan.reason, "The recommendations could not be computed");
    } else {
      renderPlan(plan.value);
    }
    $("gap").hidden = false;
    $("gap-title").focus();
  }

  function tally(skills, relation) {
    const counts = { held: 0, partial: 0, missing: 0 };
    for (const s of skills) if (s.relation === relation) counts[s.status] += 1;
    return counts;
  }

  /**
   * The coverage chart: one stacked bar per relation (essential, optional) split into held, partly
   * held and missing skills, and a bar of the weighted coverage now and after the recommended
   * credentials. Each segment is labelled with its count so the chart reads without colour.
   */
  function drawChart(gap, plan) {
    const width = 640;
    const labelWidth = 170;
    const barWidth = width - labelWidth - 10;
    const barHeight = 28;
    const rowGap = 18;
    const after = plan && plan.recommendations && plan.recommendations.length ? plan.coverage_after : null;
    const rows = [
      { label: "Essential skills", counts: tally(gap.skills, "essential") },
      { label: "Optional skills", counts: tally(gap.skills, "optional") },
    ];
    const height = (rows.length + 1) * (barHeight + rowGap) + 50;
    const chart = svg("svg", {
      viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "chart-title chart-desc",
      "data-occupation": gap.occupation,
    });
    chart.append(svg("title", { id: "chart-title" }, `Coverage of ${gap.label}`));
    const description = rows.map((r) => `${r.label}: ${r.counts.held} held, ${r.counts.partial} partly held, `
      + `${r.counts.missing} missing`).join("; ");
    chart.append(svg("desc", { id: "chart-desc" }, `${description}. Weighted coverage ${percent(gap.coverage)}`
      + (after !== null ? `, ${percent(after)} with the recommended credentials.` : ".")));

    let y = 10;
    for (const row of rows) {
      const total = row.counts.held + row.counts.partial + row.counts.missing;
      chart.append(svg("text", { x: 0, y: y + barHeight / 2 + 5 }, `${row.label} (${total})`));
      chart.append(svg("rect", { x: labelWidth, y, width: barWidth, height: barHeight, class: "seg-track" }));
      let x = labelWidth;
      for (const status of ["held", "partial", "missing"]) {
        const count = row.counts[status];
        if (!count) continue;
        const w = (count / total) * barWidth;
        const segment = svg("rect", { x, y, width: w, height: barHeight, class: `seg-${status}`,
          "data-status": status, "data-count": count });
        segment.append(svg("title", {}, `${count} ${status === "partial" ? "partly held" : status}`));
        chart.append(segment);
        if (w >= 14) {
          chart.append(svg("text", { x: x + w / 2, y: y + barHeight / 2 + 5, "text-anchor": "middle",
            class: `inside${status === "partial" ? " dark" : ""}` }, String(count)));
        }
        x += w;
      }
      y += barHeight + rowGap;
    }

    chart.append(svg("text", { x: 0, y: y + barHeight / 2 + 5 }, "Weighted coverage"));
    chart.append(svg("rect", { x: labelWidth, y, width: barWidth, height: barHeight, class: "seg-track" }));
    const now = Math.max(0, Math.min(1, gap.coverage)) * barWidth;
    if (after !== null && after > gap.coverage) {
      const extra = (Math.min(1, after) - gap.coverage) * barWidth;
      const segment = svg("rect", { x: labelWidth + now, y, width: extra, height: barHeight, class: "seg-after" });
      segment.append(svg("title", {}, `${percent(after)} with the recommended credentials`));
      chart.append(segment);
    }
    const nowBar = svg("rect", { x: labelWidth, y, width: now, height: barHeight, class: "seg-now" });
    nowBar.append(svg("title", {}, `${percent(gap.coverage)} now`));
    chart.append(nowBar);
    const caption = after !== null && after > gap.coverage
      ? `${percent(gap.coverage)} now → ${percent(after)} with the recommended credentials`
      : `${percent(gap.coverage)} now`;
    chart.append(svg("text", { x: labelWidth + 6, y: y + barHeight + 18 }, caption));
    y += barHeight + 34;

    const legend = [["held", "held"], ["partial", "partly held"], ["missing", "missing"],
      ["now", "coverage now"], ["after", "with recommendations"]];
    let lx = 0;
    for (const [key, text] of legend) {
      chart.append(svg("rect", { x: lx, y, width: 12, height: 12, class: `seg-${key}` }));
      chart.append(svg("text", { x: lx + 16, y: y + 11 }, text));
      lx += 30 + text.length * 7;
    }
    return chart;
  }

  function renderGap(gap, plan) {
    $("gap-title").textContent = `Your coverage of ${gap.label}`;
    $("read-as").textContent = gap.read_as || "";
    $("read-as").hidden = !gap.read_as;
    $("chart").replaceChildren(drawChart(gap, plan));
    $("chart-caption").textContent = `Weighted coverage ${percent(gap.coverage)} (essential skills count 1, `
      + `optional 0.3; a partly held skill earns part of its weight). Essential skills covered: `
      + `${percent(gap.essential_coverage)}. ${gap.held} held, ${gap.partial} partly held, ${gap.missing} missing.`;
    const missing = gap.skills.filter((s) => s.relation === "essential" && s.status === "missing");
    const list = $("missing");
    list.replaceChildren(...missing.map((s) => el("li", { "data-uri": s.uri }, s.label)));
    if (!missing.length) list.append(el("li", {}, "None: your credentials cover every essential skill."));
  }

  function recommendationItem(r) {
    const c = r.credential;
    const facts = [
      c.issuer || "issuer not stated",
      c.eqf_level ? `EQF ${c.eqf_level}` : "EQF not stated",
      c.ects !== null && c.ects !== undefined ? `${c.ects} ECTS` : "ECTS not stated",
      c.language ? `language ${c.language}` : null,
    ].filter(Boolean).join(" · ");
    return el("li", { class: "recommendation", "data-id": c.id },
      el("span", { class: "rec-title" }, c.title),
      el("div", { class: "rec-facts" }, facts,
        ` · coverage ${percent(r.coverage_before)} → ${percent(r.coverage_after)}`),
      el("ul", { class: "rec-reasons" }, ...r.reasons.map((reason) => el("li", {}, reason))));
  }

  function renderPlan(plan) {
    $("plan-summary").textContent = plan.summary || "";
    const list = $("recommendations");
    list.replaceChildren(...plan.recommendations.map(recommendationItem));
    renderPathway(plan);
  }

  function renderPathway(plan) {
    const steps = plan.pathway || [];
    const titles = new Map(plan.recommendations.map((r) => [r.credential.id, r.credential.title]));
    $("pathway").replaceChildren(...steps.map((step) => el("li", {},
      el("span", { class: "rec-title" }, step.credentials.map((id) => titles.get(id) || id).join(", ")),
      step.eqf_level ? el("span", { class: "rec-facts" }, ` · EQF ${step.eqf_level}`) : null,
      step.reason ? el("span", { class: "reason" }, step.reason) : null)));
    // One step says no more than the list of recommendations above it.
    $("pathway-box").hidden = steps.length < 2;
  }

  function renderPlanError(error) {
    $("plan-summary").textContent = error.message;
    $("recommendations").replaceChildren();
    $("pathway-box").hidden = true;
  }

  /* ---- token ---- */

  function submitToken(event) {
    event.preventDefault();
    const value = $("token").value.trim();
    if (!value) return;
    sessionStorage.setItem(TOKEN_KEY, value);
    $("token").value = "";
    loadPassport();
  }

  function forgetToken() {
    sessionStorage.removeItem(TOKEN_KEY);
    $("token").value = "";
    $("passport").hidden = true;
    $("target").hidden = true;
    $("gap").hidden = true;
    currentOccupation = null;
    clearMessage();
    busy("Token removed from this tab.");
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("token-form").addEventListener("submit", submitToken);
    $("forget").addEventListener("click", forgetToken);
    $("occupation-form").addEventListener("submit", searchOccupations);
    $("max-ects").addEventListener("change", () => {
      if (currentOccupation && $("max-ects").checkValidity()) loadTarget(currentOccupation);
    });
    if (token()) loadPassport();
  });
})();
