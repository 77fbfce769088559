// CameraWidget front end: camera preview, Snapshot and Live, JPEG frames to the kernel.
// Frames go only to the local kernel through the widget's comm; nothing is stored here.
// Live mode sends a new frame only after the kernel acknowledged the previous one
// (ack_id catches up with frame_id), and at most `fps` a second: slow predictions
// drop frames instead of queuing, and a fast kernel gets frames as soon as it is free.

const STALE_MS = 5000; // no ack for this long (kernel restarted?): stop waiting

// VS Code's notebook view runs outputs in a webview that refuses the camera
// (microsoft/vscode#119127): a vscode-webview: origin or its acquireVsCodeApi.
function inVsCode() {
  const origins = [window.location.protocol, document.referrer,
                   ...Array.from(window.location.ancestorOrigins || [])];
  return origins.some((o) => String(o).startsWith("vscode-webview:")) ||
    typeof window.acquireVsCodeApi === "function";
}

function explain(err, model) {
  const name = (err && err.name) || "";
  if (inVsCode() && (name === "NotAllowedError" || name === "SecurityError" || !err)) {
    return model.get("vscode_message");
  }
  if (name === "NotAllowedError" || name === "PermissionDeniedError") {
    return "Camera permission was denied. Allow the camera for this page (the camera " +
      "icon in the address bar), then press Start camera. Or upload a photo below.";
  }
  if (name === "NotFoundError" || name === "DevicesNotFoundError" ||
      name === "OverconstrainedError") {
    return "No camera was found. Plug one in and press Start camera, or upload a photo below.";
  }
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
    return "The camera is busy: another program (a video call?) is using it. Close " +
      "that program and press Start camera.";
  }
  if (name === "SecurityError") return insecureMessage();
  return `The camera could not start (${name || "error"}: ${err && err.message}).`;
}

function insecureMessage() {
  return "The browser only gives the camera to secure pages: https:// or " +
    "http://localhost / http://127.0.0.1. Open this page through localhost (e.g. " +
    "http://127.0.0.1:8866), or use the upload button below.";
}

function button(label, title) {
  const b = document.createElement("button");
  b.className = "emo-cam-button";
  b.textContent = label;
  b.title = title;
  return b;
}

