"""A real IPython kernel for tests, driven through jupyter_client as a notebook front end does."""

from __future__ import annotations

import os
import queue
import time
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager


class Kernel:
    def __init__(
        self, cwd: Path, env: dict[str, str] | None = None, arguments: list[str] | None = None
    ) -> None:
        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(
            cwd=str(cwd), env={**os.environ, **(env or {})}, extra_arguments=arguments or []
        )
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=60)

    def run(self, code: str, timeout: float = 60) -> list[dict[str, Any]]:
        """Run ``code`` as a notebook cell; its outputs as nbformat-like dicts."""
        return self.collect(self.submit(code), timeout)

    def submit(self, code: str) -> str:
        msg_id: str = self.client.execute(code)
        return msg_id

    def collect(self, msg_id: str, timeout: float = 60) -> list[dict[str, Any]]:
        outputs: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty as error:
                raise TimeoutError(
                    f"no reply within {timeout}s; outputs so far: {outputs}"
                ) from error
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "status" and content["execution_state"] == "idle":
                return outputs
            if kind in ("stream", "display_data", "execute_result", "error", "update_display_data"):
                outputs.append({"output_type": kind, **content})

    def interrupt(self) -> None:
        self.manager.interrupt_kernel()

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def text_of(outputs: list[dict[str, Any]]) -> str:
    """Everything a person would read in the outputs, as one string."""
    parts = []
    for output in outputs:
        if output["output_type"] == "stream":
            parts.append(output["text"])
        elif output["output_type"] == "error":
            parts.append(f"{output['ename']}: {output['evalue']}")
        elif "data" in output:
            parts.append(str(output["data"].get("text/plain", "")))
    return "\n".join(parts)
