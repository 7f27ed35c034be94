// Files and folders dropped onto the file tree or into the upload dialog (module-level code of
// the editor page, after monaco.js; see vibe/editor/monaco.py).
//
// Reflex's upload keeps only base names, so a folder dropped through it would arrive flat. Here
// the drop is walked as FileSystemEntry objects and each file is posted to the upload endpoint
// with its folder inside the drop (`relative_dir`), one at a time, with the session cookie like
// every other call of the editor; an empty folder is created through the files endpoint. The
// server checks every path; whatever it refuses (too large, a bad name, an existing file) is
// listed, and what was stored stays stored (each upload is its own atomic write and commit).
//
// A drop zone is any element with the class below; `data-drop-folder` on it names the folder a
// drop goes into (the dialog's), otherwise the tree row under the pointer decides. The listeners
// run in the capture phase so that a drop into the dialog never reaches Reflex's dropzone, and a
// drop into a dialog closes it, as its Upload button does.

const VIBE_DROP_ZONE = ".vibe-drop-zone";
const VIBE_DROP_MAX_FILES = 1000;
const VIBE_DROP_CSS = `
.vibe-drop-zone[data-drop-over] { outline: 2px dashed var(--accent-9); outline-offset: -4px;
  background: var(--accent-a2); }
#vibe-upload-status { position: fixed; right: 16px; bottom: 16px; z-index: 60; width: 340px;
  max-height: 50vh; overflow: auto; padding: 10px 12px; border-radius: 8px; font-size: 13px;
  color: var(--gray-12); background: var(--color-panel-solid); border: 1px solid var(--gray-6);
  box-shadow: 0 6px 24px rgba(0, 0, 0, 0.18); }
#vibe-upload-status[data-state="error"] { border-color: var(--red-7); }
#vibe-upload-status .vibe-upload-head { display: flex; gap: 8px; align-items: center;
  justify-content: space-between; }
#vibe-upload-status .vibe-upload-head button { font: inherit; border: 0; background: none;
  cursor: pointer; color: var(--gray-11); padding: 0 4px; }
#vibe-upload-status progress { width: 100%; height: 6px; margin-top: 6px; }
#vibe-upload-status ul { margin: 6px 0 0; padding-left: 18px; color: var(--red-11); }
`;

// A File as the entry webkitGetAsEntry would give (for drops that carry no entries).
function vibeFileEntry(file) {
  return { isFile: true, isDirectory: false, name: file.name, file: (ok) => ok(file) };
}

// The entries of a drop; webkitGetAsEntry only answers during the drop event itself.
function vibeDroppedEntries(dataTransfer) {
  const entries = [];
  for (const item of dataTransfer?.items || []) {
    if (item.kind !== "file") continue;
    const entry = item.webkitGetAsEntry?.();
    const file = entry ? null : item.getAsFile();
    if (entry) entries.push(entry);
    else if (file) entries.push(vibeFileEntry(file));
  }
  return entries;
}

// Every file under `entries`, each with its folder relative to the drop ("" for a file dropped
// on its own), and every empty folder (`file` null, `dir` its own path in the drop). A directory
// reader returns its children in batches (100 at a time in Chromium) and is read until it
// returns an empty one. Stops after `limit` + 1 items: too many.
async function vibeWalkEntries(entries, limit = VIBE_DROP_MAX_FILES) {
  const found = [];
  const visit = async (entry, dir) => {
    if (found.length > limit) return;
    if (entry.isFile) {
      const file = await new Promise((ok, fail) => entry.file(ok, fail));
      found.push({ file, name: entry.name, dir });
    } else if (entry.isDirectory) {
      const inner = dir ? `${dir}/${entry.name}` : entry.name;
      const reader = entry.createReader();
      let children = 0;
      for (;;) {
        const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
        if (!batch.length) break;
        children += batch.length;
        for (const child of batch) await visit(child, inner);
      }
      if (!children) found.push({ file: null, name: entry.name, dir: inner });
    }
  };
  for (const entry of entries) await visit(entry, "");
  return found;
}

async function vibeUploadOne(projectId, folder, item) {
  if (!item.file) {
    // An empty folder of a drop: the files endpoint's "new folder", with the same path checks.
    const path = folder ? `${folder}/${item.dir}` : item.dir;
    return vibeDropPost(`${VIBE_API}/${projectId}/files`, {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ path, kind: "folder" }),
    });
  }
  const form = new FormData();
  form.append("file", item.file, item.name);
  form.append("path", folder);
  form.append("relative_dir", item.dir);
  return vibeDropPost(`${VIBE_API}/${projectId}/files/upload`, { body: form });
}

// POST one item; the stored path, or an Error with the server's reason.
async function vibeDropPost(url, init) {
  const res = await fetch(url, { method: "POST", credentials: "same-origin", ...init });
  const body = await vibeJson(res);
  if (!res.ok) throw new Error(body?.error?.message || `HTTP ${res.status}`);
  return body.path;
}

// The progress box at the bottom right; text only (file names are never parsed as HTML).
function vibeUploadStatus(title, { progress = null, errors = [], state = "busy" } = {}) {
  let box = document.getElementById("vibe-upload-status");
  if (!box) {
    box = document.createElement("div");
    box.id = "vibe-upload-status";
    box.setAttribute("role", "status");
    document.body.appendChild(box);
  }
  clearTimeout(box.vibeTimer);
  box.dataset.state = state;
  const head = document.createElement("div");
  head.className = "vibe-upload-head";
  const text = document.createElement("span");
  text.className = "vibe-upload-title";
  text.textContent = title;
  head.append(text);
  const parts = [head];
  if (state !== "busy") {
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", "Close");
    close.onclick = () => box.remove();
    head.append(close);
  }
  if (progress !== null) {
    const bar = document.createElement("progress");
    bar.value = progress;
    bar.max = 1;
    parts.push(bar);
  }
  if (errors.length) {
    const list = document.createElement("ul");
    for (const line of errors) {
      const li = document.createElement("li");
      li.textContent = line;
      list.append(li);
    }
    parts.push(list);
  }
  box.replaceChildren(...parts);
  if (state === "done") box.vibeTimer = setTimeout(() => box.remove(), 4000);
}