function render({ model, el }) {
  el.classList.add("emo-cam");
  const video = document.createElement("video");
  video.className = "emo-cam-video";
  video.autoplay = true;
  video.muted = true;
  video.playsInline = true;
  const canvas = document.createElement("canvas");
  const start = button("Start camera", "Turn the camera on or off");
  const snap = button("Snapshot", "Send one frame to the kernel and predict");
  snap.classList.add("emo-cam-snapshot");
  const live = button("Live: off",
    "Send frames continuously: as fast as the kernel answers, at most `fps` a second");
  live.classList.add("emo-cam-live");
  const status = document.createElement("div");
  status.className = "emo-cam-status";
  const error = document.createElement("div");
  error.className = "emo-cam-error";
  const bar = document.createElement("div");
  bar.className = "emo-cam-bar";
  bar.append(start, snap, live);
  el.append(video, bar, status, error);

  let stream = null;
  let sentId = 0;
  let sentAt = 0;
  let busy = false;
  let liveOn = false;
  let timer = null; // the next live frame, or the watchdog while one is in flight
  let lastAck = 0;
  let fps = 0; // live frames per second, smoothed

  function setError(text) {
    error.textContent = text;
    model.set("error", text);
    model.save_changes();
  }

  function setStatus(text) {
    status.textContent = text;
  }

  async function startCamera() {
    if (inVsCode() && model.get("host") !== "vscode") {
      model.set("host", "vscode");
      model.save_changes();
    }
    if (!window.isSecureContext || !navigator.mediaDevices ||
        !navigator.mediaDevices.getUserMedia) {
      setError(inVsCode() ? explain(null, model) : insecureMessage());
      return;
    }
    setStatus("Starting the camera…");
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { width: { ideal: model.get("width") }, height: { ideal: model.get("height") },
                 facingMode: "user" },
      });
      video.srcObject = stream;
      await video.play().catch(() => {});
      start.textContent = "Stop camera";
      setError("");
      model.set("camera_on", true);
      model.save_changes();
      const track = stream.getVideoTracks()[0];
      setStatus(`Camera on: ${track ? track.label : "video"}.`);
    } catch (err) {
      stream = null;
      setStatus("");
      setError(explain(err, model));
    }
  }

  function stopCamera() {
    setLive(false);
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stream = null;
    video.srcObject = null;
    start.textContent = "Start camera";
    setStatus("Camera off.");
    model.set("camera_on", false);
    model.save_changes();
  }

  // One frame to the kernel. Live frames are smaller (live_width, live_quality):
  // less to encode, send, decode and send back, so more frames per second.
  function grab(isLive) {
    if (!stream || !video.videoWidth) {
      setError(stream ? "The camera is not ready yet; try again in a second."
                      : "The camera is off: press Start camera first.");
      return false;
    }
    const width = model.get(isLive ? "live_width" : "width");
    const scale = Math.min(1, width / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    sentId = model.get("frame_id") + 1;
    sentAt = performance.now();
    busy = true;
    const quality = model.get(isLive ? "live_quality" : "quality");
    model.set("frame", canvas.toDataURL("image/jpeg", quality));
    model.set("frame_id", sentId);
    model.save_changes();
    return true;
  }

  function onAck() {
    if (!busy || model.get("ack_id") < sentId) return;
    busy = false;
    const now = performance.now();
    const ms = now - sentAt;
    model.set("round_trip_ms", ms);
    let rate = "";
    if (liveOn) {
      if (lastAck) {
        const instant = 1000 / (now - lastAck);
        fps = fps ? 0.8 * fps + 0.2 * instant : instant;
      }
      lastAck = now;
      if (fps) rate = ` (live: ${fps.toFixed(1)} frames/s)`;
      // the next frame one period after this one was sent, or now if the kernel was
      // slower than that: the rate adapts to the kernel, frames never queue
      const period = 1000 / Math.max(0.5, model.get("fps"));
      clearTimeout(timer);
      timer = setTimeout(tick, Math.max(0, sentAt + period - now));
    } else {
      model.save_changes(); // live frames carry round_trip_ms with the next frame
    }
    setStatus(`Frame ${sentId}: ${ms.toFixed(0)} ms from snapshot to result.${rate}`);
  }

  function tick() {
    timer = null;
    if (!liveOn) return;
    const waiting = busy && performance.now() - sentAt < STALE_MS;
    const sent = waiting || grab(true);
    // a watchdog: no ack for STALE_MS (kernel restarted?) sends a fresh frame anyway
    timer = setTimeout(tick, sent ? STALE_MS : 1000);
  }

  function setLive(on) {
    clearTimeout(timer);
    timer = null;
    liveOn = Boolean(on && stream);
    lastAck = 0;
    fps = 0;
    live.textContent = liveOn ? "Live: on" : "Live: off";
    live.classList.toggle("emo-cam-on", liveOn);
    if (model.get("live") !== liveOn) { // before the first live frame reaches the kernel
      model.set("live", liveOn);
      model.save_changes();
    }
    if (liveOn) tick();
  }

  start.addEventListener("click", () => (stream ? stopCamera() : startCamera()));
  snap.addEventListener("click", () => {
    if (!busy || performance.now() - sentAt > STALE_MS) grab(false);
  });
  live.addEventListener("click", () => setLive(!liveOn));
  model.on("change:ack_id", onAck);
  const onLive = () => setLive(model.get("live"));
  model.on("change:live", onLive);

  if (model.get("autostart")) startCamera();
  else setStatus("Camera off: press Start camera.");

  return () => {  // the view is removed: release the camera
    liveOn = false;
    clearTimeout(timer);
    if (stream) stream.getTracks().forEach((t) => t.stop());
    model.off("change:ack_id", onAck);
    model.off("change:live", onLive);
  };
}

export default { render };
