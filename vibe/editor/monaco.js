// Vibe's Monaco editor: module-level code the Reflex page includes (see vibe/editor/monaco.py).
//
// Monaco and its workers come from the bundled npm packages through Vite (`?worker`), never a
// CDN. File contents never pass through Reflex state: this code reads and saves through the
// REST API with the session cookie, keeps one Monaco model per file (own undo stack), stores
// unsaved text in localStorage per project+path, and shows a compare view on a stale save.

const VIBE_API = "/api/v1/projects";
const VIBE_DRAFT_PREFIX = "vibe:draft:";
const vibeDocs = new Map(); // model uri -> {projectId, path, version, savedAlt, dirty}
const vibeListeners = new Set();
const vibeOpened = new Set(); // projectId:path of files with a model
let vibeMonacoPromise = null;
const VIBE_IDLE_URI = "vibe-idle:///idle"; // the empty model of the editor before a file is open

const VIBE_EDITOR_CSS = `
.vibe-editor { display: flex; flex-direction: column; height: 100%; min-height: 0; }
.vibe-editor-body { position: relative; flex: 1; min-height: 0; }
.vibe-editor-monaco { position: absolute; inset: 0; }
.vibe-editor-message { position: absolute; inset: 0; display: flex; align-items: center;
  justify-content: center; padding: 2rem; text-align: center; color: var(--gray-11);
  background: var(--color-panel-solid); font-size: 14px; }
.vibe-statusbar { display: flex; gap: 1.25rem; justify-content: flex-end; align-items: center;
  height: 26px; padding: 0 12px; font-size: 12px; color: var(--gray-11);
  border-top: 1px solid var(--gray-5); background: var(--gray-2); }
.vibe-statusbar [data-state="dirty"] { color: var(--amber-11); }
.vibe-statusbar [data-state="saving"] { color: var(--blue-11); }
.vibe-conflict { position: absolute; inset: 0; display: flex; flex-direction: column;
  background: var(--color-panel-solid); }
.vibe-conflict-bar { display: flex; gap: 1rem; align-items: center; justify-content: space-between;
  padding: 8px 12px; font-size: 13px; background: var(--amber-3); color: var(--amber-12);
  border-bottom: 1px solid var(--amber-6); }
.vibe-conflict-actions { display: flex; gap: 8px; flex-shrink: 0; }
.vibe-conflict-actions button { font: inherit; padding: 4px 10px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--gray-7); background: var(--gray-1); color: var(--gray-12); }
.vibe-conflict-actions button.primary { background: var(--accent-9); color: white;
  border-color: var(--accent-9); }
.vibe-conflict-actions button:disabled { opacity: 0.6; cursor: wait; }
.vibe-conflict-diff { flex: 1; min-height: 0; }
`;

function vibeLoadMonaco() {
  if (vibeMonacoPromise === null) {
    vibeMonacoPromise = Promise.all([
      import("monaco-editor"),
      import("monaco-editor/esm/vs/editor/editor.worker?worker"),
      import("monaco-editor/esm/vs/language/json/json.worker?worker"),
      import("monaco-editor/esm/vs/language/css/css.worker?worker"),
      import("monaco-editor/esm/vs/language/html/html.worker?worker"),
      import("monaco-editor/esm/vs/language/typescript/ts.worker?worker"),
    ]).then(([monaco, editorW, jsonW, cssW, htmlW, tsW]) => {
      self.MonacoEnvironment = {
        getWorker(_id, label) {
          if (label === "json") return new jsonW.default();
          if (["css", "scss", "less"].includes(label)) return new cssW.default();
          if (["html", "handlebars", "razor"].includes(label)) return new htmlW.default();
          if (["typescript", "javascript"].includes(label)) return new tsW.default();
          return new editorW.default();
        },
      };
      vibeMonacoLoader.config({ monaco });
      return monaco;
    });
  }
  return vibeMonacoPromise;
}

