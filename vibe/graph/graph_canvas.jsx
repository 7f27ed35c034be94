// Vibe's graph canvas: an ES module the explorer's components import (see cytoscape.py).
//
// One module, evaluated once per page load: its state (the opening view asked for at load, the
// Cytoscape promise, the layout worker, whether the first frame was shown) is shared by every
// component that imports it, whichever of the page's modules (the route or the memoized
// components) renders them.
//
// Cytoscape.js, the fcose layout and the SVG exporter come from the bundled npm packages, never a
// CDN, and load on the client only (starting as soon as this module loads, in parallel with
// the page's state). Elements never pass through Reflex state: this code fetches the view from the
// REST API (`src`), draws it in one batch and lays it out only when nobody did before: the view
// carries the positions stored on the server (any browser's earlier layout of it) and this tab's
// own ones live in sessionStorage per project, index generation and view, so a re-draw (a filter,
// an expanded module, a reload) keeps what the user already saw in place. A big view nobody laid
// out yet is laid out by fcose in a Web Worker (layout_worker.js) while the first frame shows it
// placed by folder (already interactive); the refined positions replace that placement when they
// arrive. Positions computed here are sent back to the server for the next visitor. A fresh page
// always opens on the overview, so that view is asked for (by the project's slug) as soon as this
// module loads, while the page's state is still on its way; the canvas draws it and the state's
// `src` adopts it. Styles are read from element data set here once per element (few rules: with
// thousands of elements every rule and property is work per element).

import { useEffect, useRef, useState } from "react";
import VibeLayoutWorker from "./layout_worker.js?worker";

const VIBE_BIG_VIEW = 1200; // elements above which edges become haystack lines without arrows
const VIBE_POS_PREFIX = "vibe:graph:pos:";
const VIBE_API = "/api/v1/projects";
const VIBE_RELAYOUT_MAX = 400; // up to this many nodes, new nodes are settled by fcose
const VIBE_WORKER_MIN = 150; // from this many nodes (~0.1 s of fcose on the page), a first layout runs in the worker
let vibeCytoscapePromise = null;
let vibeWorker = null; // the layout worker, started on first use; false when it cannot run
let vibeWorkerSeq = 0;
const vibeWorkerWaiting = new Map();

const VIBE_GRAPH_CSS = `
.vibe-graph { position: relative; width: 100%; height: 100%; min-height: 0; overflow: hidden;
  background: var(--color-panel-solid); }
.vibe-graph-canvas { position: absolute; inset: 0; }
.vibe-graph-message { position: absolute; inset: 0; display: flex; flex-direction: column;
  gap: 8px; align-items: center; justify-content: center; padding: 2rem; text-align: center;
  color: var(--gray-11); font-size: 14px; pointer-events: none; }
.vibe-graph-message[data-kind="error"] { color: var(--red-11); }
.vibe-graph-spinner { width: 22px; height: 22px; border-radius: 50%;
  border: 2px solid var(--gray-6); border-top-color: var(--accent-9);
  animation: vibe-graph-spin 0.8s linear infinite; }
@keyframes vibe-graph-spin { to { transform: rotate(360deg); } }
`;

function vibeLoadCytoscape() {
  // The core only: the fcose layout and the SVG exporter are not needed for a first frame (a big
  // view is laid out by the worker, which has its own copy), so they load when first used.
  if (vibeCytoscapePromise === null) {
    vibeCytoscapePromise = import("cytoscape").then((core) => vibeQuietFirstStyle(core.default));
  }
  return vibeCytoscapePromise;
}

let vibeFreshStyle = false; // set while vibeStyleFresh styles the elements a draw just added

function vibeQuietFirstStyle(cytoscape) {
  // Cytoscape checks every property it applies for what the change invalidates: the element's
  // and its connected edges' cached style values (a new collection of those edges per
  // property), bounding boxes (a `bounds` event each), z-order. On an element's very first
  // style nothing of that exists yet, and for a view of 5,000 elements the checks cost more
  // than applying the styles. `vibeStyleFresh` styles the elements of a fresh draw (all of
  // them just added: no element drawn before is connected to them) with the checks skipped.
  const probe = cytoscape({ headless: true, styleEnabled: true });
  const proto = Object.getPrototypeOf(probe.style());
  probe.destroy();
  const check = proto.checkTriggers;
  if (typeof check !== "function" || check.vibeQuiet) return cytoscape;
  const quiet = function (ele, name, fromValue, toValue) {
    if (vibeFreshStyle && !ele._private.appliedInitStyle) {
      ele._private.styleCache = null;
      return;
    }
    return check.call(this, ele, name, fromValue, toValue);
  };
  quiet.vibeQuiet = true;
  proto.checkTriggers = quiet;
  return cytoscape;
}

