// CameraWidget front end: camera preview, Snapshot and Live, JPEG frames to the kernel.
// Frames go only to the local kernel through the widget's comm; nothing is stored here.
// Live mode sends a new frame only after the kernel acknowledged the previous one
// (ack_id catches up with frame_id), so slow predictions drop frames instead of queuing.

const STALE_MS = 5000; // no ack for this long (kernel restarted?): stop waiting

function explain(err) {
  const name = (err && err.name) || "";
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
  const live = button("Live: off", "Send a few frames per second");
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
  let timer = null;

  function setError(text) {
    error.textContent = text;
    model.set("error", text);
    model.save_changes();
  }

  function setStatus(text) {
    status.textContent = text;
  }

  async function startCamera() {
    if (!window.isSecureContext || !navigator.mediaDevices ||
        !navigator.mediaDevices.getUserMedia) {
      setError(insecureMessage());
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
      setError(explain(err));
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

  function grab() {
    if (!stream || !video.videoWidth) {
      setError(stream ? "The camera is not ready yet; try again in a second."
                      : "The camera is off: press Start camera first.");
      return false;
    }
    const scale = Math.min(1, model.get("width") / video.videoWidth);
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    sentId = model.get("frame_id") + 1;
    sentAt = performance.now();
    busy = true;
    model.set("frame", canvas.toDataURL("image/jpeg", model.get("quality")));
    model.set("frame_id", sentId);
    model.save_changes();
    return true;
  }

  function onAck() {
    if (!busy || model.get("ack_id") < sentId) return;
    busy = false;
    const ms = performance.now() - sentAt;
    model.set("round_trip_ms", ms);
    model.save_changes();
    setStatus(`Frame ${sentId}: ${ms.toFixed(0)} ms from snapshot to result.`);
  }

  function tick() {
    if (busy && performance.now() - sentAt < STALE_MS) return; // drop this frame
    grab();
  }

  function setLive(on) {
    if (timer) clearInterval(timer);
    timer = null;
    if (on && stream) {
      timer = setInterval(tick, 1000 / Math.max(0.5, model.get("fps")));
    }
    live.textContent = timer ? "Live: on" : "Live: off";
    live.classList.toggle("emo-cam-on", Boolean(timer));
    if (model.get("live") !== Boolean(timer)) {
      model.set("live", Boolean(timer));
      model.save_changes();
    }
  }

  start.addEventListener("click", () => (stream ? stopCamera() : startCamera()));
  snap.addEventListener("click", () => {
    if (!busy || performance.now() - sentAt > STALE_MS) grab();
  });
  live.addEventListener("click", () => setLive(!timer));
  model.on("change:ack_id", onAck);
  const onLive = () => setLive(model.get("live"));
  model.on("change:live", onLive);

  if (model.get("autostart")) startCamera();
  else setStatus("Camera off: press Start camera.");

  return () => {  // the view is removed: release the camera
    if (timer) clearInterval(timer);
    if (stream) stream.getTracks().forEach((t) => t.stop());
    model.off("change:ack_id", onAck);
    model.off("change:live", onLive);
  };
}

export default { render };
