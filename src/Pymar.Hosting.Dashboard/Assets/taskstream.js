// The task stream (Dask's is the model): one lane per worker slot, one bar per slice, coloured by job.
function pymarJobColour(jobId) {
  let hash = 0;
  const text = String(jobId || "");
  for (let i = 0; i < text.length; i++) { hash = (hash * 31 + text.charCodeAt(i)) | 0; }
  // The golden angle spreads neighbouring hashes around the colour wheel.
  return "hsl(" + Math.round(Math.abs(hash) * 137.508 % 360) + ", 62%, 52%)";
}

function pymarDuration(ms) {
  if (ms === null || ms === undefined || !isFinite(ms)) { return "–"; }
  if (ms < 1000) { return Math.round(ms) + " ms"; }
  const s = ms / 1000;
  if (s < 60) { return s.toFixed(1) + " s"; }
  const m = Math.floor(s / 60);
  if (m < 60) { return m + " min " + Math.round(s - m * 60) + " s"; }
  return Math.floor(m / 60) + " h " + (m % 60) + " min";
}

function pymarBytes(n) {
  if (n === null || n === undefined) { return "–"; }
  if (n < 1024) { return n + " B"; }
  if (n < 1024 * 1024) { return (n / 1024).toFixed(1) + " KiB"; }
  return (n / 1024 / 1024).toFixed(1) + " MiB";
}

// Lanes: a slice that names its slot goes to "worker #slot"; one that does not takes the first free lane of its worker.
function pymarLanes(slices, now) {
  const sorted = slices.slice().sort(function (a, b) { return a.start - b.start; });
  const lanes = new Map();
  const free = new Map();
  const placed = [];
  for (const s of sorted) {
    let key;
    if (s.slot !== null && s.slot !== undefined) {
      key = s.worker + " #" + s.slot;
    } else {
      const ends = free.get(s.worker) || [];
      let i = ends.findIndex(function (end) { return end <= s.start; });
      if (i < 0) { i = ends.length; ends.push(0); }
      ends[i] = s.end === null || s.end === undefined ? now : s.end;
      free.set(s.worker, ends);
      key = s.worker + " ~" + i;
    }
    if (!lanes.has(key)) { lanes.set(key, 0); }
    placed.push({ lane: key, slice: s });
  }
  const names = Array.from(lanes.keys()).sort(function (a, b) { return a.localeCompare(b, undefined, { numeric: true }); });
  names.forEach(function (name, i) { lanes.set(name, i); });
  return { names: names, index: lanes, placed: placed };
}

function pymarDrawTaskStream(svg, slices, from, to, now) {
  const ns = "http://www.w3.org/2000/svg";
  while (svg.firstChild) { svg.removeChild(svg.firstChild); }
  const lanes = pymarLanes(slices, now);
  const labelWidth = 190, laneHeight = 18, axisHeight = 22;
  const width = Math.max(480, svg.clientWidth || (svg.parentNode && svg.parentNode.clientWidth) || 900);
  const height = Math.max(1, lanes.names.length) * laneHeight + axisHeight;
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svg.setAttribute("height", String(height));
  const span = Math.max(1, to - from);
  const plot = width - labelWidth - 8;
  const x = function (t) { return labelWidth + (Math.min(Math.max(t, from), to) - from) / span * plot; };
  function add(tag, attrs, text) {
    const node = document.createElementNS(ns, tag);
    for (const k in attrs) { node.setAttribute(k, attrs[k]); }
    if (text !== undefined) { node.textContent = text; }
    svg.appendChild(node);
    return node;
  }
  if (lanes.names.length === 0) {
    add("text", { x: 8, y: 14, "class": "empty" }, "No slices yet.");
    return 0;
  }
  lanes.names.forEach(function (name, i) {
    add("rect", { x: labelWidth, y: i * laneHeight, width: plot, height: laneHeight - 2, "class": "lane" });
    add("text", { x: labelWidth - 6, y: i * laneHeight + 12, "text-anchor": "end", "class": "lane-label" }, name);
  });
  let drawn = 0;
  for (const p of lanes.placed) {
    const s = p.slice;
    const end = s.end === null || s.end === undefined ? now : s.end;
    if (end < from || s.start > to) { continue; }
    const left = x(s.start);
    const rect = add("rect", {
      x: left, y: lanes.index.get(p.lane) * laneHeight + 1, width: Math.max(2, x(end) - left), height: laneHeight - 4,
      fill: pymarJobColour(s.jobId),
      "class": "bar" + (s.failed ? " failed" : "") + (s.end === null || s.end === undefined ? " running" : ""),
      "data-job": s.jobId || "", "data-slice": s.sliceIndex === null || s.sliceIndex === undefined ? "" : String(s.sliceIndex)
    });
    const title = document.createElementNS(ns, "title");
    title.textContent = (s.producer || "?") + " slice " + s.sliceIndex + " (attempt " + s.attempt + ") on " + s.worker +
      ": " + (s.end === null || s.end === undefined ? "running" : pymarDuration(end - s.start)) + (s.failed ? ", failed" : "");
    rect.appendChild(title);
    drawn++;
  }
  const y = lanes.names.length * laneHeight + 14;
  const ticks = 6;
  for (let i = 0; i <= ticks; i++) {
    const t = from + span * i / ticks;
    add("line", { x1: x(t), x2: x(t), y1: 0, y2: y - 12, "class": "tick" });
    add("text", { x: x(t), y: y, "text-anchor": i === 0 ? "start" : (i === ticks ? "end" : "middle"), "class": "axis" },
      "+" + pymarDuration(t - from));
  }
  return drawn;
}