// Start as soon as the editor page's code runs: Monaco (preloaded with the page) then starts
// while the page waits for its state, instead of after the workbench has rendered.
if (typeof window !== "undefined") vibeLoadMonaco();

function useVibeMonaco() {
  const [monaco, setMonaco] = useState(null);
  useEffect(() => {
    let alive = true;
    vibeLoadMonaco().then((m) => alive && setMonaco(m));
    return () => {
      alive = false;
    };
  }, []);
  return monaco;
}

// ---- drafts (unsaved text) in localStorage ------------------------------------------------

function vibeDraftKey(projectId, path) {
  return `${VIBE_DRAFT_PREFIX}${projectId}:${path}`;
}

function vibeReadDraft(projectId, path) {
  try {
    return JSON.parse(localStorage.getItem(vibeDraftKey(projectId, path)) || "null");
  } catch (_err) {
    return null;
  }
}

function vibeWriteDraft(projectId, path, content, baseVersion) {
  try {
    const draft = { content, base: baseVersion, at: Date.now() };
    localStorage.setItem(vibeDraftKey(projectId, path), JSON.stringify(draft));
    return true;
  } catch (_err) {
    return false; // quota: the beforeunload warning still protects the text
  }
}

function vibeDropDraft(projectId, path) {
  localStorage.removeItem(vibeDraftKey(projectId, path));
}

function vibeDraftPaths(projectId) {
  const prefix = `${VIBE_DRAFT_PREFIX}${projectId}:`;
  const found = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (key && key.startsWith(prefix)) found.push(key.slice(prefix.length));
  }
  return found.sort();
}

// ---- REST calls ---------------------------------------------------------------------------

async function vibeJson(res) {
  try {
    return await res.json();
  } catch (_err) {
    return {};
  }
}

async function vibeFetchFile(projectId, path) {
  const url = `${VIBE_API}/${projectId}/files/content?path=${encodeURIComponent(path)}`;
  const res = await fetch(url, { credentials: "same-origin" });
  const body = await vibeJson(res);
  if (!res.ok) {
    const err = new Error(body?.error?.message || `could not open '${path}' (HTTP ${res.status})`);
    err.status = res.status;
    throw err;
  }
  return body;
}

// A file's content asked for when the pointer goes down on its row in the tree, so the request
// overlaps the round trip that makes it the active file. Taken once, within a few seconds.
const VIBE_PREFETCH_MS = 5000;
const vibePrefetched = new Map(); // projectId:path -> {at, promise}

function vibePrefetch(projectId, path) {
  const key = `${projectId}:${path}`;
  const hit = vibePrefetched.get(key);
  if (vibeOpened.has(key) || (hit && Date.now() - hit.at < VIBE_PREFETCH_MS)) return;
  const promise = vibeFetchFile(projectId, path).catch(() => null);
  vibePrefetched.set(key, { at: Date.now(), promise });
}

async function vibeTakePrefetched(projectId, path) {
  const key = `${projectId}:${path}`;
  const hit = vibePrefetched.get(key);
  vibePrefetched.delete(key);
  const fresh = hit && Date.now() - hit.at < VIBE_PREFETCH_MS ? await hit.promise : null;
  return fresh || vibeFetchFile(projectId, path); // a failed prefetch asks again, for its error
}

async function vibePutFile(projectId, path, content, baseVersion) {
  const res = await fetch(`${VIBE_API}/${projectId}/files/content`, {
    method: "PUT",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ path, content, base_version: baseVersion }),
  });
  return { status: res.status, body: await vibeJson(res) };
}

// ---- documents ----------------------------------------------------------------------------

function vibeUri(monaco, projectId, path) {
  return monaco.Uri.from({ scheme: "vibe", authority: `p${projectId}`, path: `/${path}` });
}

function vibeAnyDirty() {
  for (const doc of vibeDocs.values()) if (doc.dirty) return true;
  return false;
}

