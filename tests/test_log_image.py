"""``Live.log_image``: what a user logs ends up as an image file DVC can show."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest
import yaml
from PIL import Image

from live_nb import Live, LiveEvent, LiveNbError
from live_nb.error import ImageNotFoundError, InvalidImageError

matplotlib.use("Agg")
import matplotlib.pyplot as plt

IMAGES = Path("dvclive/plots/images")


def logged(name: str) -> Path:
    return IMAGES / name


def decoded(path: Path) -> tuple[str, str, np.ndarray]:
    with Image.open(path) as image:
        return image.format or "", image.mode, np.asarray(image)


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def gradient(shape: tuple[int, ...], dtype: Any = np.uint8) -> np.ndarray:
    return (np.arange(int(np.prod(shape))) % 251).reshape(shape).astype(dtype)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
def test_log_pil_image_as_png_keeps_mode_and_pixels(tmp_dir: Path, mode: str) -> None:
    channels = {"L": (5, 7), "RGB": (5, 7, 3), "RGBA": (5, 7, 4)}[mode]
    pixels = gradient(channels)
    live = Live(save_dvc_exp=False)

    live.log_image("pil.png", Image.fromarray(pixels, mode=mode))

    fmt, saved_mode, saved = decoded(logged("pil.png"))
    assert (fmt, saved_mode) == ("PNG", mode)
    np.testing.assert_array_equal(saved, pixels)


@pytest.mark.parametrize(("mode", "saved_mode"), [("L", "L"), ("RGB", "RGB"), ("RGBA", "RGB")])
def test_log_pil_image_as_jpg_writes_a_jpeg(tmp_dir: Path, mode: str, saved_mode: str) -> None:
    image = Image.new(mode, (6, 4), color=200 if mode == "L" else (200,) * len(mode))
    live = Live(save_dvc_exp=False)

    live.log_image("pil.jpg", image)

    fmt, decoded_mode, saved = decoded(logged("pil.jpg"))
    assert (fmt, decoded_mode) == ("JPEG", saved_mode)
    assert saved.shape[:2] == (4, 6)
    assert abs(int(saved.mean()) - 200) <= 2


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        pytest.param(gradient((4, 6)), gradient((4, 6)), id="HxW-uint8"),
        pytest.param(gradient((4, 6, 1)), gradient((4, 6)), id="HxWx1-uint8"),
        pytest.param(gradient((4, 6, 3)), gradient((4, 6, 3)), id="HxWx3-uint8"),
        pytest.param(gradient((4, 6, 4)), gradient((4, 6, 4)), id="HxWx4-uint8"),
        pytest.param(
            gradient((4, 6), np.uint16) * 200, gradient((4, 6), np.uint16) * 200, id="HxW-uint16"
        ),
        pytest.param(gradient((4, 6), np.int64), gradient((4, 6)), id="HxW-int64"),
        pytest.param(np.eye(4, 6, dtype=bool), np.eye(4, 6, dtype=np.uint8) * 255, id="HxW-bool"),
        pytest.param(
            np.linspace(0.0, 1.0, 24).reshape(4, 6),
            np.round(np.linspace(0.0, 1.0, 24) * 255).reshape(4, 6).astype(np.uint8),
            id="HxW-float",
        ),
        pytest.param(
            np.linspace(0.0, 1.0, 72, dtype=np.float32).reshape(4, 6, 3),
            np.round(np.linspace(0.0, 1.0, 72, dtype=np.float32) * 255)
            .reshape(4, 6, 3)
            .astype(np.uint8),
            id="HxWx3-float32",
        ),
    ],
)
def test_log_numpy_array_as_png_decodes_to_the_logged_pixels(
    tmp_dir: Path, array: np.ndarray, expected: np.ndarray
) -> None:
    live = Live(save_dvc_exp=False)

    live.log_image("array.png", array)

    fmt, _, saved = decoded(logged("array.png"))
    assert fmt == "PNG"
    np.testing.assert_array_equal(saved, expected)


@pytest.mark.parametrize(("suffix", "fmt"), [(".jpg", "JPEG"), (".jpeg", "JPEG"), (".gif", "GIF")])
def test_log_numpy_array_in_each_image_format(tmp_dir: Path, suffix: str, fmt: str) -> None:
    live = Live(save_dvc_exp=False)

    live.log_image(f"array{suffix}", gradient((4, 6, 3)))

    assert decoded(logged(f"array{suffix}"))[0] == fmt


@pytest.mark.parametrize("value", [1.5, -0.1, np.inf])
def test_log_float_array_outside_unit_range_raises_invalid_image_error(
    tmp_dir: Path, value: float
) -> None:
    live = Live(save_dvc_exp=False)
    array = np.full((3, 3), 0.5)
    array[1, 1] = value

    with pytest.raises(InvalidImageError, match=r"\[0, 1\]") as caught:
        live.log_image("float.png", array)

    assert isinstance(caught.value, TypeError)
    assert not logged("float.png").exists()


@pytest.mark.parametrize(
    "array",
    [
        pytest.param(np.ones((3, 3), dtype=complex), id="complex"),
        pytest.param(np.full((3, 3), object()), id="object"),
        pytest.param(np.full((3, 3), "a"), id="str"),
    ],
)
def test_log_array_of_non_numeric_dtype_raises_invalid_image_error(
    tmp_dir: Path, array: np.ndarray
) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(InvalidImageError, match="dtype"):
        live.log_image("odd.png", array)

    assert not logged("odd.png").exists()


@pytest.mark.parametrize("shape", [(6,), (3, 3, 2), (2, 3, 3, 3), ()])
def test_log_array_that_is_not_an_image_shape_raises(tmp_dir: Path, shape: tuple[int, ...]) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(InvalidImageError, match="shape"):
        live.log_image("shape.png", np.zeros(shape, dtype=np.uint8))

    assert not logged("shape.png").exists()


@pytest.mark.parametrize(("suffix", "fmt"), [(".png", "PNG"), (".jpg", "JPEG")])
def test_log_matplotlib_figure_saves_it_and_closes_it(tmp_dir: Path, suffix: str, fmt: str) -> None:
    figure, axes = plt.subplots(figsize=(2, 1), dpi=50)
    axes.plot([0, 1], [1, 0])
    live = Live(save_dvc_exp=False)

    live.log_image(f"figure{suffix}", figure)

    saved_fmt, _, pixels = decoded(logged(f"figure{suffix}"))
    assert saved_fmt == fmt
    assert pixels.shape[:2] == (50, 100)
    assert not plt.fignum_exists(figure.number)


@pytest.mark.parametrize("as_path", [str, Path])
def test_log_existing_png_path_keeps_its_pixels(tmp_dir: Path, as_path: type) -> None:
    pixels = gradient((5, 4, 3))
    Image.fromarray(pixels).save("source.png")
    live = Live(save_dvc_exp=False)

    live.log_image("copy.png", as_path("source.png"))

    np.testing.assert_array_equal(decoded(logged("copy.png"))[2], pixels)


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".gif"])
def test_log_image_path_under_a_name_without_suffix_adds_the_file_suffix(
    tmp_dir: Path, suffix: str
) -> None:
    Image.fromarray(gradient((5, 4, 3))).save(f"source{suffix}")
    live = Live(save_dvc_exp=False)

    live.log_image("sample", f"source{suffix}")

    assert files_under(IMAGES) == [f"sample{suffix}"]


def test_log_png_path_under_a_jpg_name_writes_a_jpeg(tmp_dir: Path) -> None:
    Image.fromarray(gradient((5, 4, 3))).save("source.png")
    live = Live(save_dvc_exp=False)

    live.log_image("converted.jpg", "source.png")

    assert decoded(logged("converted.jpg"))[0] == "JPEG"


@pytest.mark.parametrize("name", ["missing.png", "missing"])
def test_log_missing_image_path_raises_image_not_found(tmp_dir: Path, name: str) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(ImageNotFoundError, match=r"nowhere\.png") as caught:
        live.log_image(name, "nowhere.png")

    assert isinstance(caught.value, FileNotFoundError)
    assert files_under(IMAGES.parent) == []


@pytest.mark.parametrize("file_name", ["notes.png", "notes.txt"])
def test_log_path_of_a_file_that_is_not_an_image_raises_invalid_image_error(
    tmp_dir: Path, file_name: str
) -> None:
    Path(file_name).write_text("these are not pixels\n")
    live = Live(save_dvc_exp=False)

    with pytest.raises(InvalidImageError):
        live.log_image("notes.png", file_name)

    assert not logged("notes.png").exists()


@pytest.mark.parametrize(
    "value",
    [
        pytest.param([[0, 255], [255, 0]], id="list"),
        pytest.param({"pixels": [0, 1]}, id="dict"),
        pytest.param(None, id="None"),
        pytest.param(42, id="int"),
    ],
)
def test_log_unsupported_value_raises_error_naming_its_type(tmp_dir: Path, value: Any) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(InvalidImageError, match=type(value).__name__) as caught:
        live.log_image("value.png", value)

    assert "'value.png'" in str(caught.value)
    assert files_under(IMAGES.parent) == []


def test_log_garbage_string_raises_a_live_nb_error_naming_it(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(LiveNbError, match="not an image at all"):
        live.log_image("text.png", "not an image at all")

    assert files_under(IMAGES.parent) == []


@pytest.mark.parametrize("name", ["x.bmp", "x", "x.json", "x.png.txt"])
def test_log_array_under_a_name_without_image_suffix_raises(tmp_dir: Path, name: str) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(InvalidImageError, match=r"\.png"):
        live.log_image(name, gradient((3, 3)))

    assert files_under(IMAGES.parent) == []


def test_log_images_in_a_folder_per_step_keeps_every_step(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    for step in range(3):
        live.log_image(f"samples/{live.step}.png", np.full((2, 3), step * 10, dtype=np.uint8))
        live.next_step()
    live.end()

    assert files_under(IMAGES) == ["samples/0.png", "samples/1.png", "samples/2.png"]
    for step in range(3):
        assert decoded(logged(f"samples/{step}.png"))[2].tolist() == [[step * 10] * 3] * 2


def test_log_image_twice_under_one_name_keeps_the_last(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_image("last.png", np.zeros((2, 2), dtype=np.uint8))
    live.log_image("last.png", np.full((2, 2), 99, dtype=np.uint8))

    assert decoded(logged("last.png"))[2].tolist() == [[99, 99], [99, 99]]


def test_end_lists_the_images_folder_in_dvc_yaml(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    live.log_image("one.png", gradient((2, 2)))

    live.end()

    plots = yaml.safe_load(Path("dvc.yaml").read_text())["plots"]
    assert "dvclive/plots/images" in plots


def test_end_after_only_failed_images_lists_no_images_folder(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    with pytest.raises(InvalidImageError):
        live.log_image("bad.png", np.full((2, 2), 7.0))

    live.end()

    dvc_yaml = Path("dvc.yaml")
    config = yaml.safe_load(dvc_yaml.read_text()) if dvc_yaml.exists() else None
    assert "dvclive/plots/images" not in ((config or {}).get("plots") or [])


def test_subscriber_receives_an_image_event_with_the_written_path(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    live.next_step()
    events: list[LiveEvent] = []
    live.subscribe(events.append)

    live.log_image("seen.png", gradient((2, 2)))

    images = [event for event in events if event.kind == "image"]
    assert len(images) == 1
    assert images[0].name == "seen.png"
    assert images[0].step == 1
    assert Path(images[0].value) == tmp_dir / logged("seen.png")
    assert Path(images[0].value).is_file()
