"""Images under ``plots/images/``: PIL images, numpy arrays, matplotlib figures, files."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path, PurePath
from typing import Any

from live_nb.error import ImageNotFoundError, InvalidImageError, InvalidImageNameError
from live_nb.formats.files import atomic_write

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".gif", ".png")
IMAGE_MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}
STEP_IMAGE = re.compile(r"^(.+)/(\d+)\.(png|jpe?g|gif)$", re.IGNORECASE)
"""``f"{name}/{step}.png"``: an image per step, shown with a step slider (as DVC's tools do)."""
_PIL_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".png": "PNG"}
_EXPECTED = "a PIL image, a numpy array (HxW or HxWxC), a matplotlib figure, or an image path"


def _is_instance_by_name(value: object, module: str, name: str) -> bool:
    """Whether ``value`` is a ``module.name`` (found by name: PIL and matplotlib stay unloaded)."""
    return any((cls.__module__, cls.__name__) == (module, name) for cls in type(value).__mro__)


def image_name_for(name: str, value: object) -> str:
    """DVCLive's rule: a path logged under a name without suffix keeps the file's suffix."""
    if isinstance(value, (str, PurePath)) and not PurePath(name).suffix:
        suffix = PurePath(value).suffix.lower()
        if suffix in IMAGE_SUFFIXES:
            return f"{name}{suffix}"
    return name


def check_image_name(name: str) -> None:
    """Refuse a name without an image suffix (``InvalidImageNameError``)."""
    if PurePath(name).suffix.lower() not in IMAGE_SUFFIXES:
        raise InvalidImageNameError(
            name, "the name must end with one of " + ", ".join(IMAGE_SUFFIXES) + "."
        )


def encode_image(name: str, value: Any) -> bytes:
    """The bytes of ``value`` in the format that the suffix of ``name`` asks for."""
    suffix = PurePath(name).suffix.lower()
    if _is_instance_by_name(value, "matplotlib.figure", "Figure"):
        return _encode_figure(value, suffix)
    if isinstance(value, (str, PurePath)):
        value = _open_image_file(name, value)
    elif _is_instance_by_name(value, "numpy", "ndarray"):
        value = _array_to_pil(name, value)
    elif not _is_instance_by_name(value, "PIL.Image", "Image"):
        raise InvalidImageError(name, f"got {type(value).__name__}; expected {_EXPECTED}.")
    return _encode_pil(name, value, suffix)


def save_image(path: Path, name: str, value: Any) -> None:
    """Write ``value`` to ``path`` (atomically) in the format its name asks for."""
    atomic_write(path, encode_image(name, value))


def _encode_figure(figure: Any, suffix: str) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format=suffix.lstrip(".").replace("jpg", "jpeg"))
    plt.close(figure)  # as DVCLive does: a logged figure is done with
    return buffer.getvalue()


def _open_image_file(name: str, path: str | PurePath) -> Any:
    from PIL import Image, UnidentifiedImageError

    if not os.path.isfile(path):
        raise ImageNotFoundError(name, path)
    try:
        with Image.open(path) as image:
            image.load()
            return image
    except UnidentifiedImageError as error:
        raise InvalidImageError(name, f"{str(path)!r} is not an image PIL can read.") from error


def _array_to_pil(name: str, array: Any) -> Any:
    import numpy as np
    from PIL import Image

    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise InvalidImageError(
            name, f"an array of shape {array.shape} is not an image; expected HxW, HxWx3 or HxWx4."
        )
    if array.dtype.kind not in "biuf":
        raise InvalidImageError(
            name, f"an array of dtype {array.dtype} is not an image; expected bool, int or float."
        )
    if array.dtype == np.bool_:
        array = array.astype(np.uint8) * 255
    elif np.issubdtype(array.dtype, np.floating):
        if array.size and (np.nanmin(array) < 0 or np.nanmax(array) > 1):
            raise InvalidImageError(
                name, "a float array must hold values in [0, 1]; scale it or cast it to uint8."
            )
        array = (np.nan_to_num(array) * 255).round().astype(np.uint8)
    elif array.dtype != np.uint8 and not (array.ndim == 2 and array.dtype == np.uint16):
        array = np.clip(array, 0, 255).astype(np.uint8)
    try:
        return Image.fromarray(array)
    except TypeError as error:
        raise InvalidImageError(
            name, f"PIL cannot make an image of dtype {array.dtype}."
        ) from error


def _encode_pil(name: str, image: Any, suffix: str) -> bytes:
    if _PIL_FORMATS[suffix] == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    buffer = io.BytesIO()
    try:
        image.save(buffer, format=_PIL_FORMATS[suffix])
    except (OSError, ValueError) as error:
        raise InvalidImageError(name, f"PIL cannot save it as {suffix}: {error}") from error
    return buffer.getvalue()


def mime_for(name: str) -> str:
    """The media type of an image file name (``application/octet-stream`` when unknown)."""
    return IMAGE_MIME.get(os.path.splitext(name)[1].lower(), "application/octet-stream")


def image_key(name: str) -> tuple[str, int | None]:
    """``"samples/3.png"`` -> ``("samples", 3)``, ``"cm.png"`` -> ``("cm.png", None)``."""
    match = STEP_IMAGE.match(name)
    return (match.group(1), int(match.group(2))) if match else (name, None)


def image_size(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` of a PNG, GIF or JPEG, from its header; None when not found."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return int.from_bytes(data[6:8], "little"), int.from_bytes(data[8:10], "little")
    if data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 <= len(data):
            if data[index] != 0xFF:
                return None
            marker = data[index + 1]
            if marker == 0xFF:
                index += 1  # fill byte
                continue
            if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
                index += 2  # markers without a length
                continue
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # start of frame
                height = int.from_bytes(data[index + 5 : index + 7], "big")
                width = int.from_bytes(data[index + 7 : index + 9], "big")
                return width, height
            index += 2 + int.from_bytes(data[index + 2 : index + 4], "big")
    return None