function vibeNotify(event) {
  for (const listener of vibeListeners) listener(event);
}

function vibeTrackModel(monaco, model, doc) {
  let timer = null;
  model.onDidChangeContent(() => {
    const dirty = model.getAlternativeVersionId() !== doc.savedAlt;
    if (dirty !== doc.dirty) {
      doc.dirty = dirty;
      vibeNotify({ type: "dirty", path: doc.path, dirty });
    }
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (model.isDisposed()) return;
      if (doc.dirty) vibeWriteDraft(doc.projectId, doc.path, model.getValue(), doc.version);
      else vibeDropDraft(doc.projectId, doc.path);
    }, 250);
  });
}

function vibeReplaceText(model, text) {
  // An edit rather than setValue, so taking the other version stays undoable.
  model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
}

function vibeMarkSaved(doc, model, version, alt = model.getAlternativeVersionId()) {
  // `alt` is the text's version when it was sent: anything typed during the save stays dirty.
  doc.version = version;
  doc.savedAlt = alt;
  doc.dirty = model.getAlternativeVersionId() !== alt;
  if (doc.dirty) vibeWriteDraft(doc.projectId, doc.path, model.getValue(), version);
  else vibeDropDraft(doc.projectId, doc.path);
  vibeNotify({ type: "dirty", path: doc.path, dirty: doc.dirty });
}

// Open a file: the model if we have it, else the server copy plus any saved draft.
async function vibeOpen(monaco, projectId, path) {
  const uri = vibeUri(monaco, projectId, path);
  const known = monaco.editor.getModel(uri);
  if (known && vibeDocs.has(uri.toString())) return { model: known, conflict: null };
  const file = await vibeTakePrefetched(projectId, path);
  if (file.binary) return { binary: true, size: file.size };
  vibeOpened.add(`${projectId}:${path}`);
  const draft = vibeReadDraft(projectId, path);
  const model = known || monaco.editor.createModel(file.content, undefined, uri);
  if (known) model.setValue(file.content);
  const doc = { projectId, path, version: file.version, savedAlt: model.getAlternativeVersionId(), dirty: false };
  vibeDocs.set(uri.toString(), doc);
  vibeTrackModel(monaco, model, doc);
  let conflict = null;
  if (draft && draft.content !== file.content) {
    if (draft.base === file.version) {
      vibeReplaceText(model, draft.content);
    } else {
      conflict = { path, mine: draft.content, theirs: file.content, version: file.version, reason: "draft" };
    }
  } else if (draft) {
    vibeDropDraft(projectId, path);
  }
  return { model, conflict };
}

async function vibeSave(monaco, projectId, path) {
  const model = monaco.editor.getModel(vibeUri(monaco, projectId, path));
  const doc = model && vibeDocs.get(model.uri.toString());
  if (!doc) return { ok: false };
  const content = model.getValue();
  const alt = model.getAlternativeVersionId();
  const res = await vibePutFile(projectId, path, content, doc.version);
  if (res.status === 200) {
    vibeMarkSaved(doc, model, res.body.version, alt);
    return { ok: true };
  }
  if (res.status === 409 && res.body?.error?.code === "stale_version") {
    const current = res.body.error.current_version;
    let theirs = "";
    if (current !== null) theirs = (await vibeFetchFile(projectId, path)).content;
    if (current !== null && theirs === content) {
      vibeMarkSaved(doc, model, current, alt); // someone saved the very same text: nothing to resolve
      return { ok: true };
    }
    return { ok: false, conflict: { path, mine: content, theirs, version: current, reason: "save" } };
  }
  return { ok: false, error: res.body?.error?.message || `save failed (HTTP ${res.status})` };
}