function vibeStyleFresh(cy) {
  // Every element's style now, where Cytoscape would apply it lazily while measuring and
  // drawing the first frame: the elements were all just added (`vibeQuietFirstStyle`).
  vibeFreshStyle = true;
  try {
    cy.elements().cleanStyle();
  } finally {
    vibeFreshStyle = false;
  }
}

const vibeExtensions = new Map();

function vibeExtension(name) {
  // Registers the fcose layout or the SVG exporter on first use; resolves once it is there.
  if (!vibeExtensions.has(name)) {
    const module = name === "fcose" ? import("cytoscape-fcose") : import("cytoscape-svg");
    vibeExtensions.set(name, Promise.all([vibeLoadCytoscape(), module]).then(([cytoscape, ext]) => {
      cytoscape.use(ext.default);
    }));
  }
  return vibeExtensions.get(name);
}

if (typeof window !== "undefined") vibeLoadCytoscape(); // download while the page's state loads

// ---- WebGL -------------------------------------------------------------------------------

const VIBE_WEBGL_KEY = "vibe_graph_webgl"; // the explorer state's LocalStorage name for the switch
let vibeWebglProbe = null;

function vibeWebglAvailable() {
  // Cytoscape's WebGL renderer needs WebGL2, and asking for it without WebGL2 throws and leaves
  // no canvas at all: probed once, on a throwaway canvas whose context is released at once.
  if (vibeWebglProbe === null) {
    try {
      const gl = document.createElement("canvas").getContext("webgl2");
      vibeWebglProbe = !!gl;
      const lose = gl && gl.getExtension("WEBGL_lose_context");
      if (lose) lose.loseContext();
    } catch (err) {
      vibeWebglProbe = false;
    }
  }
  return vibeWebglProbe;
}

function vibeStoredWebgl() {
  // The switch as this browser stored it. The page's state learns it only from the hydrate
  // round trip; until then the canvas reads it here, so a WebGL user's first view is not drawn
  // twice (by the canvas engine, then again by the WebGL one).
  try {
    return window.localStorage.getItem(VIBE_WEBGL_KEY) === "1";
  } catch (err) {
    return false;
  }
}

// ---- style ------------------------------------------------------------------------------

const VIBE_LABEL = {
  label: "data(label)",
  "font-size": 11,
  "min-zoomed-font-size": 9,
  color: "#1c2024",
  "text-valign": "bottom",
  "text-margin-y": 4,
};
// Below this zoom Cytoscape draws no label (11 px text under `min-zoomed-font-size`): a big
// view's nodes carry their label only from it on (`vibeSyncLabels`).
const VIBE_LABEL_ZOOM = VIBE_LABEL["min-zoomed-font-size"] / VIBE_LABEL["font-size"];

function vibeStylesheet() {
  // Few rules, read from element data (`vibeDecorate` sets colour and shape per element): with
  // thousands of elements, each rule is matched against every one, and that matching used to
  // cost more than drawing the first frame.
  return [
    {
      // Labels are a class: with none, Cytoscape neither measures nor places a label, and a
      // big view zoomed out (where none is drawn) does without them.
      selector: "node",
      style: {
        width: "data(px)",
        height: "data(px)",
        shape: "data(shape)",
        "background-color": "data(color)",
      },
    },
    { selector: "node.vibe-lbl", style: VIBE_LABEL },
    {
      // Every property set is work per element when styles are applied (and a big view has
      // thousands of edges), so a big view's plain lines get four; arrows are a class.
      selector: "edge",
      style: {
        width: "data(px)",
        "line-color": "data(color)",
        "curve-style": "haystack",
        "haystack-radius": 0,
      },
    },
    {
      selector: "edge.vibe-arrow",
      style: {
        "curve-style": "straight",
        "target-arrow-shape": "triangle",
        "target-arrow-color": "data(color)",
        "arrow-scale": 0.8,
      },
    },
    {
      selector: "node.vibe-cov[coverage]",
      style: { "background-color": "mapData(coverage, 0, 100, #e5484d, #30a46c)" },
    },
    { selector: "node.vibe-cov[^coverage]", style: { "background-color": "#d9d9e0" } },
    { selector: "node.vibe-ring", style: { "border-width": 3, "border-color": "#8da4ef" } },
    { selector: "node.vibe-end", style: { "border-width": 4, "border-color": "#1c2024" } },
    { selector: ".vibe-path", style: { "z-index": 5 } },
    { selector: "node.vibe-faded", style: { opacity: 0.3 } },
    { selector: "edge.vibe-faded", style: { opacity: 0.15 } },
    {
      selector: "node:selected, node.vibe-hl",
      style: {
        ...VIBE_LABEL,
        "border-width": 4,
        "border-color": "#3e63dd",
        "font-weight": "bold",
        "font-size": 13,
        "min-zoomed-font-size": 0,
        "z-index": 10,
      },
    },
  ];
}

