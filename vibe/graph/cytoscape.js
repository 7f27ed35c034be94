// Vibe's graph canvas: module-level code the Reflex page includes (see vibe/graph/cytoscape.py).
//
// Cytoscape.js, the fcose layout and the SVG exporter come from the bundled npm packages, never a
// CDN, and load on the client only. Elements never pass through Reflex state: this code fetches
// the view from the REST API (`src`), draws it in one batch, lays it out once and keeps the
// positions in sessionStorage per project, index generation and view, so a re-draw (a filter, an
// expanded module, a reload) keeps what the user already saw in place.

const VIBE_BIG_VIEW = 1200; // elements above which edges become haystack lines without arrows
const VIBE_POS_PREFIX = "vibe:graph:pos:";
const VIBE_RELAYOUT_MAX = 400; // up to this many nodes, new nodes are settled by fcose
let vibeCytoscapePromise = null;

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
  if (vibeCytoscapePromise === null) {
    vibeCytoscapePromise = Promise.all([
      import("cytoscape"),
      import("cytoscape-fcose"),
      import("cytoscape-svg"),
    ]).then(([core, fcose, svg]) => {
      const cytoscape = core.default;
      cytoscape.use(fcose.default);
      cytoscape.use(svg.default);
      return cytoscape;
    });
  }
  return vibeCytoscapePromise;
}

// ---- style ------------------------------------------------------------------------------