// Resolve a conflict by saving `text` on top of the server's current version.
async function vibeResolve(monaco, projectId, conflict, text) {
  const model = monaco.editor.getModel(vibeUri(monaco, projectId, conflict.path));
  const doc = vibeDocs.get(model.uri.toString());
  doc.version = conflict.version;
  if (model.getValue() !== text) vibeReplaceText(model, text);
  if (text === conflict.theirs) {
    vibeMarkSaved(doc, model, conflict.version);
    return { ok: true };
  }
  return vibeSave(monaco, projectId, conflict.path);
}

// After a revert, pull or branch switch: clean files take the new text; dirty ones keep theirs
// and meet the compare view on their next save.
async function vibeReloadClean(monaco, projectId) {
  if (!monaco) return;
  for (const model of monaco.editor.getModels()) {
    const doc = vibeDocs.get(model.uri.toString());
    if (!doc || doc.dirty || doc.projectId !== projectId) continue;
    try {
      const file = await vibeFetchFile(projectId, doc.path);
      if (file.binary || file.version === doc.version) continue;
      vibeReplaceText(model, file.content);
      vibeMarkSaved(doc, model, file.version);
    } catch (_err) {
      // deleted meanwhile: the tab shows it on the next open
    }
  }
}

function vibeForget(monaco, projectId, path, keepDraft) {
  if (!monaco) return;
  const prefix = vibeUri(monaco, projectId, path).toString();
  for (const model of monaco.editor.getModels()) {
    const key = model.uri.toString();
    if (key === prefix || key.startsWith(prefix + "/")) {
      const doc = vibeDocs.get(key);
      if (doc && !keepDraft) vibeDropDraft(projectId, doc.path);
      if (doc) vibeOpened.delete(`${projectId}:${doc.path}`);
      vibeDocs.delete(key);
      model.dispose();
    }
  }
}

