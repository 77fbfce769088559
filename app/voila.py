"""Voila configuration of `make app` (the browser tests start the same command).

Every page load starts a kernel (~0.9 GB: it loads TensorFlow). Three things make sure
kernels of pages that are gone are shut down, and that their number stays bounded:

1. The _xsrf cookie. On reload or tab close, Voila's page asks the server to shut its
   kernel down (a POST sent with ``navigator.sendBeacon``), but the single-notebook page
   never sets the _xsrf cookie that POST must carry, so it is refused with a 403 and the
   kernel lives on (voila-dashboards/voila#1458). The prelaunch hook sets the cookie.
2. Culling. A page that never says goodbye (closed while loading, crashed tab, killed
   browser, laptop lid) leaves a kernel with no client. jupyter_server's culler shuts
   down kernels that have been idle for ``IDLE_TIMEOUT`` seconds with no browser
   connected; an open page keeps its websocket, so its kernel is never culled
   (``cull_connected=False``), nor is a kernel still running the notebook
   (``cull_busy=False``).
3. A cap. At most ``MAX_KERNELS`` kernels; a page beyond that gets a plain "503: too
   many open pages" page instead of a kernel (we refuse rather than cull the oldest
   idle kernel, which may belong to a page someone is looking at).

The environment variables below shorten the timings for tests; `make app` uses the
defaults.
"""

from __future__ import annotations

import asyncio
import os
import time

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Float, Integer

IDLE_TIMEOUT = int(os.environ.get("EMO_APP_IDLE_TIMEOUT", "120"))  # seconds
CULL_INTERVAL = int(os.environ.get("EMO_APP_CULL_INTERVAL", "30"))  # seconds
MAX_KERNELS = int(os.environ.get("EMO_APP_MAX_KERNELS", "4"))


class CappedKernelManager(AsyncMappingKernelManager):
    """A kernel manager that refuses to start more than ``max_kernels`` kernels."""

    max_kernels = Integer(4, config=True, help="Most kernels alive at once.")
    slot_wait = Float(
        5.0, config=True,
        help="Seconds a new page waits for a kernel of a closed page to finish "
             "shutting down before it is refused.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._starting = 0  # starts in progress
        self._stopping: set[str] = set()  # shutdowns in progress: no longer counted

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

    async def cull_kernel_if_idle(self, kernel_id):
        if kernel_id not in self._stopping:  # e.g. its page's shutdown request
            await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id, now=False, restart=False):
        self._stopping.add(kernel_id)
        try:
            return await super().shutdown_kernel(kernel_id, now=now, restart=restart)
        finally:
            self._stopping.discard(kernel_id)


def set_xsrf_cookie(req_handler, notebook, cwd):
    """Voila's prelaunch hook: reading ``xsrf_token`` sets the _xsrf cookie that the
    page's shutdown request (on reload or close) must send back."""
    req_handler.xsrf_token  # noqa: B018 (the property sets the cookie)
    return notebook


c = get_config()  # noqa: F821 (traitlets defines it in config files)
c.Voila.ip = "127.0.0.1"  # localhost only
c.Voila.open_browser = False
c.VoilaConfiguration.prelaunch_hook = set_xsrf_cookie
c.VoilaConfiguration.multi_kernel_manager_class = CappedKernelManager
c.CappedKernelManager.max_kernels = MAX_KERNELS
c.MappingKernelManager.cull_idle_timeout = IDLE_TIMEOUT
c.MappingKernelManager.cull_interval = CULL_INTERVAL
c.MappingKernelManager.cull_connected = False  # an open page's kernel stays
c.MappingKernelManager.cull_busy = False  # ... and so does one running the notebook