function vibeSyncLabels(cy, all = false) {
  // A big view's nodes get their labels once the zoom is high enough for Cytoscape to draw
  // them, and lose them again below it; a small view's nodes always have them (`all`, as
  // for an export).
  const want = all || !cy.scratch("_vibeZoomLabels") || cy.zoom() >= VIBE_LABEL_ZOOM;
  if (cy.scratch("_vibeLabelled") === want) return;
  cy.scratch("_vibeLabelled", want);
  cy.batch(() => (want ? cy.nodes().addClass("vibe-lbl") : cy.nodes().removeClass("vibe-lbl")));
}

function vibeClamp(value, low, high) {
  return Math.max(low, Math.min(high, Number(value) || low));
}

function vibeDecorate(nodes, edges, styles, labelled) {
  // What the stylesheet reads from data, and the few classes, worked out once per element here
  // instead of by selectors: colour and shape by kind (a finding by its severity), the size
  // (mapped like mapData(size, 1, 300, 18, 64)), the edge width by weight (1..40 → 1..6).
  const kinds = styles.nodes || {};
  const lines = styles.edges || {};
  const severities = styles.severities || {};
  for (const n of nodes) {
    const d = n.data;
    const kind = kinds[d.kind] || {};
    d.color = severities[d.severity] || kind.color || "#8b8d98";
    d.shape = kind.shape || "ellipse";
    d.px = d.size ? 18 + ((vibeClamp(d.size, 1, 300) - 1) * 46) / 299 : 18;
    const classes = labelled ? ["vibe-lbl"] : [];
    if (d.expanded) classes.push("vibe-ring");
    if (d.role === "center" || d.role === "source" || d.role === "target") classes.push("vibe-end");
    if (d.role === "path") classes.push("vibe-path");
    if (classes.length) n.classes = classes.join(" ");
  }
  for (const e of edges) {
    const d = e.data;
    d.color = lines[d.kind] || "#c1c8cd";
    d.px = 1 + ((vibeClamp(d.weight, 1, 40) - 1) * 5) / 39;
  }
}

// ---- positions, cached per project + generation + view ----------------------------------

function vibePosKey(projectKey, data) {
  return `${VIBE_POS_PREFIX}${projectKey}:${data.generation}:${data.key || data.view}`;
}

function vibeReadPositions(key) {
  try {
    return JSON.parse(window.sessionStorage.getItem(key) || "{}");
  } catch (_e) {
    return {};
  }
}

function vibeSavePositions(key, cy) {
  const saved = vibeReadPositions(key);
  cy.nodes().forEach((n) => {
    const p = n.position();
    saved[n.id()] = [Math.round(p.x), Math.round(p.y)];
  });
  try {
    window.sessionStorage.setItem(key, JSON.stringify(saved));
  } catch (_e) {
    // Storage full: layouts are simply recomputed next time.
  }
}

function vibePlaceNear(cy, ids) {
  // New nodes next to a drawn neighbour (an expanded module's definitions around it).
  const groups = new Map();
  for (const id of ids) {
    const node = cy.getElementById(id);
    const anchor = node.neighborhood("node").filter((n) => !ids.has(n.id()))[0];
    const key = anchor ? anchor.id() : "";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(node);
  }
  const box = cy.nodes().filter((n) => !ids.has(n.id())).boundingBox();
  for (const [key, nodes] of groups) {
    const centre = key
      ? cy.getElementById(key).position()
      : { x: box.x2 + 120, y: (box.y1 + box.y2) / 2 || 0 };
    const radius = 60 + nodes.length * 6;
    nodes.forEach((node, i) => {
      const angle = (2 * Math.PI * i) / nodes.length;
      node.position({ x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) });
    });
  }
}

function vibeLayoutOptions(count) {
  return {
    name: "fcose",
    quality: count > 600 ? "draft" : "default",
    samplingType: count <= 600, // greedy sampling halves the spectral pass on big views
    randomize: true,
    animate: false,
    fit: false,
    packComponents: true,
    nodeDimensionsIncludeLabels: false,
    nodeRepulsion: 6000,
    idealEdgeLength: 70,
    numIter: count > 600 ? 600 : 2500,
  };
}

async function vibeLayout(cy, count) {
  await vibeExtension("fcose");
  return new Promise((resolve) => {
    const layout = cy.layout(vibeLayoutOptions(count));
    layout.one("layoutstop", resolve);
    layout.run();
  });
}