if (typeof window !== "undefined" && !window.__vibeUnloadGuard) {
  window.__vibeUnloadGuard = true;
  window.addEventListener("beforeunload", (event) => {
    if (vibeAnyDirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

// ---- code graph: go to definition, find references, running jobs ---------------------------

const VIBE_JOBS_POLL_MS = 4000;
const VIBE_JOB_NAMES = { "graph.index": "Indexing", "git.push": "Pushing", "git.pull": "Pulling" };
const VIBE_NAV_MAX_FILES = 30;
const vibeNav = { open: null, editor: null, registered: false };

// Shown just after Monaco's own "No definition found", which would otherwise replace it.
function vibeNavMessage(text) {
  setTimeout(() => {
    const editor = vibeNav.editor;
    const controller = editor && editor.getContribution("editor.contrib.messageController");
    if (controller && editor.getPosition()) controller.showMessage(text, editor.getPosition());
  }, 150);
}

// Ask the graph endpoint; null (after showing why) when there is nothing to go to.
async function vibeNavQuery(kind, model, position) {
  const doc = vibeDocs.get(model.uri.toString());
  const word = model.getWordAtPosition(position);
  if (!doc || !word) return null;
  const query = new URLSearchParams({ path: doc.path, line: String(position.lineNumber), word: word.word });
  const res = await fetch(`${VIBE_API}/${doc.projectId}/editor/${kind}?${query}`, { credentials: "same-origin" });
  const body = await vibeJson(res);
  if (!res.ok) {
    vibeNavMessage(body?.error?.message || `could not ask the code graph (HTTP ${res.status})`);
    return null;
  }
  if (!body.locations || body.locations.length === 0) {
    vibeNavMessage(body.message || `Nothing found for '${word.word}'.`);
    return null;
  }
  return { doc, word: word.word, locations: body.locations };
}

// Monaco locations; the files are opened as models first (peek views need them).
async function vibeNavLocations(monaco, projectId, locations, word) {
  const paths = [...new Set(locations.map((loc) => loc.path))].slice(0, VIBE_NAV_MAX_FILES);
  for (const path of paths) {
    try {
      await vibeOpen(monaco, projectId, path);
    } catch (_err) {
      // deleted since it was indexed: left out
    }
  }
  const found = [];
  for (const loc of locations) {
    const model = monaco.editor.getModel(vibeUri(monaco, projectId, loc.path));
    if (!model) continue;
    const line = Math.min(Math.max(loc.line, 1), model.getLineCount());
    const at = model.getLineContent(line).indexOf(word) + 1;
    const start = at > 0 ? at : model.getLineFirstNonWhitespaceColumn(line) || 1;
    const end = at > 0 ? at + word.length : model.getLineMaxColumn(line);
    found.push({ uri: model.uri, range: new monaco.Range(line, start, line, end) });
  }
  return found;
}

function vibeRegisterNav(monaco) {
  if (vibeNav.registered) return;
  vibeNav.registered = true;
  monaco.languages.registerDefinitionProvider("*", {
    async provideDefinition(model, position) {
      const found = await vibeNavQuery("definition", model, position);
      return found && vibeNavLocations(monaco, found.doc.projectId, found.locations, found.word);
    },
  });
  monaco.languages.registerReferenceProvider("*", {
    async provideReferences(model, position, context) {
      const found = await vibeNavQuery("references", model, position);
      if (!found) return null;
      const shown = context.includeDeclaration
        ? found.locations
        : found.locations.filter((loc) => loc.via !== "definition");
      return vibeNavLocations(monaco, found.doc.projectId, shown, found.word);
    },
  });
  // Another file: open it as a tab through the page (same file: Monaco moves the cursor).
  monaco.editor.registerEditorOpener({
    openCodeEditor(source, resource, selectionOrPosition) {
      if (resource.scheme !== "vibe" || !vibeNav.open) return false;
      if (source.getModel()?.uri.toString() === resource.toString()) return false;
      const line = selectionOrPosition?.startLineNumber || selectionOrPosition?.lineNumber || 1;
      vibeNav.open(resource.path.replace(/^\//, ""), line);
      return true;
    },
  });
}

function vibeJobsLabel(jobs) {
  return jobs
    .map((job) => `${VIBE_JOB_NAMES[job.kind] || job.kind} ${Math.round((job.progress || 0) * 100)}%`)
    .join(" · ");
}

// Running jobs of the project, polled while the page is visible.
function useVibeJobs(projectId) {
  const [label, setLabel] = useState("");
  useEffect(() => {
    if (!projectId) return;
    let alive = true;
    let timer = null;
    const poll = async () => {
      if (document.visibilityState === "visible") {
        try {
          const url = `/api/v1/jobs?project_id=${encodeURIComponent(projectId)}&status=running&limit=5`;
          const res = await fetch(url, { credentials: "same-origin" });
          if (res.ok && alive) setLabel(vibeJobsLabel(await res.json()));
        } catch (_err) {
          // offline for a moment: keep the last label
        }
      }
      if (alive) timer = setTimeout(poll, VIBE_JOBS_POLL_MS);
    };
    poll();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [projectId]);
  return label;
}

// ---- React components ---------------------------------------------------------------------

function VibeStatusBar({ status, jobs }) {
  return (
    <div className="vibe-statusbar" id="editor-status">
      {jobs ? <span id="status-jobs" data-state="saving">{jobs}</span> : null}
      <span style={{ flex: 1 }} />
      <span id="status-language">{status.language || ""}</span>
      <span id="status-position">{status.position || ""}</span>
      <span id="status-save" data-state={status.save || ""}>{status.saveLabel || ""}</span>
    </div>
  );
}

// Each diff mount gets its own model paths; the models are disposed after the widget is gone
// (disposing them while it unmounts throws "TextModel got disposed before DiffEditorWidget...").
let vibeDiffSeq = 0;
function useVibeDiffPaths(path) {
  const paths = useRef(null);
  if (paths.current === null) {
    vibeDiffSeq += 1;
    paths.current = {
      original: `vibe-diff-a-${vibeDiffSeq}:///${path}`,
      modified: `vibe-diff-b-${vibeDiffSeq}:///${path}`,
    };
  }
  useEffect(() => () => {
    const { original, modified } = paths.current;
    setTimeout(() => vibeLoadMonaco().then((monaco) => {
      for (const uri of [original, modified]) monaco.editor.getModel(monaco.Uri.parse(uri))?.dispose();
    }), 0);
  }, []);
  return paths.current;
}

function VibeConflict({ conflict, busy, onKeepMine, onTakeTheirs, onSaveMerged }) {
  const diffRef = useRef(null);
  const paths = useVibeDiffPaths(conflict.path);
  const deleted = conflict.version === null;
  return (
    <div className="vibe-conflict" id="conflict-view">
      <div className="vibe-conflict-bar">
        <div>
          <strong>{conflict.path}</strong>
          {deleted
            ? " was deleted on the server since you opened it."
            : " changed on the server since you opened it."}{" "}
          Left: theirs (saved). Right: yours, editable: merge by hand, then save.
        </div>
        <div className="vibe-conflict-actions">
          <button id="conflict-keep-mine" disabled={busy} onClick={onKeepMine}>Keep mine</button>
          <button id="conflict-take-theirs" disabled={busy} onClick={onTakeTheirs}>
            {deleted ? "Discard mine" : "Take theirs"}
          </button>
          <button
            id="conflict-save-merged"
            className="primary"
            disabled={busy}
            onClick={() => onSaveMerged(diffRef.current?.getModifiedEditor().getValue() ?? conflict.mine)}
          >
            Save merged
          </button>
        </div>
      </div>
      <div className="vibe-conflict-diff">
        <VibeMonacoDiffEditor
          original={conflict.theirs}
          modified={conflict.mine}
          originalModelPath={paths.original}
          modifiedModelPath={paths.modified}
          keepCurrentOriginalModel={true}
          keepCurrentModifiedModel={true}
          onMount={(editor) => (diffRef.current = editor)}
          options={{ renderSideBySide: true, originalEditable: false, automaticLayout: true }}
        />
      </div>
    </div>
  );
}

function vibeStatusFor(editor, doc, saving) {
  const model = editor.getModel();
  const pos = editor.getPosition();
  const save = saving ? "saving" : doc?.dirty ? "dirty" : "saved";
  const saveLabel = { saving: "Saving…", dirty: "Unsaved changes", saved: "Saved" }[save];
  return {
    language: model ? model.getLanguageId() : "",
    position: pos ? `Ln ${pos.lineNumber}, Col ${pos.column}` : "",
    save,
    saveLabel,
  };
}

function VibeEditor({
  projectId,
  path,
  readOnly,
  revealPath,
  revealLine,
  revealNonce,
  onDirty,
  onSaved,
  onError,
  onDrafts,
  onQuickOpen,
  onSearch,
  onOpenAt,
  onTreeChanged,
}) {
  const monaco = useVibeMonaco();
  const jobs = useVibeJobs(projectId);
  const editorRef = useRef(null);
  const [view, setView] = useState({ kind: "idle" });
  const [status, setStatus] = useState({});
  const [busy, setBusy] = useState(false);
  const [textUri, setTextUri] = useState(null);
  const revealed = useRef(null);
  const [editorReady, setEditorReady] = useState(false);
  const handlers = useRef({});
  handlers.current = { onDirty, onSaved, onError, onQuickOpen, onSearch, onOpenAt, onTreeChanged };

  useEffect(() => {
    if (!monaco) return;
    vibeRegisterNav(monaco);
    vibeNav.open = (p, line) => handlers.current.onOpenAt?.(p, line);
  }, [monaco]);

  const refreshStatus = useCallback((saving = false) => {
    const editor = editorRef.current;
    if (!editor || !editor.getModel()) return setStatus({});
    setStatus(vibeStatusFor(editor, vibeDocs.get(editor.getModel().uri.toString()), saving));
  }, []);

  const saving = useRef(false);
  const save = useCallback(async () => {
    if (!monaco || !path || readOnly || view.kind !== "text" || saving.current) return;
    saving.current = true;
    refreshStatus(true);
    try {
      const res = await vibeSave(monaco, projectId, path);
      if (res.ok) handlers.current.onSaved?.(path);
      else if (res.conflict) setView({ kind: "conflict", conflict: res.conflict });
      else if (res.error) handlers.current.onError?.(res.error);
    } catch (err) {
      handlers.current.onError?.(String(err.message || err));
    }
    saving.current = false;
    refreshStatus(false);
  }, [monaco, projectId, path, readOnly, view.kind, refreshStatus]);
  const saveRef = useRef(save);
  saveRef.current = save;

  useEffect(() => {
    const listener = (event) => {
      if (event.type === "dirty") {
        handlers.current.onDirty?.(event.path, event.dirty);
        refreshStatus(false);
      }
    };
    vibeListeners.add(listener);
    return () => vibeListeners.delete(listener);
  }, [refreshStatus]);

  useEffect(() => {
    if (projectId) onDrafts?.(vibeDraftPaths(projectId));
  }, [projectId]);

  useEffect(() => {
    if (!projectId) return;
    const onDown = (event) => {
      const row = event.target.closest?.('[data-tree-path][data-kind="file"]');
      if (row) vibePrefetch(projectId, row.getAttribute("data-tree-path"));
    };
    document.addEventListener("pointerdown", onDown, true);
    return () => document.removeEventListener("pointerdown", onDown, true);
  }, [projectId]);

  useEffect(() => {
    if (!projectId || readOnly) return;
    return vibeDropInstall(projectId, () => handlers.current.onTreeChanged?.());
  }, [projectId, readOnly]);

  useEffect(() => {
    const onKey = (event) => {
      const mod = event.ctrlKey || event.metaKey;
      if (!mod || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === "s") {
        event.preventDefault();
        saveRef.current();
      } else if (key === "p" && !event.shiftKey) {
        event.preventDefault();
        handlers.current.onQuickOpen?.();
      } else if (key === "f" && event.shiftKey) {
        event.preventDefault();
        handlers.current.onSearch?.();
      }
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }, []);

  useEffect(() => {
    if (!monaco || !path) return setView({ kind: "idle" });
    let alive = true;
    setView({ kind: "loading" });
    vibeOpen(monaco, projectId, path)
      .then((opened) => {
        if (!alive) return;
        if (opened.binary) return setView({ kind: "binary", size: opened.size });
        if (opened.conflict) return setView({ kind: "conflict", conflict: opened.conflict });
        setTextUri(opened.model.uri.toString());
        setView({ kind: "text", uri: opened.model.uri.toString() });
      })
      .catch((err) => {
        if (!alive) return;
        const tooLarge = err.status === 413;
        setView({ kind: tooLarge ? "toolarge" : "error", message: String(err.message || err) });
        if (!tooLarge) handlers.current.onError?.(String(err.message || err));
      });
    return () => {
      alive = false;
    };
  }, [monaco, projectId, path]);

  useEffect(() => {
    const editor = editorRef.current;
    if (!editor || !revealLine || view.kind !== "text" || revealPath !== path) return;
    if (revealed.current === revealNonce || editor.getModel()?.uri.toString() !== view.uri) return;
    revealed.current = revealNonce;
    editor.revealLineInCenter(revealLine);
    editor.setPosition({ lineNumber: revealLine, column: 1 });
    editor.focus();
  }, [revealNonce, revealPath, path, view.kind, view.uri, editorReady]);

  // The editor is created (hidden) as soon as Monaco is there, so opening the first file only
  // swaps its model; it takes the focus then, as a freshly created editor would.
  const focused = useRef(false);
  useEffect(() => {
    if (view.kind !== "text" || !editorReady || focused.current) return;
    focused.current = true;
    editorRef.current?.focus();
  }, [view.kind, editorReady]);

  const resolve = async (text) => {
    setBusy(true);
    try {
      const res = await vibeResolve(monaco, projectId, view.conflict, text);
      if (res.ok) {
        const uri = vibeUri(monaco, projectId, view.conflict.path).toString();
        setTextUri(uri);
        setView({ kind: "text", uri });
        handlers.current.onSaved?.(view.conflict.path);
      } else if (res.conflict) setView({ kind: "conflict", conflict: res.conflict });
      else if (res.error) handlers.current.onError?.(res.error);
    } catch (err) {
      handlers.current.onError?.(String(err.message || err));
    }
    setBusy(false);
  };

  if (typeof window !== "undefined") {
    window.vibeEditor = {
      save: () => saveRef.current(),
      forget: (p, keepDraft) => vibeForget(monaco, projectId, p, keepDraft),
      reloadClean: () => vibeReloadClean(monaco, projectId),
      dirty: () => [...vibeDocs.values()].filter((d) => d.dirty).map((d) => d.path),
      ready: () => view.kind === "text" && editorReady,
      value: () => editorRef.current?.getValue() ?? null,
      editor: () => editorRef.current,
    };
  }

  let overlay = null;
  if (path && (!monaco || view.kind === "loading")) {
    overlay = <div className="vibe-editor-message" id="editor-loading">Loading…</div>;
  } else if (view.kind === "binary") {
    overlay = (
      <div className="vibe-editor-message" id="editor-binary">
        This is a binary file ({view.size.toLocaleString()} bytes); it opens read-only and cannot be
        shown as text.
      </div>
    );
  } else if (view.kind === "toolarge" || view.kind === "error") {
    overlay = <div className="vibe-editor-message" id={`editor-${view.kind}`}>{view.message}</div>;
  } else if (view.kind === "conflict") {
    overlay = (
      <VibeConflict
        conflict={view.conflict}
        busy={busy}
        onKeepMine={() => resolve(view.conflict.mine)}
        onTakeTheirs={() => resolve(view.conflict.theirs)}
        onSaveMerged={(text) => resolve(text)}
      />
    );
  }
  const showEditor = view.kind === "text";
  return (
    <div className="vibe-editor" data-view={view.kind}>
      <style>{VIBE_EDITOR_CSS + VIBE_DROP_CSS}</style>
      <div className="vibe-editor-body">
        {monaco ? (
          <div className="vibe-editor-monaco" style={{ display: showEditor ? "block" : "none" }}>
            <VibeMonacoEditor
              path={textUri || VIBE_IDLE_URI}
              keepCurrentModel={true}
              options={{
                readOnly: !!readOnly,
                automaticLayout: true,
                minimap: { enabled: true },
                fontSize: 13,
                tabSize: 4,
                scrollBeyondLastLine: false,
              }}
              onMount={(editor, m) => {
                editorRef.current = editor;
                vibeNav.editor = editor;
                editor.onDidChangeCursorPosition(() => refreshStatus(false));
                editor.onDidChangeModel(() => refreshStatus(false));
                refreshStatus(false);
                setEditorReady(true);
              }}
            />
          </div>
        ) : null}
        {overlay}
      </div>
      {showEditor || jobs ? <VibeStatusBar status={showEditor ? status : {}} jobs={jobs} /> : null}
    </div>
  );
}

// Read-only side-by-side diff (the git panel's compare view).
function VibeDiff({ original, modified, path }) {
  const monaco = useVibeMonaco();
  const paths = useVibeDiffPaths(path);
  if (!monaco) return <div className="vibe-editor-message">Loading diff…</div>;
  return (
    <VibeMonacoDiffEditor
      original={original}
      modified={modified}
      originalModelPath={paths.original}
      modifiedModelPath={paths.modified}
      keepCurrentOriginalModel={true}
      keepCurrentModifiedModel={true}
      options={{ readOnly: true, renderSideBySide: true, automaticLayout: true, minimap: { enabled: false } }}
    />
  );
}
