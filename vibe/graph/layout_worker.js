// Vibe's graph layout worker: fcose on a headless Cytoscape, off the page's main thread.
//
// Bundled by Vite from the app's own node_modules (imported with `?worker` by the canvas module,
// graph_canvas.jsx), so it needs no CDN. Gets `{ id, nodes, edges, options }` (nodes carry `size`,
// which sets their dimensions as on the canvas) and answers `{ id, positions }` or `{ id, error }`.
import cytoscape from "cytoscape";
import fcose from "cytoscape-fcose";

cytoscape.use(fcose);

const STYLE = [
  { selector: "node", style: { width: 18, height: 18 } },
  {
    selector: "node[size]",
    style: { width: "mapData(size, 1, 300, 18, 64)", height: "mapData(size, 1, 300, 18, 64)" },
  },
];

function layOut({ nodes, edges, options }) {
  const cy = cytoscape({ headless: true, styleEnabled: true, style: STYLE, elements: { nodes, edges } });
  return new Promise((resolve) => {
    const layout = cy.layout({ ...options, name: "fcose", animate: false });
    layout.one("layoutstop", () => {
      const positions = {};
      cy.nodes().forEach((n) => {
        const p = n.position();
        positions[n.id()] = [Math.round(p.x), Math.round(p.y)];
      });
      cy.destroy();
      resolve(positions);
    });
    layout.run();
  });
}

self.onmessage = (event) => {
  const { id } = event.data;
  layOut(event.data)
    .then((positions) => self.postMessage({ id, positions }))
    .catch((err) => self.postMessage({ id, error: String((err && err.message) || err) }));
};