function vibeLayoutWorker() {
  if (vibeWorker === null) {
    try {
      vibeWorker = new VibeLayoutWorker();
      vibeWorker.onmessage = (event) => {
        const { id, positions, error } = event.data;
        const waiting = vibeWorkerWaiting.get(id);
        vibeWorkerWaiting.delete(id);
        if (waiting) error ? waiting.reject(new Error(error)) : waiting.resolve(positions);
      };
      vibeWorker.onerror = () => {
        for (const waiting of vibeWorkerWaiting.values()) waiting.reject(new Error("layout worker failed"));
        vibeWorkerWaiting.clear();
        vibeWorker = false;
      };
    } catch (_e) {
      vibeWorker = false;
    }
  }
  return vibeWorker || null;
}

function vibeLayoutOffThread(nodes, edges) {
  // Positions from the layout worker, or null when there is none (then the page lays out).
  const worker = vibeLayoutWorker();
  if (!worker) return null;
  const id = ++vibeWorkerSeq;
  const message = {
    id,
    nodes: nodes.map((n) => ({ data: { id: n.data.id, size: n.data.size || undefined } })),
    edges: edges.map((e) => ({ data: { id: e.data.id, source: e.data.source, target: e.data.target } })),
    options: vibeLayoutOptions(nodes.length),
  };
  return new Promise((resolve, reject) => {
    vibeWorkerWaiting.set(id, { resolve, reject });
    worker.postMessage(message);
  });
}

function vibeAfterDrawn(cy, done) {
  // Calls `done` once the canvas has drawn what it holds now and that frame is finished (a task
  // after the frame's rendering, as the frame is handed to the screen). A canvas with nothing to
  // draw (an empty view) renders nothing: then at the start of the next frame but one.
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    if (!cy.destroyed()) cy.off("render", drawn);
    done();
  };
  const drawn = () => setTimeout(once, 0);
  cy.one("render", drawn);
  requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(once)));
}

function vibeAfterFirstFrame() {
  // Resolves once the frame being prepared has been drawn (a second frame has begun).
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 0))));
}

function vibeFolderPositions(nodes) {
  // The first frame while the worker lays the view out: each folder's nodes in a sunflower, the
  // folders on a grid. Worked out on the plain elements, before they are added: moving added
  // nodes one by one costs an event and a bounding box update each.
  const groups = new Map();
  for (const n of nodes) {
    const file = String(n.data.file || "");
    const folder = file.includes("/") ? file.slice(0, file.lastIndexOf("/")) : file;
    if (!groups.has(folder)) groups.set(folder, []);
    groups.get(folder).push(n.data.id);
  }
  const folders = [...groups.keys()].sort();
  const columns = Math.ceil(Math.sqrt(folders.length));
  const largest = Math.max(...[...groups.values()].map((g) => g.length));
  const cell = 40 * Math.sqrt(largest) + 80;
  const positions = {};
  folders.forEach((folder, g) => {
    const x0 = (g % columns) * cell;
    const y0 = Math.floor(g / columns) * cell;
    groups.get(folder).forEach((id, i) => {
      const r = 20 * Math.sqrt(i);
      positions[id] = [x0 + r * Math.cos(i * 2.39996), y0 + r * Math.sin(i * 2.39996)];
    });
  });
  return positions;
}

function vibeApplyPositions(cy, positions) {
  cy.batch(() => {
    cy.nodes().forEach((n) => {
      const p = positions[n.id()];
      if (p) n.position({ x: p[0], y: p[1] });
    });
  });
}

async function vibeSettle(cy, missing) {
  // Only the new nodes move: everything already drawn is pinned where the user saw it.
  await vibeExtension("fcose");
  const fixed = cy.nodes().filter((n) => !missing.has(n.id()))
    .map((n) => ({ nodeId: n.id(), position: { ...n.position() } }));
  return new Promise((resolve) => {
    const layout = cy.layout({
      name: "fcose", quality: "proof", randomize: false, animate: false, fit: false,
      fixedNodeConstraint: fixed, nodeRepulsion: 6000, idealEdgeLength: 60, numIter: 1500,
    });
    layout.one("layoutstop", resolve);
    layout.run();
  });
}

function vibeFit(cy) {
  // Like cy.fit(), without measuring every label: a big view's labels are hidden at this zoom.
  const bb = cy.nodes().boundingBox({ includeLabels: false, includeOverlays: false });
  const pad = 40;
  const w = cy.width();
  const h = cy.height();
  if (!cy.nodes().length || !(bb.w >= 0) || !(bb.h >= 0)) return;
  let zoom = Math.min((w - 2 * pad) / Math.max(bb.w, 1), (h - 2 * pad) / Math.max(bb.h, 1));
  zoom = Math.max(cy.minZoom(), Math.min(zoom, 1.6));
  cy.viewport({ zoom, pan: { x: w / 2 - zoom * (bb.x1 + bb.w / 2), y: h / 2 - zoom * (bb.y1 + bb.h / 2) } });
}

function vibeLayoutUrl(src, data) {
  if (data.project_id) return `${VIBE_API}/${data.project_id}/graph/views/-/layout`;
  return src.split("?")[0].replace(/\/views\/[^/]+$/, "/views/-/layout");
}

