# Copyright (c) mmddad contributors. All rights reserved.
"""Captions and colour legends drawn beside images, never over them."""
from typing import List, Optional, Sequence

import cv2
import mmcv
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX
#: Height in pixels of a caption line and of a legend row.
LINE_HEIGHT = 14
_SCALE = 0.38


def enlarge(img: np.ndarray, min_size: int) -> np.ndarray:
    """Scale ``img`` up by an integer factor (nearest) until its shorter
    side is at least ``min_size``; a copy when no scaling is needed."""
    scale = max(1, -(-min_size // min(img.shape[:2])))
    return mmcv.imrescale(img, scale, interpolation='nearest') \
        if scale > 1 else img.copy()


def text_width(text: str) -> int:
    """Width in pixels of ``text`` as :func:`add_caption` draws it."""
    return cv2.getTextSize(text, FONT, _SCALE, 1)[0][0]


def add_caption(img: np.ndarray,
                lines: Sequence[str],
                color: Sequence[int] = (0, 0, 0)) -> np.ndarray:
    """Add a white strip under ``img`` holding one text line per entry.

    Args:
        img (np.ndarray): RGB uint8 image (H, W, 3).
        lines (Sequence[str]): Caption lines; each is cut to the width.
        color (Sequence[int]): RGB colour of the text.

    Returns:
        np.ndarray: (H + len(lines) * LINE_HEIGHT, W, 3), uint8.
    """
    width = img.shape[1]
    strip = np.full((LINE_HEIGHT * len(lines), width, 3), 255, np.uint8)
    for i, line in enumerate(lines):
        while line and text_width(line) > width - 2:
            line = line[:-1]
        cv2.putText(strip, line, (1, LINE_HEIGHT * (i + 1) - 4), FONT,
                    _SCALE, tuple(int(c) for c in color), 1, cv2.LINE_AA)
    return np.concatenate([img, strip], axis=0)


def draw_legend(classes: Sequence[str], palette: np.ndarray, width: int,
                present: Optional[Sequence[int]] = None) -> np.ndarray:
    """A colour legend: a swatch and the name of each class, in rows that
    fit ``width``.

    Args:
        classes (Sequence[str]): Class names, by id.
        palette (np.ndarray): (num_classes, 3) RGB uint8 colours.
        width (int): Width of the legend in pixels.
        present (Sequence[int], optional): The class ids to list; all if
            None.

    Returns:
        np.ndarray: RGB uint8 image (rows * LINE_HEIGHT + 4, width, 3).
    """
    ids = list(range(len(classes))) if present is None else sorted(present)
    entries: List[tuple] = []  # (row, x, class id)
    row, x = 0, 2
    for i in ids:
        item = LINE_HEIGHT + 3 + text_width(str(classes[i])) + 10
        if x > 2 and x + item > width:
            row, x = row + 1, 2
        entries.append((row, x, i))
        x += item
    legend = np.full((LINE_HEIGHT * (row + 1) + 4, width, 3), 255, np.uint8)
    for row, x, i in entries:
        top = LINE_HEIGHT * row + 3
        color = tuple(int(c) for c in palette[i])
        cv2.rectangle(legend, (x, top), (x + LINE_HEIGHT - 4,
                                         top + LINE_HEIGHT - 4), color, -1)
        cv2.rectangle(legend, (x, top), (x + LINE_HEIGHT - 4,
                                         top + LINE_HEIGHT - 4), (0, 0, 0), 1)
        cv2.putText(legend, str(classes[i]),
                    (x + LINE_HEIGHT, top + LINE_HEIGHT - 5), FONT, _SCALE,
                    (0, 0, 0), 1, cv2.LINE_AA)
    return legend
