"""Voila configuration of `make app` (the browser tests start the same command).

Every page load starts a kernel (``KERNEL_MB``: ~0.9 GB with TensorFlow, <= 350 MB with
ONNX Runtime). Three things make sure kernels of pages that are gone are shut down, and
that their number stays bounded:

1. The _xsrf cookie. On reload or tab close, Voila's page asks the server to shut its
   kernel down (a POST sent with ``navigator.sendBeacon``), but the single-notebook page
   never sets the _xsrf cookie that POST must carry, so it is refused with a 403 and the
   kernel lives on (voila-dashboards/voila#1458). The prelaunch hook sets the cookie.
2. Culling. A page that never says goodbye (closed while loading, crashed tab, killed
   browser, laptop lid) leaves a kernel with no client. jupyter_server's culler shuts
   down kernels that have been idle for ``IDLE_TIMEOUT`` seconds with no browser
   connected; an open page keeps its websocket, so its kernel is never culled
   (``cull_connected=False``), nor is a kernel still running the notebook
   (``cull_busy=False``), nor one whose page left less than ``goodbye_wait`` seconds
   ago (a reloading page's shutdown request arrives just after its websocket closes).
3. A cap, from memory. At most ``page_cap()`` kernels: as many as fit in the memory
   available when the app starts (less ``RESERVE_MB`` for the server, the browser and
   the system), at ``KERNEL_MB`` each, and never more than ``MAX_PAGES`` (two CPU cores
   do not serve more live pages). A page beyond that gets a plain "503: too many open
   pages" page instead of a kernel (we refuse rather than cull the oldest idle kernel,
   which may belong to a page someone is looking at).

And three things keep the browser console and the log free of false alarms:

- Only the front-end extensions the page needs are loaded (``EXTENSIONS``): Notebook
  7's lab extension, installed beside JupyterLab, fails in Voila's older JupyterLab
  core ("The getter for the shared module is not a function ... docregistry").
- Websocket pings are off (``ws_ping_interval = 0``). jupyter_server counts them in
  milliseconds (30000, timeout 90000) but hands the same numbers to tornado >= 6.5,
  which reads seconds and refuses a timeout longer than the interval (the log's
  "websocket_ping_timeout (90000) cannot be longer than ..."; jupyter_server#1612).
  No pair of values suits both (jupyter_server closes a socket whose pong is later
  than its timeout, so timeout = interval closes healthy ones). On localhost a closed
  or crashed tab closes its socket at once, and the culler does the rest.
- Kernels talk to the server over local sockets (``transport = "ipc"``, files only
  their owner can open), not unencrypted TCP ports, which ipykernel warns about.

The environment variables below shorten the timings for tests or set the cap; `make
app` uses the defaults.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Float, Integer

REPO = Path(__file__).resolve().parent.parent
IDLE_TIMEOUT = int(os.environ.get("EMO_APP_IDLE_TIMEOUT", "120"))  # seconds
CULL_INTERVAL = int(os.environ.get("EMO_APP_CULL_INTERVAL", "30"))  # seconds
MAX_PAGES = 12  # the cap on a machine with memory to spare
RESERVE_MB = 1024  # left for the server, the browser and the system
# A page's kernel with the shipped model on ONNX Runtime, live frames running: the
# budget a page is given (with TensorFlow it held 0.9-0.97 GB, 2026-12-03).
KERNEL_MB = 350
# the pages' front end: the widget manager, Voila's own on top of it, and anywidget
EXTENSIONS = ["@jupyter-widgets/jupyterlab-manager",
              "@voila-dashboards/widgets-manager8", "anywidget"]


def available_mb() -> float:
    """Memory available to new processes now, in MB: the system's, or a container's
    cgroup limit less its usage when that is smaller."""
    import psutil  # a jupyter_server dependency

    free = psutil.virtual_memory().available / 2**20
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
        if limit != "max":
            free = min(free, (int(limit) - int(used)) / 2**20)
    except (OSError, ValueError):
        pass  # no cgroup v2 limit
    return free


def page_cap(free_mb: float, kernel_mb: float, reserve_mb: float = RESERVE_MB,
             most: int = MAX_PAGES) -> int:
    """How many pages (kernels) fit: ``free_mb`` less ``reserve_mb``, at ``kernel_mb``
    each, between 1 and ``most``."""
    if kernel_mb <= 0:
        raise ValueError(f"EMO_APP_KERNEL_MB must be positive, got {kernel_mb:g}: "
                         "give a page kernel's memory in MB, e.g. 350")
    return max(1, min(most, int((free_mb - reserve_mb) // kernel_mb)))


def max_kernels(environ=os.environ) -> int:
    """The cap: ``EMO_APP_MAX_KERNELS`` when set, else ``page_cap`` of the memory
    available now at ``EMO_APP_KERNEL_MB`` MB a page (default ``KERNEL_MB``)."""
    if environ.get("EMO_APP_MAX_KERNELS"):
        return int(environ["EMO_APP_MAX_KERNELS"])
    kernel_mb = float(environ.get("EMO_APP_KERNEL_MB") or KERNEL_MB)
    return page_cap(available_mb(), kernel_mb)


class CappedKernelManager(AsyncMappingKernelManager):
    """A kernel manager that refuses to start more than ``max_kernels`` kernels."""

    max_kernels = Integer(4, config=True, help="Most kernels alive at once.")
    slot_wait = Float(
        5.0, config=True,
        help="Seconds a new page waits for a kernel of a closed page to finish "
             "shutting down before it is refused.",
    )
    goodbye_wait = Float(
        10.0, config=True,
        help="Seconds after its last browser left during which a kernel is not "
             "culled: a reloading page's shutdown request arrives just after its "
             "websocket closes, and frees the kernel itself.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._starting = 0  # starts in progress
        self._stopping: set[str] = set()  # shutdowns in progress: no longer counted
        self._left: dict[str, float] = {}  # kernel id -> when its last browser left
        self.log.info("At most %d pages at once, each with its own kernel "
                      "(app/voila.py: from the memory available)", self.max_kernels)

    def _in_use(self) -> int:
        return len(set(self.list_kernel_ids()) - self._stopping) + self._starting

    async def start_kernel(self, *, kernel_id=None, path=None, **kwargs):
        if kernel_id is None or kernel_id not in self:
            deadline = time.monotonic() + self.slot_wait
            while self._in_use() >= self.max_kernels:
                if time.monotonic() > deadline:
                    self.log.warning("Refusing a page: %d kernels running (the cap)",
                                     self._in_use())
                    minutes = -(-(self.cull_idle_timeout + self.cull_interval) // 60)
                    message = (  # Voila's error page shows the reason, not the message
                        f"Too many open pages: this app runs at most {self.max_kernels}"
                        ", each with its own Python kernel. Close another of its tabs, "
                        "then reload this page (tabs that crashed or were closed "
                        f"while loading free theirs within {minutes} min)."
                    )
                    raise web.HTTPError(503, message, reason=message)
                await asyncio.sleep(0.25)
        self._starting += 1
        try:
            return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        finally:
            self._starting -= 1

    def notify_disconnect(self, kernel_id):
        super().notify_disconnect(kernel_id)
        if self._kernel_connections.get(kernel_id) == 0:
            self._left[kernel_id] = time.monotonic()

    async def cull_kernel_if_idle(self, kernel_id):
        if kernel_id in self._stopping:  # e.g. its page's shutdown request
            return
        if time.monotonic() - self._left.get(kernel_id, -1e9) < self.goodbye_wait:
            return  # its page may be reloading: the shutdown request is on its way
        await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id, now=False, restart=False):
        self._stopping.add(kernel_id)
        try:
            return await super().shutdown_kernel(kernel_id, now=now, restart=restart)
        finally:
            self._stopping.discard(kernel_id)
            self._left.pop(kernel_id, None)


def set_xsrf_cookie(req_handler, notebook, cwd):
    """Voila's prelaunch hook: reading ``xsrf_token`` sets the _xsrf cookie that the
    page's shutdown request (on reload or close) must send back."""
    req_handler.xsrf_token  # noqa: B018 (the property sets the cookie)
    return notebook


def configure(c) -> None:
    """Set `make app`'s options on the traitlets config ``c``."""
    c.Voila.ip = "127.0.0.1"  # localhost only
    c.Voila.open_browser = False
    c.VoilaConfiguration.prelaunch_hook = set_xsrf_cookie
    c.VoilaConfiguration.multi_kernel_manager_class = CappedKernelManager
    c.CappedKernelManager.max_kernels = max_kernels()
    c.MappingKernelManager.cull_idle_timeout = IDLE_TIMEOUT
    c.MappingKernelManager.cull_interval = CULL_INTERVAL
    c.MappingKernelManager.cull_connected = False  # an open page's kernel stays
    c.MappingKernelManager.cull_busy = False  # ... and so does one running the notebook
    c.VoilaConfiguration.extension_allowlist = EXTENSIONS
    c.Voila.tornado_settings = {"ws_ping_interval": 0}  # see the docstring
    # kernels on local sockets (owner-only files), not unencrypted TCP ports
    c.KernelManager.transport = "ipc"


if "get_config" in globals():  # read as a config file (tests import the functions)
    configure(get_config())  # noqa: F821 (traitlets defines it in config files)