function vibeShareLayout(src, data, cy) {
  const positions = {};
  cy.nodes().forEach((n) => {
    const p = n.position();
    positions[n.id()] = [Math.round(p.x), Math.round(p.y)];
  });
  const body = JSON.stringify({ key: data.key || data.view, generation: data.generation, positions });
  fetch(vibeLayoutUrl(src, data), {
    method: "PUT",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body,
  }).catch(() => {}); // best effort: the next visitor lays the view out again
}

async function vibeDraw(cy, data, projectKey, overlay, styles, marks, current) {
  const key = vibePosKey(projectKey, data);
  const own = vibeReadPositions(key);
  const saved = { ...(data.positions || {}), ...own };
  const { nodes, edges } = data.elements;
  const big = nodes.length + edges.length > VIBE_BIG_VIEW;
  vibeDecorate(nodes, edges, styles || {}, !big); // a big view's labels follow the zoom
  let missing = new Set();
  for (const n of nodes) if (!saved[n.data.id]) missing.add(n.data.id);
  // Nothing known, or a server seed that misses most of the view: lay everything out.
  const ownKnown = nodes.some((n) => own[n.data.id]);
  const fresh = missing.size === nodes.length || (!ownKnown && missing.size > nodes.length / 2);
  // A big view nobody laid out is placed by folder for the first frame and laid out by the
  // worker once that frame is on screen: started earlier, the worker's start-up and layout take
  // the cores the first frame needs (a laptop has few).
  const offThread = fresh && nodes.length >= VIBE_WORKER_MIN && typeof Worker !== "undefined";
  const placed = offThread ? vibeFolderPositions(nodes) : null;
  cy.scratch("_vibeZoomLabels", big); // read by vibeSyncLabels on every zoom
  cy.scratch("_vibeLabelled", !big);
  cy.batch(() => {
    cy.elements().remove();
    for (const n of nodes) {
      const p = placed ? placed[n.data.id] : fresh ? null : saved[n.data.id];
      if (p) n.position = { x: p[0], y: p[1] };
    }
    cy.add(nodes);
    const added = cy.add(edges);
    if (!big) added.addClass("vibe-arrow");
    if (data.view === "path") added.addClass("vibe-path");
    if (overlay) cy.nodes().addClass("vibe-cov");
  });
  vibeStyleFresh(cy);
  marks.added = performance.now();
  let pending = null;
  if (fresh && nodes.length > 0) {
    missing = new Set(nodes.map((n) => n.data.id));
    if (offThread) {
      pending = vibeAfterFirstFrame().then(
        () => vibeLayoutOffThread(nodes, edges) || Promise.reject(new Error("no layout worker")),
      );
    } else {
      await vibeLayout(cy, nodes.length);
    }
  } else if (missing.size > 0) {
    cy.batch(() => vibePlaceNear(cy, missing));
    if (nodes.length <= VIBE_RELAYOUT_MAX) await vibeSettle(cy, missing);
  }
  marks.laidOut = performance.now();
  marks.layout = pending ? "placed" : missing.size > 0 ? "computed" : Object.keys(own).length ? "tab" : data.layout;
  if (!pending) vibeSavePositions(key, cy);
  vibeFit(cy);
  if (pending) {
    // The refined layout replaces the first frame's placement when the worker answers.
    pending = pending
      .then((positions) => current() && vibeApplyPositions(cy, positions))
      .catch(() => current() && vibeLayout(cy, nodes.length))
      .then(() => {
        if (!current()) return;
        vibeSavePositions(key, cy);
        vibeFit(cy);
      });
  }
  return { changed: missing.size > 0 || data.layout === "seeded", pending };
}

function vibeFetchView(src, signal, response) {
  // `response`: the promise of a request the page's head already made for `src`.
  return (response || fetch(src, { credentials: "same-origin", signal })).then((res) =>
    res.json().then((data) => {
      if (!res.ok) throw new Error((data.error && data.error.message) || res.statusText);
      return { data, fetched: performance.now() };
    }),
  );
}

// ---- the opening view, asked for while the page starts -----------------------------------