function vibeStylesheet(styles) {
  const sheet = [
    {
      selector: "node",
      style: {
        label: "data(label)",
        "font-size": 11,
        "min-zoomed-font-size": 9,
        color: "#1c2024",
        "text-valign": "bottom",
        "text-margin-y": 4,
        width: 18,
        height: 18,
        "background-color": "#8b8d98",
        "border-width": 0,
      },
    },
    {
      selector: "node[size]",
      style: { width: "mapData(size, 1, 300, 18, 64)", height: "mapData(size, 1, 300, 18, 64)" },
    },
    {
      selector: "edge",
      style: {
        width: "mapData(weight, 1, 40, 1, 6)",
        "line-color": "#c1c8cd",
        "curve-style": "straight",
        "target-arrow-shape": "triangle",
        "target-arrow-color": "#c1c8cd",
        "arrow-scale": 0.8,
      },
    },
    {
      selector: "edge.vibe-hay",
      style: { "curve-style": "haystack", "haystack-radius": 0, "target-arrow-shape": "none" },
    },
  ];
  for (const [kind, s] of Object.entries(styles.nodes || {})) {
    sheet.push({
      selector: `node[kind = "${kind}"]`,
      style: { shape: s.shape, "background-color": s.color },
    });
  }
  for (const [kind, color] of Object.entries(styles.edges || {})) {
    sheet.push({
      selector: `edge[kind = "${kind}"]`,
      style: { "line-color": color, "target-arrow-color": color },
    });
  }
  for (const [severity, color] of Object.entries(styles.severities || {})) {
    sheet.push({ selector: `node[severity = "${severity}"]`, style: { "background-color": color } });
  }
  sheet.push(
    {
      selector: "node.vibe-cov[coverage]",
      style: { "background-color": "mapData(coverage, 0, 100, #e5484d, #30a46c)" },
    },
    { selector: "node.vibe-cov[^coverage]", style: { "background-color": "#d9d9e0" } },
    { selector: "node[?expanded]", style: { "border-width": 3, "border-color": "#8da4ef" } },
    {
      selector: 'node[role = "center"], node[role = "source"], node[role = "target"]',
      style: { "border-width": 4, "border-color": "#1c2024" },
    },
    { selector: 'edge.vibe-path, node[role = "path"]', style: { "z-index": 5 } },
    { selector: "node.vibe-faded", style: { opacity: 0.3 } },
    { selector: "edge.vibe-faded", style: { opacity: 0.15 } },
    {
      selector: "node:selected, node.vibe-hl",
      style: {
        "border-width": 4,
        "border-color": "#3e63dd",
        "font-weight": "bold",
        "font-size": 13,
        "min-zoomed-font-size": 0,
        "z-index": 10,
      },
    },
  );
  return sheet;
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

function vibeLayout(cy, count) {
  return new Promise((resolve) => {
    const layout = cy.layout({
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
    });
    layout.one("layoutstop", resolve);
    layout.run();
  });
}

function vibeSettle(cy, missing) {
  // Only the new nodes move: everything already drawn is pinned where the user saw it.
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

async function vibeDraw(cy, data, projectKey, overlay, marks) {
  const key = vibePosKey(projectKey, data);
  const saved = vibeReadPositions(key);
  const { nodes, edges } = data.elements;
  const missing = new Set();
  const big = nodes.length + edges.length > VIBE_BIG_VIEW;
  cy.batch(() => {
    cy.elements().remove();
    for (const n of nodes) {
      const p = saved[n.data.id];
      if (p) n.position = { x: p[0], y: p[1] };
      else missing.add(n.data.id);
    }
    cy.add(nodes);
    const added = cy.add(edges);
    if (big) added.addClass("vibe-hay");
    if (data.view === "path") added.addClass("vibe-path");
    if (overlay) cy.nodes().addClass("vibe-cov");
  });
  marks.added = performance.now();
  if (missing.size === nodes.length && nodes.length > 0) {
    await vibeLayout(cy, nodes.length);
  } else if (missing.size > 0) {
    cy.batch(() => vibePlaceNear(cy, missing));
    if (nodes.length <= VIBE_RELAYOUT_MAX) await vibeSettle(cy, missing);
  }
  marks.laidOut = performance.now();
  vibeSavePositions(key, cy);
  cy.fit(undefined, 40);
  if (cy.zoom() > 1.6) cy.zoom({ level: 1.6, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
}

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

function vibeExport(cy, format, name) {
  if (format === "png") {
    const blob = cy.png({ output: "blob", full: true, bg: "#ffffff", maxWidth: 8000, maxHeight: 8000 });
    vibeDownload(blob, `${name}.png`);
  } else if (format === "svg") {
    const text = cy.svg({ full: true, bg: "#ffffff" });
    vibeDownload(new Blob([text], { type: "image/svg+xml" }), `${name}.svg`);
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

// ---- the component ---------------------------------------------------------------------------

function VibeGraph({
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
  const [engine, setEngine] = useState(0);
  const [phase, setPhase] = useState({ kind: "loading", text: "Loading graph…" });
  latest.current = { onSelect, onExpand, onLoaded, onError, focus, focusNonce };

  useEffect(() => {
    let alive = true;
    vibeLoadCytoscape().then((cytoscape) => {
      if (!alive || !box.current) return;
      const cy = cytoscape({
        container: box.current,
        style: vibeStylesheet(styles || {}),
        pixelRatio: 1,
        minZoom: 0.02,
        maxZoom: 4,
        textureOnViewport: false,
        hideEdgesOnViewport: false,
        boxSelectionEnabled: false,
        renderer: webgl ? { name: "canvas", webgl: true } : { name: "canvas" },
      });
      cy.on("tap", "node", (evt) => {
        vibeHighlight(cy, evt.target, cy.elements().length <= VIBE_BIG_VIEW);
        latest.current.onSelect && latest.current.onSelect(vibeNodeInfo(evt.target));
      });
      cy.on("tap", (evt) => {
        if (evt.target !== cy) return;
        vibeHighlight(cy, null, false);
        latest.current.onSelect && latest.current.onSelect({ id: "" });
      });
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
  }, [webgl]);

  useEffect(() => {
    const cy = cyRef.current;
    if (!cy || !src) return undefined;
    const controller = new AbortController();
    const started = performance.now();
    setPhase({ kind: "loading", text: "Loading graph…" });
    fetch(src, { credentials: "same-origin", signal: controller.signal })
      .then((res) =>
        res.json().then((body) => {
          if (!res.ok) throw new Error((body.error && body.error.message) || res.statusText);
          return body;
        }),
      )
      .then(async (data) => {
        if (controller.signal.aborted) return;
        const marks = { fetched: performance.now() };
        await vibeDraw(cy, data, projectKey, overlay, marks);
        const f = latest.current;
        if (f.focus && focusDone.current !== f.focusNonce && vibeFocus(cy, f.focus)) {
          focusDone.current = f.focusNonce;
        }
        const empty = data.elements.nodes.length === 0;
        requestAnimationFrame(() =>
          requestAnimationFrame(() => {
            const ms = Math.round(performance.now() - started);
            const info = { ...data.counts, truncated: !!data.truncated, level: data.level || "",
              has_coverage: !!data.has_coverage, ms };
            const at = performance.now();
            const phases = { fetch: marks.fetched - started, add: marks.added - marks.fetched,
              layout: marks.laidOut - marks.added, paint: at - marks.laidOut };
            window.__vibeGraphReady = { ...info, at, src, started, phases };
            setPhase(empty ? { kind: "empty", text: "Nothing matches these filters." } : { kind: "ready" });
            latest.current.onLoaded && latest.current.onLoaded(info);
          }),
        );
      })
      .catch((err) => {
        if (controller.signal.aborted) return;
        cy.elements().remove();
        setPhase({ kind: "error", text: String(err.message || err) });
        latest.current.onError && latest.current.onError(String(err.message || err));
      });
    return () => controller.abort();
  }, [src, reloadNonce, engine]);

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
      vibeExport(cy, exportFormat, `${projectKey}-graph`);
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