// Upload everything under `entries` into `folder`; resolves to what was stored and what failed.
async function vibeDropUpload(projectId, folder, entries, onStored) {
  const into = folder ? ` into ${folder}` : "";
  vibeUploadStatus(`Reading the dropped files…`);
  let items;
  try {
    items = await vibeWalkEntries(entries);
  } catch (err) {
    vibeUploadStatus("Could not read the dropped files", { state: "error", errors: [String(err.message || err)] });
    return { stored: [], failed: [] };
  }
  if (items.length > VIBE_DROP_MAX_FILES) {
    const why = `The drop holds more than ${VIBE_DROP_MAX_FILES} files and folders; nothing was uploaded. Drop fewer at a time.`;
    vibeUploadStatus("Too many files", { state: "error", errors: [why] });
    return { stored: [], failed: [] };
  }
  if (!items.length) {
    vibeUploadStatus("Nothing to upload: the drop holds no files or folders", { state: "error" });
    return { stored: [], failed: [] };
  }
  const stored = [];
  const failed = [];
  const tally = { stored: [0, 0], failed: [0, 0] }; // [files, folders]
  for (const [n, item] of items.entries()) {
    const label = !item.file ? `${item.dir}/` : item.dir ? `${item.dir}/${item.name}` : item.name;
    vibeUploadStatus(`Uploading ${n + 1} of ${items.length}${into}: ${label}`, { progress: n / items.length });
    try {
      stored.push(await vibeUploadOne(projectId, folder, item));
      tally.stored[item.file ? 0 : 1] += 1;
    } catch (err) {
      failed.push(`${label}: ${err.message || err}`);
      tally.failed[item.file ? 0 : 1] += 1;
    }
  }
  if (stored.length) onStored?.(stored);
  const plural = (k, noun) => `${k} ${noun}${k === 1 ? "" : "s"}`;
  const count = ([files, folders]) =>
    [files || !folders ? plural(files, "file") : "", folders ? plural(folders, "folder") : ""]
      .filter(Boolean)
      .join(" and ");
  if (failed.length) {
    const title = `Uploaded ${count(tally.stored)}${into}; ${count(tally.failed)} refused`;
    vibeUploadStatus(title, { state: "error", errors: failed });
  } else {
    vibeUploadStatus(`Uploaded ${count(tally.stored)}${into}`, { state: "done" });
  }
  return { stored, failed };
}

// The folder a drop goes into: the zone's own folder (the dialog's), the folder row under the
// pointer, a file row's folder, or the root.
function vibeDropFolder(zone, target) {
  if (zone?.hasAttribute("data-drop-folder")) return zone.getAttribute("data-drop-folder");
  const row = target?.closest?.("[data-tree-path]");
  if (!row) return "";
  const path = row.getAttribute("data-tree-path");
  if (row.getAttribute("data-kind") === "dir") return path;
  const cut = path.lastIndexOf("/");
  return cut > 0 ? path.slice(0, cut) : "";
}

// Close the dialog a drop zone sits in: Radix dialogs close on Escape (and tell Reflex so).
function vibeDropCloseDialog(zone) {
  if (!zone.closest('[role="dialog"]')) return;
  document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
}

// Listen for drops on the drop zones while a writable project is open; returns the clean-up.
// `window.vibeDrop.upload` is the same upload, for entries that come from elsewhere, and
// `window.vibeDrop.drop` handles a drop event's entries as a drop onto a zone would.
function vibeDropInstall(projectId, onStored) {
  const upload = (folder, entries) => vibeDropUpload(projectId, folder, entries, onStored);
  const hasFiles = (event) => [...(event.dataTransfer?.types || [])].includes("Files");
  let marked = null;
  const mark = (zone) => {
    if (marked === zone) return;
    marked?.removeAttribute("data-drop-over");
    zone?.setAttribute("data-drop-over", "");
    marked = zone;
  };
  // A drag with files over a zone is ours alone (Reflex's dropzone never sees it).
  const claim = (event) => {
    const zone = event.target.closest?.(VIBE_DROP_ZONE);
    if (!zone || !hasFiles(event)) return null;
    event.preventDefault();
    event.stopPropagation();
    return zone;
  };
  const onOver = (event) => {
    const zone = claim(event);
    if (zone) event.dataTransfer.dropEffect = "copy";
    mark(zone);
  };
  const onLeave = (event) => {
    if (!event.relatedTarget || !marked?.contains(event.relatedTarget)) mark(null);
  };
  const drop = (zone, target, entries) => {
    const done = upload(vibeDropFolder(zone, target), entries);
    vibeDropCloseDialog(zone);
    return done;
  };
  const onDrop = (event) => {
    mark(null);
    const zone = claim(event);
    if (zone) drop(zone, event.target, vibeDroppedEntries(event.dataTransfer));
  };
  const listeners = { dragenter: onOver, dragover: onOver, dragleave: onLeave, drop: onDrop };
  for (const [type, fn] of Object.entries(listeners)) document.addEventListener(type, fn, true);
  window.vibeDrop = { upload, drop };
  return () => {
    mark(null);
    for (const [type, fn] of Object.entries(listeners)) document.removeEventListener(type, fn, true);
    if (window.vibeDrop?.upload === upload) delete window.vibeDrop;
  };
}