function vibeStartOpening() {
  // A fresh explorer page always opens on the overview, nothing filtered or expanded, so it is
  // asked for (by the project's slug) before the page's hydration and state round trip, which
  // the view's own URL (by project id) waits for: by the page's head, or else by this module as
  // soon as it is evaluated.
  const match = window.location.pathname.match(/^\/projects\/([^/]+)\/graph\/?$/);
  if (!match) return null;
  const url = `${VIBE_API}/${match[1]}/graph/views/-/opening`;
  // Asked for by the page's head already, while this code was loading (vibe/ui/assets.py).
  const early = window.__vibeEarly && window.__vibeEarly[url];
  if (early) delete window.__vibeEarly[url];
  const started = early ? early.at : performance.now();
  const opening = { slug: decodeURIComponent(match[1]), started, taken: false, url };
  opening.data = vibeFetchView(url, undefined, early && early.response).then((got) => {
    // The head's preload link started the request before its script asked (`early.at`, which
    // waits for the stylesheet): timed from there.
    const entry = performance.getEntriesByName(new URL(url, window.location.href).href, "resource")[0];
    if (entry && entry.startTime < started) got.requested = entry.startTime;
    opening.result = got;
    return got;
  });
  opening.data.catch(() => {}); // not indexed, signed out…: the page's own request takes over
  return opening;
}

function vibeIsOpening(src, data) {
  // Whether the view at `src` is the opening view of `data`'s project and graph generation.
  const url = new URL(src, window.location.origin);
  const q = url.searchParams;
  return (
    url.pathname === `${VIBE_API}/${data.project_id}/graph/views/overview` &&
    [...q.keys()].sort().join(",") === "g,level" &&
    q.get("level") === "auto" &&
    q.get("g") === String(data.generation)
  );
}

const vibeOpening = typeof window !== "undefined" ? vibeStartOpening() : null;

// ---- downloads -----------------------------------------------------------------------------

function vibeDownload(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

async function vibeExport(cy, format, name) {
  if (format === "svg") await vibeExtension("svg");
  if (format === "png" || format === "svg") {
    // The whole view at its own scale, where labels are legible: with every node's label.
    vibeSyncLabels(cy, true);
    try {
      if (format === "png") {
        const blob = cy.png({ output: "blob", full: true, bg: "#ffffff", maxWidth: 8000, maxHeight: 8000 });
        vibeDownload(blob, `${name}.png`);
      } else {
        const text = cy.svg({ full: true, bg: "#ffffff" });
        vibeDownload(new Blob([text], { type: "image/svg+xml" }), `${name}.svg`);
      }
    } finally {
      vibeSyncLabels(cy);
    }
  } else if (format === "cytoscape") {
    const elements = cy.elements().jsons().map((e) => ({ data: e.data, position: e.position }));
    const body = JSON.stringify({ elements }, null, 1);
    vibeDownload(new Blob([body], { type: "application/json" }), `${name}.cyjs`);
  }
}

// ---- selection and focus ---------------------------------------------------------------------

function vibeHighlight(cy, node, fade) {
  cy.batch(() => {
    cy.elements().removeClass("vibe-hl vibe-faded");
    if (!node || node.empty()) return;
    node.addClass("vibe-hl");
    if (fade) {
      const keep = node.closedNeighborhood();
      cy.elements().not(keep).addClass("vibe-faded");
    }
  });
}

function vibeNodeInfo(node) {
  const d = node.data();
  return {
    id: d.id,
    kind: d.kind || "",
    label: String(d.label || ""),
    qname: d.qname || "",
    expandable: !!d.expandable,
    expanded: !!d.expanded,
  };
}

function vibeFocus(cy, id) {
  const node = cy.getElementById(id);
  if (node.empty()) return false;
  cy.$(":selected").unselect();
  node.select();
  vibeHighlight(cy, node, cy.elements().length <= VIBE_BIG_VIEW);
  cy.animate({ center: { eles: node }, zoom: Math.max(cy.zoom(), 1.2) }, { duration: 250 });
  return true;
}

// ---- what waits for the first frame ----------------------------------------------------------

const VIBE_FRAME_WAIT = 1500; // ms after which what waits renders anyway (a canvas still loading)
let vibeFrameShown = false;
const vibeFrameWaiters = new Set(); // the mounted VibeAfterGraph's, until the first frame

function vibeAnnounceFrame() {
  // The canvas has shown its first view (or its empty or error state): once per page load.
  if (vibeFrameShown) return;
  vibeFrameShown = true;
  for (const show of [...vibeFrameWaiters]) show();
}

export function VibeAfterGraph({ children }) {
  // The explorer's secondary panels (filters, legend) render once the canvas has shown its
  // first view: the page's main thread is what a big view's first frame waits for, and these
  // panels are not needed to look at the graph.
  const [shown, setShown] = useState(() => vibeFrameShown);
  useEffect(() => {
    if (shown) return undefined;
    const show = () => setShown(true);
    vibeFrameWaiters.add(show);
    const timer = setTimeout(show, VIBE_FRAME_WAIT);
    return () => {
      vibeFrameWaiters.delete(show);
      clearTimeout(timer);
    };
  }, [shown]);
  return shown ? children : null;
}

// ---- the component ---------------------------------------------------------------------------

export function VibeGraph({
  id,
  src,
  projectKey,
  reloadNonce,
  webgl,
  overlay,
  focus,
  focusNonce,
  exportFormat,
  exportNonce,
  styles,
  onSelect,
  onExpand,
  onLoaded,
  onError,
}) {
  const box = useRef(null);
  const cyRef = useRef(null);
  const latest = useRef({});
  const focusDone = useRef(-1);
  const request = useRef({ want: null });
  const [engine, setEngine] = useState(0);
  const [phase, setPhase] = useState({ kind: "loading", text: "Loading graph…" });
  latest.current = { onSelect, onExpand, onLoaded, onError, focus, focusNonce };
  // The switch's value: the stored one (read once) until the page's state first differs from
  // its start.
  const glSwitch = useRef(null);
  if (glSwitch.current === null) {
    const stored = typeof window !== "undefined" && vibeStoredWebgl();
    glSwitch.current = { first: webgl, moved: false, stored };
  }
  if (webgl !== glSwitch.current.first) glSwitch.current.moved = true;
  const wantGl = glSwitch.current.moved ? !!webgl : !!webgl || glSwitch.current.stored;
  const rendererRef = useRef("canvas");

  useEffect(() => {
    let alive = true;
    vibeLoadCytoscape().then((cytoscape) => {
      if (!alive || !box.current) return;
      const options = {
        container: box.current,
        style: vibeStylesheet(),
        pixelRatio: 1,
        minZoom: 0.02,
        maxZoom: 4,
        textureOnViewport: false,
        hideEdgesOnViewport: false,
        boxSelectionEnabled: false,
      };
      const gl = wantGl && vibeWebglAvailable();
      let cy = null;
      if (gl) {
        try {
          cy = cytoscape({ ...options, renderer: { name: "canvas", webgl: true } });
        } catch (err) {
          box.current.replaceChildren(); // what the failed engine left behind
        }
      }
      if (!cy) cy = cytoscape({ ...options, renderer: { name: "canvas" } });
      // "webgl", "canvas", or "canvas-fallback" when WebGL was asked for and is not available.
      const renderer = cy.renderer().webgl ? "webgl" : wantGl ? "canvas-fallback" : "canvas";
      box.current.dataset.renderer = renderer;
      rendererRef.current = renderer;
      cy.on("tap", "node", (evt) => {
        vibeHighlight(cy, evt.target, cy.elements().length <= VIBE_BIG_VIEW);
        latest.current.onSelect && latest.current.onSelect(vibeNodeInfo(evt.target));
      });
      cy.on("tap", (evt) => {
        if (evt.target !== cy) return;
        vibeHighlight(cy, null, false);
        latest.current.onSelect && latest.current.onSelect({ id: "" });
      });
      cy.on("zoom", () => vibeSyncLabels(cy));
      cy.on("dbltap", "node", (evt) => {
        if (evt.target.data("expandable") && latest.current.onExpand) {
          latest.current.onExpand(evt.target.id());
        }
      });
      cyRef.current = cy;
      window.__vibeCy = cy;
      setEngine((n) => n + 1);
    });
    return () => {
      alive = false;
      if (cyRef.current) cyRef.current.destroy();
      cyRef.current = null;
    };
  }, [wantGl]);

  // The request starts while rendering, as soon as `src` is known: before the page paints and
  // whether or not Cytoscape is ready. A new engine (the WebGL switch) redraws the same response.
  // Before the page's state gives a `src`, the canvas draws the opening view this module asked
  // for at once (`vibeOpening`); `src` then adopts it when it names the same view.
  let want = src ? `${reloadNonce}:${src}` : null;
  if (!want && vibeOpening && (!vibeOpening.taken || request.current.opening)) want = "opening";
  if (want && request.current.want !== want) {
    const previous = request.current;
    // The opening view this canvas draws or could still take, which `src` may name.
    const opening = previous.opening && !previous.adopted ? previous
      : vibeOpening && !vibeOpening.taken ? vibeOpening : null;
    const result = opening && (opening.result || vibeOpening.result);
    if (want === "opening") {
      const { started, data, url } = vibeOpening;
      const key = projectKey || vibeOpening.slug;
      const req = { want, opening: true, started, data, url, key, result };
      data.then((got) => (req.result = got), () => {});
      request.current = req;
    } else if (src && opening && result && vibeIsOpening(src, result.data)) {
      if (opening === previous) {
        previous.want = want; // the same response, drawn or being drawn: no new request
        previous.adopted = true;
      } else {
        const { started, data, url } = opening;
        request.current = { want, opening: true, adopted: true, started, data, url, key: projectKey };
      }
    } else {
      if (previous.controller) previous.controller.abort();
      const controller = new AbortController();
      const own = () => vibeFetchView(src, controller.signal);
      // The opening view may still be on its way: use it if it is this view, else ask.
      const waiting = opening && !result;
      const req = { want, controller, url: src, key: projectKey, fromOpening: waiting };
      const mine = (got) => vibeIsOpening(src, got.data) && (req.opening = true);
      req.data = waiting ? opening.data.then((got) => (mine(got) ? got : own()), own) : own();
      req.data.catch(() => {}); // reported by the effect that draws it
      req.started = waiting ? opening.started : performance.now();
      request.current = req;
    }
  }

  useEffect(() => {
    // Taken once committed: React may render and drop a render (that must not use it up).
    if (vibeOpening && (request.current.opening || request.current.fromOpening)) vibeOpening.taken = true;
  });

  useEffect(() => {
    const req = request.current;
    if (!req.want) return undefined;
    const cy = cyRef.current;
    if (req.info && req.drawnBy === cy && cy) {
      // Adopted after it was drawn: the page's state was reset while starting; tell it again.
      setPhase(req.info.nodes === 0 ? { kind: "empty", text: "Nothing matches these filters." } : { kind: "ready" });
      latest.current.onLoaded && latest.current.onLoaded(req.info);
      return undefined;
    }
    if (cy && req.drawing === cy) return undefined; // adopted while being drawn: that goes on
    setPhase((p) => (p.kind === "loading" ? p : { kind: "loading", text: "Loading graph…" }));
    if (!cy) return undefined;
    req.drawing = cy;
    const alive = () => request.current.data === req.data && cyRef.current === cy;
    const { data: response, url, key } = req;
    response
      .then(async ({ data, fetched, requested }) => {
        if (!alive()) return;
        const started = requested === undefined ? req.started : requested;
        const marks = { fetched };
        const { changed, pending } = await vibeDraw(cy, data, key, overlay, styles, marks, alive);
        if (!alive()) return;
        if (pending) {
          pending.then(() => {
            if (!alive()) return;
            if (data.generation) vibeShareLayout(url, data, cy);
            vibeAfterDrawn(cy, () => {
              window.__vibeGraphLaidOut = { at: performance.now(), src: url, ms: performance.now() - started };
            });
          });
        } else if (changed && data.generation) {
          vibeShareLayout(url, data, cy);
        }
        const f = latest.current;
        if (f.focus && focusDone.current !== f.focusNonce && vibeFocus(cy, f.focus)) {
          focusDone.current = f.focusNonce;
        }
        const empty = data.elements.nodes.length === 0;
        vibeAfterDrawn(cy, () => {
          if (!alive()) return;
          const ms = Math.round(performance.now() - started);
          const info = { ...data.counts, truncated: !!data.truncated, level: data.level || "",
            has_coverage: !!data.has_coverage, ms, renderer: rendererRef.current };
          const at = performance.now();
          const phases = { fetch: marks.fetched - started, add: marks.added - marks.fetched,
            layout: marks.laidOut - marks.added, paint: at - marks.laidOut };
          window.__vibeGraphReady = { ...info, at, src: url, started, phases, layout: marks.layout,
            opening: !!req.opening };
          if (marks.layout !== "placed") window.__vibeGraphLaidOut = { at, src: url, ms };
          req.info = info;
          req.drawnBy = cy;
          setPhase(empty ? { kind: "empty", text: "Nothing matches these filters." } : { kind: "ready" });
          latest.current.onLoaded && latest.current.onLoaded(info);
          vibeAnnounceFrame();
        });
      })
      .catch((err) => {
        if (!alive() || (err && err.name === "AbortError")) return;
        if (req.opening && !req.adopted) return; // the page's state decides what to show instead
        cy.elements().remove();
        setPhase({ kind: "error", text: String(err.message || err) });
        vibeAnnounceFrame();
        latest.current.onError && latest.current.onError(String(err.message || err));
      });
    return undefined;
  }, [want, engine]);

  useEffect(() => {
    const cy = cyRef.current;
    if (cy && focus && focusDone.current !== focusNonce && vibeFocus(cy, focus)) {
      focusDone.current = focusNonce;
    }
  }, [focus, focusNonce, engine]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    cy.batch(() => (overlay ? cy.nodes().addClass("vibe-cov") : cy.nodes().removeClass("vibe-cov")));
  }, [overlay, engine]);

  useEffect(() => {
    const cy = cyRef.current;
    if (cy && exportNonce > 0 && exportFormat) {
      vibeExport(cy, exportFormat, `${projectKey}-graph`).catch((err) => console.error("export failed", err));
    }
  }, [exportNonce]);

  return (
    <div className="vibe-graph" id={id} data-state={phase.kind}>
      <style>{VIBE_GRAPH_CSS}</style>
      <div className="vibe-graph-canvas" ref={box} />
      {phase.kind !== "ready" && (
        <div className="vibe-graph-message" data-kind={phase.kind}>
          {phase.kind === "loading" && <div className="vibe-graph-spinner" />}
          <div>{phase.text}</div>
        </div>
      )}
    </div>
  );
}
